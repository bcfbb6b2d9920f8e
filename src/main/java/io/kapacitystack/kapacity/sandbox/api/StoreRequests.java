package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/** The requests the sandbox's dispatcher builds for its own store, and what it reads from a client's DELETE. */
final class StoreRequests {

    private StoreRequests() {
    }

    /** A request to the store itself, as the sandbox makes when it writes on its own behalf. */
    static RecordedRequest request(HttpMethod method, String path, String body, String contentType) {
        Headers.Builder headers = Headers.builder();
        if (contentType != null) {
            headers.add("Content-Type", contentType);
        }
        return new RecordedRequest("HTTP/1.1", method, path, headers.build(),
                new Buffer(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A DELETE's grace period: the query's, else its DeleteOptions body's; -1 when neither says. */
    static long gracePeriodSeconds(ApiPath path, String body) {
        String fromQuery = path.query().get("gracePeriodSeconds");
        if (fromQuery != null) {
            return Long.parseLong(fromQuery);
        }
        if (body != null && !body.isBlank()) {
            try {
                Number n = new JsonObject(body).getNumber("gracePeriodSeconds");
                if (n != null) {
                    return n.longValue();
                }
            } catch (DecodeException ignored) {
                // not DeleteOptions: use the default grace period
            }
        }
        return -1;
    }
}
