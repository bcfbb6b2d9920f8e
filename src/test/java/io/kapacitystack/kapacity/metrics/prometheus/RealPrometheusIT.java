package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.RealPrometheus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus provider against a real Prometheus (Debian's {@code prometheus} package, started here on a free
 * loopback port) scraping an exporter served by this test every second: two pods of StatefulSet {@code web}
 * using 0.5 and 0.25 cores (only web-0 ready), their memory, and an Ingress receiving 300 requests/s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealPrometheusIT {

    private static final GroupKind STS = new GroupKind("apps", "StatefulSet");

    private final Vertx vertx = Vertx.vertx();
    private final long t0 = System.currentTimeMillis();
    private HttpServer exporter;
    private RealPrometheus prometheus;
    private String url;
    private PrometheusMetricsProvider provider;

    private static <T> T await(Future<T> f) {
        return Await.result(f, java.time.Duration.ofSeconds(60));
    }

    private String exposition() {
        double s = (System.currentTimeMillis() - t0) / 1000.0;
        return String.join("\n",
                "# TYPE container_cpu_usage_seconds_total counter",
                "container_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-0\",container=\"app\"} " + 0.5 * s,
                "container_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-1\",container=\"app\"} " + 0.25 * s,
                "container_cpu_usage_seconds_total{namespace=\"other\",pod=\"web-0\",container=\"app\"} " + 9 * s,
                "# TYPE container_memory_working_set_bytes gauge",
                "container_memory_working_set_bytes{namespace=\"default\",pod=\"web-0\",container=\"app\"} 1e+08",
                "container_memory_working_set_bytes{namespace=\"default\",pod=\"web-1\",container=\"app\"} 2e+08",
                "# TYPE kube_pod_status_ready gauge",
                "kube_pod_status_ready{namespace=\"default\",pod=\"web-0\",condition=\"true\"} 1",
                "kube_pod_status_ready{namespace=\"default\",pod=\"web-0\",condition=\"false\"} 0",
                "kube_pod_status_ready{namespace=\"default\",pod=\"web-1\",condition=\"true\"} 0",
                "kube_pod_status_ready{namespace=\"default\",pod=\"web-1\",condition=\"false\"} 1",
                "# TYPE nginx_ingress_controller_requests_total counter",
                "nginx_ingress_controller_requests_total{namespace=\"default\",ingress=\"web\"} " + Math.floor(300 * s),
                "");
    }



    private static PrometheusConfig config() throws IOException {
        String shipped;
        try (InputStream in = RealPrometheusIT.class.getClassLoader()
                .getResourceAsStream(PrometheusConfig.DEFAULT_RESOURCE)) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String ingressRule = String.join("\n",
                "rules:",
                "- seriesQuery: '{__name__=~\"^nginx_ingress_controller_requests_total$\"}'",
                "  resources:",
                "    overrides:",
                "      namespace: {resource: namespace}",
                "      ingress: {group: networking.k8s.io, resource: ingress}",
                "  name:",
                "    matches: ^(.*)_total$",
                "    as: ${1}_per_second",
                "  metricsQuery: sum(irate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)",
                "");
        assertTrue(shipped.contains("rules: []\n"));
        return PrometheusConfig.parse(shipped.replace("rules: []\n", ingressRule));
    }

    @BeforeAll
    void start() throws Exception {
        exporter = await(vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4").end(exposition())).listen(0, "127.0.0.1"));
        prometheus = RealPrometheus.scraping("127.0.0.1:" + exporter.actualPort(), "/metrics");
        url = prometheus.url();
        Await.until("3 scrapes", Duration.ofSeconds(40), () -> prometheus.get(
                "/api/v1/query?query=count_over_time(kube_pod_status_ready%7Bpod%3D%22web-0%22%2Ccondition%3D%22true%22%7D%5B1m%5D)")
                .matches("(?s)200 .*\"value\":\\[[0-9.]+,\"([3-9]|[1-9][0-9]+)\"\\].*"));

        KubeLookup kube = new KubeLookup() {
            final Map<String, Map<String, String>> pods = Map.of("web-0", Map.of("app", "web"),
                    "web-1", Map.of("app", "web"), "db-0", Map.of("app", "db"));

            @Override
            public Future<List<String>> podNames(String namespace, Selector selector) {
                return Future.succeededFuture(pods.entrySet().stream().filter(e -> selector.matches(e.getValue()))
                        .map(Map.Entry::getKey).sorted().collect(Collectors.toList()));
            }

            @Override
            public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind gk) {
                return gk.kind().equals("Ingress")
                        ? Future.succeededFuture(new PrometheusConfig.GroupResource(gk.group(), "ingresses"))
                        : Future.failedFuture("no resource for kind " + gk);
            }

            @Override
            public Future<List<String>> objectNames(GroupKind gk, String namespace, Selector selector) {
                return Future.succeededFuture(List.of("web"));
            }
        };
        provider = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), config(), url, kube,
                new PrometheusMetricsProvider.DiscoveryOptions(Duration.ofSeconds(30), Duration.ofMinutes(10)));
        await(provider.start());
    }

    @AfterAll
    void stop() throws Exception {
        if (provider != null) {
            provider.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private List<Sample> latest(MetricQuery q) {
        return await(provider.queryLatest(q));
    }

    private static Sample only(List<Sample> samples) {
        assertEquals(1, samples.size(), samples.toString());
        return samples.get(0);
    }

    private static void near(double expected, double actual) {
        assertEquals(expected, actual, expected * 0.1, "expected about " + expected + ", got " + actual);
    }

    @Test
    void podAndContainerResources() {
        Sample web1 = only(latest(new MetricQuery.PodResource("default", "web-1", null, "cpu")));
        near(0.25, web1.value());
        assertEquals(Map.of("pod", "web-1"), web1.labels());
        assertEquals(Duration.ofMinutes(3), web1.window());
        assertTrue(Math.abs(web1.timestamp() - System.currentTimeMillis()) < 10_000);
        List<Sample> memory = latest(new MetricQuery.PodResource("default", "", Selector.parse("app=web"), "memory"));
        assertEquals(Map.of("web-0", 1e8, "web-1", 2e8), memory.stream()
                .collect(Collectors.toMap(s -> s.labels().get("pod"), Sample::value)));
        near(0.5, only(latest(new MetricQuery.ContainerResource("default", "web-0", null, "cpu", "app"))).value());
        assertTrue(latest(new MetricQuery.ContainerResource("default", "web-0", null, "cpu", "sidecar")).isEmpty());
    }

    @Test
    void workloadResources() {
        Sample all = only(latest(new MetricQuery.WorkloadResource(STS, "default", "web", "cpu", false)));
        assertEquals(Map.of("namespace", "default"), all.labels());
        near(0.75, all.value());
        near(0.5, only(latest(new MetricQuery.WorkloadResource(STS, "default", "web", "cpu", true))).value());
        near(1e8, only(latest(new MetricQuery.WorkloadContainerResource(STS, "default", "web", "memory", "app",
                true))).value());
    }

    @Test
    void externalMetricsFromDiscovery() {
        Sample ready = only(latest(new MetricQuery.WorkloadExternal(STS, "default", "web",
                new MetricIdentifier("ready_pods_count", null))));
        assertEquals(1, ready.value());
        assertEquals(null, ready.window());
        assertEquals(1, only(latest(new MetricQuery.External("default",
                new MetricIdentifier("ready_pods_count", null)))).value());
        MetricsException e = assertThrows(MetricsException.class, () -> latest(new MetricQuery.External("default",
                new MetricIdentifier("nope", null))));
        assertEquals(MetricsException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void objectMetricFromDiscoveredRule() {
        GroupKind ingress = new GroupKind("networking.k8s.io", "Ingress");
        Sample rate = only(latest(new MetricQuery.ObjectQuery(ingress, "default", "web", null,
                new MetricIdentifier("nginx_ingress_controller_requests_per_second", null))));
        near(300, rate.value());
        assertEquals(Map.of("ingress", "web"), rate.labels());
        Sample bySelector = only(latest(new MetricQuery.ObjectQuery(ingress, "default", "", Selector.everything(),
                new MetricIdentifier("nginx_ingress_controller_requests_per_second", null))));
        near(300, bySelector.value());
        assertEquals(MetricsException.Kind.NOT_FOUND, assertThrows(MetricsException.class,
                () -> latest(new MetricQuery.ObjectQuery(ingress, "", "web", null,
                        new MetricIdentifier("nginx_ingress_controller_requests_per_second", null)))).kind());
    }

    @Test
    void rangeQueryIsShardedAt11000Steps() {
        Instant end = Instant.now();
        Instant start = end.minusSeconds(25_000);
        // 25,001 points at 1 s: Prometheus alone refuses more than 11,000 points per series
        List<Series> series = await(provider.query(new MetricQuery.WorkloadResource(STS, "default", "web", "cpu",
                false), start, end, Duration.ofSeconds(1)));
        assertEquals(1, series.size(), series.toString());
        Series s = series.get(0);
        assertEquals(Map.of("namespace", "default"), s.labels());
        assertEquals(Duration.ofMinutes(3), s.window());
        assertTrue(s.points().size() >= 2, s.toString());
        for (int i = 1; i < s.points().size(); i++) {
            assertTrue(s.points().get(i).timestamp() > s.points().get(i - 1).timestamp());
        }
        assertTrue(s.points().get(0).timestamp() >= start.toEpochMilli());
        near(0.75, s.points().get(s.points().size() - 1).value());
    }

    @Test
    void errors() {
        PrometheusMetricsProvider down = new PrometheusMetricsProvider(vertx, new SystemClock(vertx),
                PrometheusConfig.defaults(), "http://127.0.0.1:1", null,
                PrometheusMetricsProvider.DiscoveryOptions.defaults());
        MetricsException e = assertThrows(MetricsException.class, () -> await(down.queryLatest(
                new MetricQuery.WorkloadResource(STS, "default", "web", "cpu", false))));
        assertEquals(MetricsException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("prom query failed with query \"sum by (namespace)"), e.getMessage());
        down.close();

        PrometheusMetricsProvider badQuery = new PrometheusMetricsProvider(vertx, new SystemClock(vertx),
                PrometheusConfig.parse("resourceRules:\n  cpu:\n    containerQuery: sum(<<.LabelMatchers>>\n"
                        + "workloadPodNamePatterns:\n- {group: apps, kind: StatefulSet, pattern: '^%s-[0-9]+$'}\n"),
                url, null, PrometheusMetricsProvider.DiscoveryOptions.defaults());
        e = assertThrows(MetricsException.class, () -> await(badQuery.queryLatest(
                new MetricQuery.WorkloadResource(STS, "default", "web", "cpu", false))));
        assertEquals(MetricsException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("bad_data"), e.getMessage());
        badQuery.close();
    }
}
