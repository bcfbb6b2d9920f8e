package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile values against the real Prometheus (docs/security.md, section 3): a pod in {@code default} and one in
 * {@code kube-system} (using 666 bytes, the value no answer may contain). The reported probe, a container name that
 * closes the matcher and appends a query of kube-system, is refused; object names (which may hold quotes and
 * braces) are sent escaped, Prometheus's own parser reads them back as exactly one matcher with exactly that value,
 * and no other series comes back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromQLInjectionIT {

    private static final String PROBE = "nginx\"}[3m]) or on() label_replace(container_memory_working_set_bytes"
            + "{namespace=\"kube-system\"}, \"pod\", \"$1\", \"pod\", \"(.*)\") or (x{a=\"";
    private static final List<String> HOSTILE_NAMES = List.of(PROBE,
            "web\"} or container_memory_working_set_bytes{namespace=\"kube-system\"",
            "web\\\"} or vector(666) or {x=\"", "web' or vector(666)", "web\n", ".*", "web|.*", "(?s).*",
            "\u0000", "web\u2028", "web`", "web\\", "\"", "}");
    private static final GroupKind INGRESS = new GroupKind("networking.k8s.io", "Ingress");

    private final Vertx vertx = Vertx.vertx();
    private HttpServer exporter;
    private RealPrometheus prometheus;
    private PrometheusMetricsProvider provider;
    private PrometheusConfig config;

    private static <T> T await(Future<T> f) {
        return Await.result(f, Duration.ofSeconds(60));
    }

    private static String exposition() {
        return String.join("\n",
                "# TYPE container_memory_working_set_bytes gauge",
                "container_memory_working_set_bytes{namespace=\"default\",pod=\"web-0\",container=\"nginx\"} 100",
                "container_memory_working_set_bytes{namespace=\"kube-system\",pod=\"secret-0\",container=\"etcd\"} 666",
                "# TYPE nginx_ingress_controller_requests_total counter",
                "nginx_ingress_controller_requests_total{namespace=\"default\",ingress=\"web\"} 1",
                "nginx_ingress_controller_requests_total{namespace=\"kube-system\",ingress=\"secret\"} 666",
                "");
    }

    @BeforeAll
    void start() throws Exception {
        exporter = await(vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4").end(exposition())).listen(0, "127.0.0.1"));
        prometheus = RealPrometheus.scraping("127.0.0.1:" + exporter.actualPort(), "/metrics");
        Await.until("a scrape", Duration.ofSeconds(40), () -> prometheus.get(
                "/api/v1/query?query=container_memory_working_set_bytes").contains("secret-0"));
        config = PrometheusConfig.parse(PrometheusConfig.class.getClassLoader().getResource(
                PrometheusConfig.DEFAULT_RESOURCE).openStream().readAllBytes().length == 0 ? ""
                : new String(PrometheusConfig.class.getClassLoader().getResourceAsStream(
                        PrometheusConfig.DEFAULT_RESOURCE).readAllBytes(), StandardCharsets.UTF_8).replace(
                        "rules: []\n", String.join("\n",
                                "rules:",
                                "- seriesQuery: '{__name__=\"nginx_ingress_controller_requests_total\"}'",
                                "  resources:",
                                "    overrides:",
                                "      namespace: {resource: namespace}",
                                "      ingress: {group: networking.k8s.io, resource: ingress}",
                                "  name: {matches: ^(.*)_total$, as: '${1}'}",
                                "  metricsQuery: max(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
                                "")));
        KubeLookup kube = new KubeLookup() {
            @Override
            public Future<List<String>> podNames(String namespace, Selector selector) {
                return Future.succeededFuture(List.of("web-0"));
            }

            @Override
            public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind gk) {
                return Future.succeededFuture(new PrometheusConfig.GroupResource(gk.group(), "ingresses"));
            }

            @Override
            public Future<List<String>> objectNames(GroupKind gk, String namespace, Selector selector) {
                // the names an API server could hold (no control characters): quotes, braces, regex syntax
                return Future.succeededFuture(HOSTILE_NAMES.stream().filter(n -> n.chars().allMatch(c -> c >= 0x20))
                        .toList());
            }
        };
        provider = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), config, prometheus.url(), kube,
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

    private static void nothingFromKubeSystem(List<Sample> samples) {
        for (Sample s : samples) {
            assertTrue(s.value() != 666 && !s.labels().containsValue("kube-system")
                    && !s.labels().containsValue("secret-0"), samples.toString());
        }
    }

    @Test
    void theReportedContainerProbeIsRefusedBeforeAnyQuery() {
        // the probe of the security report (written for the cpu rule's irate(...[3m])): the old code sent it to
        // Prometheus as PromQL (INTERNAL, a parse error with this memory rule); now it is refused before any query
        MetricsException e = assertThrows(MetricsException.class, () -> await(provider.queryLatest(
                new MetricQuery.ContainerResource("default", "web-0", null, "memory", PROBE))));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("invalid container name"), e.getMessage());
        // an honest container still answers, from default only
        List<Sample> nginx = await(provider.queryLatest(new MetricQuery.ContainerResource("default", "web-0", null,
                "memory", "nginx")));
        assertEquals(1, nginx.size(), nginx.toString());
        assertEquals(100, nginx.get(0).value());
    }

    @Test
    void hostileObjectNamesReachPrometheusAsPlainValues() {
        for (String name : HOSTILE_NAMES) {
            List<Sample> one;
            try {
                one = await(provider.queryLatest(new MetricQuery.ObjectQuery(INGRESS, "default", name, null,
                        new MetricIdentifier("nginx_ingress_controller_requests", null))));
            } catch (MetricsException e) {
                assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind(), name + ": " + e.getMessage());
                continue;
            }
            assertEquals(List.of(), one, name); // no ingress has that name: no series at all
        }
        // all of them at once (a selector's objects): a regex of escaped literals, again nothing
        List<Sample> all = await(provider.queryLatest(new MetricQuery.ObjectQuery(INGRESS, "default", "",
                Selector.everything(), new MetricIdentifier("nginx_ingress_controller_requests", null))));
        nothingFromKubeSystem(all);
        assertEquals(List.of(), all);
    }

    /** Prometheus's parser (format_query) reads the rendered matcher back as the value, and nothing else. */
    @Test
    void prometheusParsesEachRenderedQueryToTheIntendedMatcher() {
        QueryBuilder builder = new QueryBuilder(config);
        PrometheusConfig.DiscoveryRule rule = config.rules().get(0);
        List<String> checked = new ArrayList<>();
        for (String name : HOSTILE_NAMES) {
            String q;
            try {
                q = builder.object(rule, "nginx_ingress_controller_requests_total",
                        new PrometheusConfig.GroupResource("networking.k8s.io", "ingresses"), "default",
                        List.of(name), "m");
            } catch (MetricsException e) {
                assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
                continue;
            }
            String answer = prometheus.get("/api/v1/format_query?query=" + URLEncoder.encode(q,
                    StandardCharsets.UTF_8));
            assertTrue(answer.startsWith("200 "), q + " -> " + answer);
            String formatted = new io.vertx.core.json.JsonObject(answer.substring(4)).getString("data");
            List<PromQLTokens.Token> tokens = PromQLTokens.lex(formatted);
            long braces = tokens.stream().filter(t -> t.text().equals("{") && t.kind() == PromQLTokens.Kind.OP)
                    .count();
            assertEquals(1, braces, formatted);
            int at = -1;
            for (int i = 0; i + 1 < tokens.size(); i++) {
                if (tokens.get(i).text().equals("ingress") && tokens.get(i + 1).kind() == PromQLTokens.Kind.OP
                        && tokens.get(i + 1).text().contains("=")) {
                    assertEquals(-1, at, "a second ingress matcher in " + formatted);
                    at = i;
                }
            }
            assertTrue(at > 0, formatted);
            assertEquals(new PromQLTokens.Token(PromQLTokens.Kind.OP, "="), tokens.get(at + 1), formatted);
            assertEquals(new PromQLTokens.Token(PromQLTokens.Kind.STRING, name), tokens.get(at + 2), formatted);
            checked.add(name);
        }
        assertTrue(checked.size() >= HOSTILE_NAMES.size() - 2, checked.toString()); // only \u0000-like refused
    }
}
