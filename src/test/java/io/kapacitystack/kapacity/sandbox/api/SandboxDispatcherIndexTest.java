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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sandbox API finds one object by its identity, not by a pass over the whole store (docs/benchmarks.md,
 * "Scaling-event stream": with 1,000 IHPAs each request took tens of milliseconds), creates included, and still
 * answers exactly what the store holds: after label changes, status writes, deletes, re-creates, in other namespaces and API groups.
 */
class SandboxDispatcherIndexTest {

    private final Vertx vertx = Vertx.vertx();
    private final SandboxDispatcher store = new SandboxDispatcher(new ManualClock(vertx, Instant.parse("2026-12-08T03:00:00Z")),
            new CustomResourceRegistry(), Duration.ofSeconds(1));

    @AfterEach
    void stop() {
        Await.result(vertx.close(), Duration.ofSeconds(10));
    }

    private MockResponse send(HttpMethod method, String path, JsonObject body) {
        return store.dispatch(StoreRequests.request(method, path, body == null ? null : body.encode(),
                method == HttpMethod.PATCH ? Patches.MERGE_PATCH : "application/json"));
    }

    private static JsonObject configMap(String ns, String name, String value) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
                .put("metadata", new JsonObject().put("name", name).put("namespace", ns)
                        .put("labels", new JsonObject().put("app", name)))
                .put("data", new JsonObject().put("k", value));
    }

    private static JsonObject statefulSet(String ns, String name) {
        return new JsonObject().put("apiVersion", "apps/v1").put("kind", "StatefulSet")
                .put("metadata", new JsonObject().put("name", name).put("namespace", ns))
                .put("spec", new JsonObject().put("replicas", 1).put("serviceName", name)
                        .put("selector", new JsonObject().put("matchLabels", new JsonObject().put("app", name)))
                        .put("template", new JsonObject().put("metadata", new JsonObject().put("labels", new JsonObject().put("app", name)))
                                .put("spec", new JsonObject().put("containers", new io.vertx.core.json.JsonArray()
                                        .add(new JsonObject().put("name", "c").put("image", "nginx"))))));
    }

    private JsonObject get(String path) {
        MockResponse r = send(HttpMethod.GET, path, null);
        return r.code() == 200 ? new JsonObject(r.getBody().readUtf8()) : null;
    }

    private static String value(JsonObject cm) {
        return cm == null ? null : cm.getJsonObject("data").getString("k");
    }

    @Test
    void readsAndWritesOfOneObjectDoNotPassOverTheStore() {
        long scans = store.storeScans();
        for (String ns : new String[]{"a", "b"}) {
            send(HttpMethod.POST, "/api/v1/namespaces", new JsonObject().put("apiVersion", "v1").put("kind", "Namespace")
                    .put("metadata", new JsonObject().put("name", ns)));
            for (int i = 0; i < 50; i++) {
                assertEquals(201, send(HttpMethod.POST, "/api/v1/namespaces/" + ns + "/configmaps", configMap(ns, "cm-" + i, ns + i)).code());
                assertEquals(201, send(HttpMethod.POST, "/apis/apps/v1/namespaces/" + ns + "/statefulsets", statefulSet(ns, "sts-" + i)).code());
            }
        }
        for (int i = 0; i < 50; i++) {
            assertEquals("a" + i, value(get("/api/v1/namespaces/a/configmaps/cm-" + i)));
            assertEquals("b" + i, value(get("/api/v1/namespaces/b/configmaps/cm-" + i)));
            // a merge patch (read, then a write that replaces the stored object) that changes the labels, the store's key
            JsonObject patch = new JsonObject().put("metadata", new JsonObject().put("labels", new JsonObject().put("app", "changed")))
                    .put("data", new JsonObject().put("k", "patched-" + i));
            assertEquals(200, send(HttpMethod.PATCH, "/api/v1/namespaces/a/configmaps/cm-" + i, patch).code());
            assertEquals("patched-" + i, value(get("/api/v1/namespaces/a/configmaps/cm-" + i)));
            assertEquals("changed", get("/api/v1/namespaces/a/configmaps/cm-" + i).getJsonObject("metadata")
                    .getJsonObject("labels").getString("app"));
            JsonObject sts = get("/apis/apps/v1/namespaces/b/statefulsets/sts-" + i);
            sts.getJsonObject("spec").put("replicas", 3);
            assertEquals(200, send(HttpMethod.PUT, "/apis/apps/v1/namespaces/b/statefulsets/sts-" + i, sts).code());
            sts = get("/apis/apps/v1/namespaces/b/statefulsets/sts-" + i);
            sts.put("status", new JsonObject().put("replicas", 3));
            assertEquals(200, send(HttpMethod.PUT, "/apis/apps/v1/namespaces/b/statefulsets/sts-" + i + "/status", sts).code());
            JsonObject written = get("/apis/apps/v1/namespaces/b/statefulsets/sts-" + i);
            assertEquals(3, written.getJsonObject("spec").getInteger("replicas"));
            assertEquals(3, written.getJsonObject("status").getInteger("replicas"));
        }
        assertEquals(scans, store.storeScans(), "creates, reads and writes of one object found it (or its absence) without a pass over the store");
        // the lists still see every object as it is now
        assertEquals(50, new JsonObject(send(HttpMethod.GET, "/api/v1/namespaces/a/configmaps?labelSelector=app%3Dchanged", null)
                .getBody().readUtf8()).getJsonArray("items").size());
    }

    @Test
    void anObjectDeletedOrElsewhereIsNotFoundAndARecreatedOneIsTheNewOne() {
        send(HttpMethod.POST, "/api/v1/namespaces/a/configmaps", configMap("a", "x", "first"));
        assertEquals(404, send(HttpMethod.GET, "/api/v1/namespaces/b/configmaps/x", null).code());
        assertEquals(404, send(HttpMethod.GET, "/apis/apps/v1/namespaces/a/statefulsets/x", null).code());
        assertEquals(200, send(HttpMethod.DELETE, "/api/v1/namespaces/a/configmaps/x", null).code());
        assertEquals(404, send(HttpMethod.GET, "/api/v1/namespaces/a/configmaps/x", null).code());
        assertEquals(404, send(HttpMethod.PATCH, "/api/v1/namespaces/a/configmaps/x", new JsonObject().put("data", new JsonObject())).code());
        send(HttpMethod.POST, "/api/v1/namespaces/a/configmaps", configMap("a", "x", "second"));
        assertEquals("second", value(get("/api/v1/namespaces/a/configmaps/x")));
        assertEquals(409, send(HttpMethod.POST, "/api/v1/namespaces/a/configmaps", configMap("a", "x", "third")).code());
        assertEquals("second", value(get("/api/v1/namespaces/a/configmaps/x")));
        assertEquals(0, store.storeScans(), "creates, 404s and reads answered from the index");
    }
}
