package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watches of the sandbox API as a real API server serves them: from a resourceVersion (the changes after it,
 * then the live ones), 410 Expired once that version has left the window, selectors, timeoutSeconds, and the
 * watch released when its client goes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxWatchIT {

    private static final int HISTORY = 50;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private SandboxDispatcher store;
    private SandboxApiServer server;
    private KubernetesClient client;
    private String api;

    @BeforeAll
    void start() {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2024-05-01T10:00:00Z"));
        CustomResourceRegistry crds = new CustomResourceRegistry();
        store = new SandboxDispatcher(clock, crds, Duration.ofSeconds(1), HISTORY);
        server = new SandboxApiServer(vertx, clock, store, crds);
        int port = Await.result(server.listen("127.0.0.1", 0), WAIT);
        api = "http://127.0.0.1:" + port;
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(api).withNamespace("default")
                .withHttp2Disable(true).build();
        client = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
    }

    @AfterAll
    void stop() {
        client.close();
        Await.result(server.close(), WAIT);
        Await.result(vertx.close(), WAIT);
    }

    private static ConfigMap configMap(String ns, String name, Map<String, String> labels) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels)
                .endMetadata().addToData("k", "v").build();
    }

    private static long rv(ConfigMap cm) {
        return Long.parseLong(cm.getMetadata().getResourceVersion());
    }

    @Test
    void aWatchFromAResourceVersionGetsEveryChangeAfterItThenTheLiveOnes() throws Exception {
        ConfigMap created = client.configMaps().resource(configMap("replay", "a", Map.of("app", "x"))).create();
        ConfigMap other = client.configMaps().resource(configMap("elsewhere", "a", Map.of("app", "x"))).create();
        ConfigMap updated = client.configMaps().inNamespace("replay").withName("a")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("k", "w").build());
        client.configMaps().inNamespace("replay").withName("a").delete();

        try (WatchStream w = new WatchStream("/api/v1/namespaces/replay/configmaps?watch=true&resourceVersion="
                + rv(created))) {
            JsonObject modified = w.next();
            assertEquals("MODIFIED", modified.getString("type"));
            assertEquals("w", modified.getJsonObject("object").getJsonObject("data").getString("k"));
            assertEquals(updated.getMetadata().getResourceVersion(), resourceVersion(modified));
            JsonObject deleted = w.next();
            assertEquals("DELETED", deleted.getString("type"));
            assertEquals("a", deleted.getJsonObject("object").getJsonObject("metadata").getString("name"));
            assertTrue(Long.parseLong(resourceVersion(deleted)) > rv(updated),
                    "a deletion gets a resourceVersion of its own: " + deleted);
            // then live, and only this namespace's objects
            client.configMaps().inNamespace("elsewhere").withName("a").delete();
            client.configMaps().resource(configMap("replay", "b", Map.of())).create();
            JsonObject added = w.next();
            assertEquals("ADDED", added.getString("type"));
            assertEquals("b", added.getJsonObject("object").getJsonObject("metadata").getString("name"));
        }
        assertTrue(rv(other) > rv(created));
    }

    /** kubectl delete's wait: list (object still there), the finalizer goes, then the watch from the list opens. */
    @Test
    void aDeletionBetweenTheListAndTheWatchIsNotMissed() throws Exception {
        client.configMaps().resource(new ConfigMapBuilder(configMap("finalized", "f", Map.of())).editMetadata()
                .addToFinalizers("example.com/hold").endMetadata().build()).create();
        client.configMaps().inNamespace("finalized").withName("f").delete();
        String list = get("/api/v1/namespaces/finalized/configmaps?fieldSelector=metadata.name%3Df");
        JsonObject listed = new JsonObject(list);
        assertEquals(1, listed.getJsonArray("items").size(), list);
        String listVersion = listed.getJsonObject("metadata").getString("resourceVersion");
        client.configMaps().inNamespace("finalized").withName("f")
                .edit(cm -> new ConfigMapBuilder(cm).editMetadata().withFinalizers(List.of()).endMetadata().build());
        Await.until("f to be gone", WAIT, () -> client.configMaps().inNamespace("finalized").withName("f").get() == null);

        try (WatchStream w = new WatchStream("/api/v1/namespaces/finalized/configmaps?watch=true"
                + "&fieldSelector=metadata.name%3Df&allowWatchBookmarks=true&resourceVersion=" + listVersion)) {
            JsonObject deleted = w.next();
            assertEquals("DELETED", deleted.getString("type"), deleted.encode());
            assertEquals("f", deleted.getJsonObject("object").getJsonObject("metadata").getString("name"));
        }
    }

    @Test
    void aWatchWithoutAResourceVersionStartsWithWhatExists() throws Exception {
        client.configMaps().resource(configMap("snapshot", "one", Map.of("tier", "web"))).create();
        client.configMaps().resource(configMap("snapshot", "two", Map.of("tier", "db"))).create();
        try (WatchStream w = new WatchStream("/api/v1/namespaces/snapshot/configmaps?watch=true"
                + "&labelSelector=tier%20in%20(web,cache)")) {
            JsonObject first = w.next();
            assertEquals("ADDED", first.getString("type"));
            assertEquals("one", first.getJsonObject("object").getJsonObject("metadata").getString("name"));
            // leaving the selector is a DELETED with the new state; entering it an ADDED
            client.configMaps().inNamespace("snapshot").withName("one")
                    .edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToLabels("tier", "db").endMetadata().build());
            JsonObject left = w.next();
            assertEquals("DELETED", left.getString("type"));
            assertEquals("db", left.getJsonObject("object").getJsonObject("metadata").getJsonObject("labels")
                    .getString("tier"));
            client.configMaps().inNamespace("snapshot").withName("two")
                    .edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToLabels("tier", "cache").endMetadata().build());
            JsonObject entered = w.next();
            assertEquals("ADDED", entered.getString("type"));
            assertEquals("two", entered.getJsonObject("object").getJsonObject("metadata").getString("name"));
        }
    }

    /** client-go's streaming list (WatchList): the current objects, a BOOKMARK marking their end, then live. */
    @Test
    void aStreamingListEndsItsInitialEventsWithABookmark() throws Exception {
        client.configMaps().resource(configMap("stream", "one", Map.of())).create();
        ConfigMap two = client.configMaps().resource(configMap("stream", "two", Map.of())).create();
        try (WatchStream w = new WatchStream("/api/v1/namespaces/stream/configmaps?watch=true&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")) {
            assertEquals(java.util.Set.of("ADDED one", "ADDED two"),
                    java.util.Set.of(w.nextTypeAndName(), w.nextTypeAndName()));
            JsonObject bookmark = w.next();
            assertEquals("BOOKMARK", bookmark.getString("type"));
            JsonObject object = bookmark.getJsonObject("object");
            assertEquals("ConfigMap", object.getString("kind"));
            assertEquals("v1", object.getString("apiVersion"));
            assertEquals("true", object.getJsonObject("metadata").getJsonObject("annotations")
                    .getString("k8s.io/initial-events-end"));
            assertTrue(Long.parseLong(object.getJsonObject("metadata").getString("resourceVersion")) >= rv(two));
            client.configMaps().resource(configMap("stream", "three", Map.of())).create();
            JsonObject next;
            do { // a periodic bookmark may come first
                next = w.next();
            } while ("BOOKMARK".equals(next.getString("type")));
            assertEquals("ADDED", next.getString("type"));
            assertEquals("three", next.getJsonObject("object").getJsonObject("metadata").getString("name"));
        }
    }

    /** A watch that allows bookmarks learns the newest resourceVersion even when nothing it watches changes. */
    @Test
    void watchesThatAllowBookmarksGetThemPeriodically() throws Exception {
        String listed = new JsonObject(get("/api/v1/namespaces/quiet/configmaps")).getJsonObject("metadata")
                .getString("resourceVersion");
        server.bookmarkEvery(Duration.ofMillis(200));
        try (WatchStream quiet = new WatchStream("/api/v1/namespaces/quiet/configmaps?watch=true&resourceVersion="
                + listed + "&allowWatchBookmarks=true");
             WatchStream plain = new WatchStream("/api/v1/namespaces/quiet/secrets?watch=true&resourceVersion="
                     + listed)) {
            ConfigMap elsewhere = client.configMaps().resource(configMap("noisy", "n", Map.of())).create();
            JsonObject bookmark;
            do {
                bookmark = quiet.next();
                assertEquals("BOOKMARK", bookmark.getString("type"), bookmark.encode());
            } while (Long.parseLong(resourceVersion(bookmark)) < rv(elsewhere));
            assertEquals("ConfigMap", bookmark.getJsonObject("object").getString("kind"));
            assertEquals("v1", bookmark.getJsonObject("object").getString("apiVersion"));
            assertTrue(plain.nothingWithin(Duration.ofMillis(600)), "no bookmarks unless asked for");
        } finally {
            server.bookmarkEvery(SandboxApiServer.BOOKMARK_INTERVAL);
        }
    }

    @Test
    void aResourceVersionOlderThanTheWindowIsExpired() throws Exception {
        ConfigMap first = client.configMaps().resource(configMap("churn", "c", Map.of())).create();
        for (int i = 0; i < HISTORY + 5; i++) {
            String value = "v" + i;
            client.configMaps().inNamespace("churn").withName("c")
                    .edit(cm -> new ConfigMapBuilder(cm).addToData("k", value).build());
        }
        try (WatchStream w = new WatchStream("/api/v1/namespaces/churn/configmaps?watch=true&resourceVersion="
                + rv(first))) {
            JsonObject error = w.next();
            assertEquals("ERROR", error.getString("type"));
            assertEquals(410, error.getJsonObject("object").getInteger("code"));
            assertEquals("Expired", error.getJsonObject("object").getString("reason"));
            assertTrue(w.ended(), "the stream ends after the error");
        }
    }

    @Test
    void timeoutSecondsEndsTheWatchAndAGoneClientReleasesIt() throws Exception {
        // the other tests' watches are released asynchronously when their clients go
        Await.until("no watch open", WAIT, () -> store.openWatches() == 0);
        try (WatchStream w = new WatchStream("/api/v1/namespaces/timeout/configmaps?watch=true&timeoutSeconds=1")) {
            assertTrue(w.ended(), "the server ends the watch after timeoutSeconds");
        }
        WatchStream left = new WatchStream("/api/v1/namespaces/gone/configmaps?watch=true");
        Await.until("the watch to be open", WAIT, () -> store.openWatches() == 1);
        left.close();
        Await.until("the watch of a client that went to be released", WAIT, () -> store.openWatches() == 0);
    }

    @Test
    void aBadSelectorIsRejected() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api
                + "/api/v1/namespaces/x/configmaps?watch=true&labelSelector=a%20in%20(")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("BadRequest", new JsonObject(r.body()).getString("reason"));
    }

    /** fabric8 watches over a WebSocket; it resumes from a resourceVersion the same way. */
    @Test
    void aWebSocketWatchResumesFromAResourceVersion() throws Exception {
        ConfigMap created = client.configMaps().resource(configMap("websocket", "a", Map.of())).create();
        client.configMaps().inNamespace("websocket").withName("a")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("k", "changed").build());
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (var watch = client.configMaps().inNamespace("websocket").withResourceVersion(created.getMetadata()
                .getResourceVersion()).watch(new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                        if (action == Action.BOOKMARK) {
                            return;
                        }
                        events.add(action + " " + cm.getMetadata().getName() + " " + cm.getData().get("k"));
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                })) {
            assertEquals("MODIFIED a changed", events.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
            client.configMaps().resource(configMap("websocket", "b", Map.of())).create();
            assertEquals("ADDED b v", events.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertNull(events.poll(200, TimeUnit.MILLISECONDS), "nothing else: " + events);
        }
    }

    private static String resourceVersion(JsonObject event) {
        return event.getJsonObject("object").getJsonObject("metadata").getString("resourceVersion");
    }

    private String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** A chunked watch read line by line on a thread of its own. */
    private final class WatchStream implements AutoCloseable {
        private static final String END = "\u0000end";
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Stream<String> body;
        private volatile boolean ended;

        WatchStream(String path) throws Exception {
            HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, r.statusCode());
            body = r.body();
            Thread reader = new Thread(() -> {
                try {
                    body.forEach(lines::add);
                } catch (RuntimeException closed) {
                    // the test closed the stream
                } finally {
                    lines.add(END);
                }
            }, "watch-reader");
            reader.setDaemon(true);
            reader.start();
        }

        JsonObject next() throws InterruptedException {
            String line;
            do {
                line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(line, "no watch event within " + WAIT);
            } while (line.isBlank());
            assertTrue(!END.equals(line), "the watch ended");
            return new JsonObject(line);
        }

        String nextTypeAndName() throws InterruptedException {
            JsonObject event = next();
            return event.getString("type") + " " + event.getJsonObject("object").getJsonObject("metadata")
                    .getString("name");
        }

        /** Whether no event (nor the end) arrives within {@code d}. */
        boolean nothingWithin(Duration d) throws InterruptedException {
            String line;
            do {
                line = lines.poll(d.toMillis(), TimeUnit.MILLISECONDS);
            } while (line != null && line.isBlank());
            return line == null;
        }

        /** Whether the server ends the stream (within the wait) with nothing more on it. */
        boolean ended() throws InterruptedException {
            String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            return END.equals(line);
        }

        @Override
        public void close() {
            body.close();
        }
    }
}
