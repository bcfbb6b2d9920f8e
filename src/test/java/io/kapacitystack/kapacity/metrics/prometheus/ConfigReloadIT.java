package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics-config file is re-read when it changes; a bad file keeps the config in use and says why. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigReloadIT {

    private final Vertx vertx = Vertx.vertx();
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final List<String> seriesQueries = new CopyOnWriteArrayList<>();
    private HttpServer fake;
    private String url;
    private String shipped;

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final KubeLookup KUBE = new KubeLookup() {
        @Override
        public Future<List<String>> podNames(String namespace, Selector selector) {
            return Future.succeededFuture(List.of("web-0"));
        }

        @Override
        public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind groupKind) {
            return Future.failedFuture("none");
        }

        @Override
        public Future<List<String>> objectNames(GroupKind groupKind, String namespace, Selector selector) {
            return Future.succeededFuture(List.of());
        }
    };

    @BeforeAll
    void start() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(PrometheusConfig.DEFAULT_RESOURCE)) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Router r = Router.router(vertx);
        r.route().handler(BodyHandler.create());
        r.post("/api/v1/query").handler(ctx -> {
            queries.add(ctx.request().getFormAttribute("query"));
            ctx.json(new JsonObject().put("status", "success").put("data", new JsonObject()
                    .put("resultType", "vector").put("result", new JsonArray())));
        });
        r.post("/api/v1/series").handler(ctx -> {
            seriesQueries.add(ctx.request().getFormAttribute("match[]"));
            ctx.json(new JsonObject().put("status", "success").put("data", new JsonArray()));
        });
        fake = await(vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1"));
        url = "http://127.0.0.1:" + fake.actualPort();
    }

    @AfterAll
    void stop() {
        await(fake.close());
        await(vertx.close());
    }

    private PrometheusMetricsProvider provider(Path file) {
        return PrometheusMetricsProvider.withConfigFile(vertx, new SystemClock(vertx), file, Duration.ofMillis(50),
                url, PrometheusClientOptions.none(), KUBE, new PrometheusMetricsProvider.DiscoveryOptions(
                        Duration.ofMinutes(10), Duration.ZERO));
    }

    private String lastCpuQuery(PrometheusMetricsProvider p) {
        await(p.queryLatest(new MetricQuery.PodResource("default", "web-0", null, "cpu")));
        return queries.get(queries.size() - 1);
    }

    @Test
    void changedFileReplacesTheConfigAndBadFilesKeepIt() throws Exception {
        Path file = Files.createTempFile("metrics-config", ".yaml");
        Files.writeString(file, shipped);
        PrometheusMetricsProvider p = provider(file);
        try {
            await(p.start());
            assertTrue(lastCpuQuery(p).contains("container_cpu_usage_seconds_total"));
            String renamed = shipped.replace("container_cpu_usage_seconds_total", "my_cpu_seconds_total")
                    .replace("rules: []\n", String.join("\n",
                            "rules:",
                            "- seriesQuery: 'http_requests_total'",
                            "  resources: {template: <<.Resource>>}",
                            "  metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
                            ""));
            assertTrue(!renamed.equals(shipped) && renamed.contains("http_requests_total"));
            replace(file, renamed);
            Await.until("the changed config is in use", () -> !p.config().rules().isEmpty());
            assertTrue(lastCpuQuery(p).contains("my_cpu_seconds_total"));
            assertTrue(p.lastConfigError().isEmpty());
            // the new rules are discovered at once
            Await.until("discovery with the new rules", () -> seriesQueries.contains("http_requests_total"));

            PrometheusConfig good = p.config();
            replace(file, renamed + "extra: 1\n");
            Await.until("the bad file is reported", () -> p.lastConfigError().isPresent());
            int line = renamed.split("\n", -1).length;
            assertEquals("invalid metrics config: line " + line + ": unknown field \"extra\" in config",
                    p.lastConfigError().get());
            assertSame(good, p.config());
            assertTrue(lastCpuQuery(p).contains("my_cpu_seconds_total"));

            Files.delete(file);
            Await.until("the missing file is reported",
                    () -> p.lastConfigError().get().startsWith("cannot read " + file));
            assertSame(good, p.config());

            replace(file, shipped);
            Await.until("the fixed file is in use", () -> p.config().rules().isEmpty());
            assertTrue(p.lastConfigError().isEmpty());
            assertTrue(lastCpuQuery(p).contains("container_cpu_usage_seconds_total"));
        } finally {
            p.close();
        }
    }

    @Test
    void badOrMissingFileAtStartFails() throws Exception {
        Path file = Files.createTempFile("metrics-config", ".yaml");
        Files.writeString(file, "resourceRules:\n  window: 3 minutes\n");
        PrometheusConfig.ConfigException e = assertThrows(PrometheusConfig.ConfigException.class,
                () -> provider(file));
        assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
        Files.delete(file);
        assertThrows(UncheckedIOException.class, () -> provider(file));
    }

    /**
     * Replaces the file's content in one step, as the kubelet updates a mounted ConfigMap (a symlink swap): a watcher
     * never reads it half written. Files.writeString truncates first, and a read between the truncation and the
     * write sees a bad config that is not the one under test.
     */
    private static void replace(Path file, String content) throws Exception {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
