package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Kinds whose API strategy never sets {@code metadata.generation} (no spec/status split): kube-apiserver leaves it
 * unset on these. fabric8's store counts it up on every update and needs it stored, so it is kept in the store and
 * left out of everything served (responses and watch events).
 */
final class Generationless {

    private static final Set<String> CORE_RESOURCES = Set.of("configmaps", "secrets", "serviceaccounts",
            "endpoints", "events", "namespaces", "nodes", "services", "persistentvolumeclaims");

    private Generationless() {
    }

    static boolean applies(ApiPath path) {
        return path.group().isEmpty() && CORE_RESOURCES.contains(path.resource());
    }

    /** The stored object as served: without its generation where the kind has none. */
    static String strip(ApiPath path, String object) {
        if (object == null || !applies(path)) {
            return object;
        }
        JsonObject json = new JsonObject(object);
        json.getJsonObject("metadata", new JsonObject()).remove("generation");
        return json.encode();
    }

    /** A successful answer (one object or a list) as served: without generations where the kind has none. */
    static MockResponse strip(ApiPath path, MockResponse response) {
        if (!applies(path) || response.code() >= 300 || response.getBody() == null || response.getBody().size() == 0) {
            return response;
        }
        try {
            JsonObject body = new JsonObject(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
            body.getJsonObject("metadata", new JsonObject()).remove("generation");
            for (Object item : body.getJsonArray("items", new JsonArray())) {
                if (item instanceof JsonObject o) {
                    o.getJsonObject("metadata", new JsonObject()).remove("generation");
                }
            }
            return ApiStatus.json(response.code(), body);
        } catch (DecodeException | ClassCastException e) {
            return response;
        }
    }
}
