package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The store's index of named objects ({@link ObjectIndex}) answers exactly what fabric8's scan of the whole store
 * answers: after every write of a random sequence (creates, label changes that re-key fabric8's entry, status writes,
 * graceful deletes and the kubelet's release), each named read equals the item the collection list (a full scan)
 * holds for that name, or 404 when the list holds none.
 */
class ObjectIndexTest {

    private static final String[] NAMESPACES = {"a", "b", "c"};

    private final Vertx vertx = Vertx.vertx();
    private final SandboxDispatcher store = new SandboxDispatcher(new ManualClock(vertx, Instant.parse("2026-12-08T00:00:00Z")),
            new CustomResourceRegistry(), Duration.ofSeconds(1));

    @AfterEach
    void close() {
        Await.result(vertx.close(), Duration.ofSeconds(30));
    }

    @Test
    void namedReadsAgreeWithAFullScanThroughEveryKindOfWrite() {
        for (String ns : NAMESPACES) {
            assertEquals(201, send(HttpMethod.POST, "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}").code());
        }
        Random random = new Random(23);
        for (int step = 0; step < 400; step++) {
            String ns = NAMESPACES[random.nextInt(NAMESPACES.length)];
            String name = "p" + random.nextInt(8);
            String path = "/api/v1/namespaces/" + ns + "/pods/" + name;
            switch (random.nextInt(5)) {
                case 0 -> send(HttpMethod.POST, "/api/v1/namespaces/" + ns + "/pods", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name
                        + "\",\"labels\":{\"v\":\"0\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
                case 1 -> send(HttpMethod.PATCH, path, "{\"metadata\":{\"labels\":{\"v\":\"" + step + "\"}}}");
                case 2 -> send(HttpMethod.PATCH, path + "/status", "{\"status\":{\"phase\":\"Running\",\"message\":\"" + step + "\"}}");
                case 3 -> send(HttpMethod.DELETE, path, null);
                default -> store.forgetKubeletFinalizer(ApiPath.parse(path));
            }
            for (String n : NAMESPACES) {
                assertSameAsScan(n);
            }
        }
        assertEquals("Active", json(send(HttpMethod.GET, "/api/v1/namespaces/b", null)).getJsonObject("status").getString("phase"));
        assertEquals(404, send(HttpMethod.GET, "/api/v1/namespaces/d", null).code());
    }

    private void assertSameAsScan(String ns) {
        Map<String, JsonObject> listed = new HashMap<>();
        json(send(HttpMethod.GET, "/api/v1/namespaces/" + ns + "/pods", null)).getJsonArray("items")
                .forEach(o -> listed.put(((JsonObject) o).getJsonObject("metadata").getString("name"), (JsonObject) o));
        for (int i = 0; i < 8; i++) {
            MockResponse read = send(HttpMethod.GET, "/api/v1/namespaces/" + ns + "/pods/p" + i, null);
            JsonObject expected = listed.get("p" + i);
            if (expected == null) {
                assertEquals(404, read.code(), ns + "/p" + i);
                assertNull(store.read("/api/v1/namespaces/" + ns + "/pods/p" + i));
            } else {
                assertEquals(expected, json(read), ns + "/p" + i);
            }
        }
    }

    private MockResponse send(HttpMethod method, String path, String body) {
        String type = method == HttpMethod.PATCH ? "application/merge-patch+json" : body == null ? null : "application/json";
        return store.dispatch(StoreRequests.request(method, path, body, type));
    }

    private static JsonObject json(MockResponse response) {
        return new JsonObject(response.getBody().readUtf8());
    }
}
