package io.kapacitystack.kapacity.predictive;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServerOptions;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.metrics.prometheus.KubeLookup;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusMetricsProvider;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.RealPrometheus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code predict} end to end against a real Prometheus holding a week and an hour of 1-minute history (backfilled
 * with the real promtool): StatefulSet web with three ready pods, each using 0.05 cores plus 0.002 per request/s of a
 * third of the traffic, which follows a daily shape. The job reads the history through the real gRPC service (with
 * token authentication on, so the bearer token must be sent), in calls of at most 10,000 points, and writes the
 * result ConfigMap with the replicas a 250m target needs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictIT {

    static final String TOKEN = "it-service-account-token";
    static final int PODS = 3;

    private final Vertx vertx = Vertx.vertx();
    private final Traces trace = Traces.flat(200).daily(1500).noise(15);
    private final List<Duration> queried = new CopyOnWriteArrayList<>();
    private long end;
    private long start;
    private Path dir;
    private RealPrometheus prometheus;
    private PrometheusMetricsProvider provider;
    private GrpcMetricsServer server;
    private int port;
    private MockCluster cluster;

    @BeforeAll
    void start() throws Exception {
        end = Instant.now().getEpochSecond() / 60 * 60 - 120;
        start = end - 7 * 86_400L - 3600;
        dir = Files.createTempDirectory("predict-it");
        writeHistory(dir.resolve("history.om"));
        prometheus = RealPrometheus.backfilled(dir.resolve("history.om"));
        provider = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), config(), prometheus.url(), kube(),
                new PrometheusMetricsProvider.DiscoveryOptions(Duration.ofMinutes(10), Duration.ofMinutes(30)));
        Await.result(provider.start(), Duration.ofSeconds(60));
        MetricsProvider counting = new MetricsProvider() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery query) {
                return provider.queryLatest(query);
            }

            @Override
            public Future<List<Series>> query(MetricQuery query, Instant s, Instant e, Duration step) {
                queried.add(Duration.between(s, e));
                return provider.query(query, s, e, step);
            }
        };
        server = new GrpcMetricsServer(1);
        port = Await.result(server.start(vertx, counting, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags("", "", "",
                token -> Future.succeededFuture(TOKEN.equals(token)))), Duration.ofSeconds(30));
        cluster = new MockCluster(vertx);
        cluster.apply(String.join("\n",
                "apiVersion: autoscaling.kapacitystack.io/v1alpha1",
                "kind: HorizontalPortrait",
                "metadata:",
                "  name: web-predictive",
                "spec:",
                "  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}",
                "  portraitType: Predictive",
                "  metrics:",
                "  - type: Resource",
                "    resource: {name: cpu, target: {type: AverageValue, averageValue: 250m}}",
                "  - type: Pods",
                "    pods: {metric: {name: ready_pods_count}, target: {type: AverageValue, averageValue: '1'}}",
                "  - name: qps",
                "    type: External",
                "    external: {metric: {name: qps}, target: {type: AverageValue, averageValue: '1'}}",
                "  algorithm:",
                "    type: ExternalJob",
                "    externalJob:",
                "      job:",
                "        type: CronJob",
                "        cronJob:",
                "          template:",
                "            spec:",
                "              schedule: '0/30 * * * *'",
                "              jobTemplate: {spec: {template: {spec: {containers: [{name: algorithm}], restartPolicy: OnFailure}}}}",
                "      resultSource: {type: ConfigMap}",
                ""), "default");
    }

    /** OpenMetrics of the workload: per-pod CPU counters, readiness and the traffic rate, one sample a minute. */
    private void writeHistory(Path file) throws Exception {
        Predictor.History qps = trace.sample(start, end + 60, 60);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("# TYPE http_requests_rate gauge\n");
            for (int i = 0; i < qps.times().length; i++) {
                w.write("http_requests_rate{namespace=\"default\"} " + qps.values()[i] + " " + qps.times()[i] + "\n");
            }
            w.write("# TYPE container_cpu_usage_seconds_total gauge\n");
            for (int p = 0; p < PODS; p++) {
                double counter = 0;
                for (int i = 0; i < qps.times().length; i++) {
                    counter += 60 * (0.05 + 0.002 * qps.values()[i] / PODS);
                    w.write("container_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-" + p
                            + "\",container=\"app\"} " + counter + " " + qps.times()[i] + "\n");
                }
            }
            w.write("# TYPE kube_pod_status_ready gauge\n");
            for (int p = 0; p < PODS; p++) {
                for (int i = 0; i < qps.times().length; i++) {
                    w.write("kube_pod_status_ready{namespace=\"default\",pod=\"web-" + p + "\",condition=\"true\"} 1 "
                            + qps.times()[i] + "\n");
                }
            }
            w.write("# EOF\n");
        }
    }

    private static PrometheusConfig config() throws Exception {
        String shipped;
        try (InputStream in = PredictIT.class.getClassLoader().getResourceAsStream(PrometheusConfig.DEFAULT_RESOURCE)) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String qpsRule = String.join("\n",
                "externalRules:",
                "- seriesQuery: '{__name__=\"http_requests_rate\"}'",
                "  metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>})",
                "  name:",
                "    as: qps",
                "  resources:",
                "    overrides:",
                "      namespace:",
                "        resource: namespace",
                "");
        assertTrue(shipped.contains("externalRules:\n"));
        return PrometheusConfig.parse(shipped.replace("externalRules:\n", qpsRule));
    }

    private static KubeLookup kube() {
        return new KubeLookup() {
            @Override
            public Future<List<String>> podNames(String namespace, Selector selector) {
                return Future.succeededFuture(List.of("web-0", "web-1", "web-2"));
            }

            @Override
            public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind gk) {
                return Future.failedFuture("no resource for kind " + gk);
            }

            @Override
            public Future<List<String>> objectNames(GroupKind gk, String namespace, Selector selector) {
                return Future.succeededFuture(List.of());
            }
        };
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (server != null) {
            server.close();
        }
        if (provider != null) {
            provider.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private PredictOptions options(String tokenFile) {
        return PredictOptions.parse(new String[]{"--re-history-len=7D", "--scaling-freq=10min",
                "--tsf-model-path=/opt/kapacity/model", "--token-file=" + tokenFile}, Map.of(
                "METRICS_SERVER_ADDR", "127.0.0.1:" + port, "HP_NAMESPACE", "default", "HP_NAME", "web-predictive"));
    }

    @Test
    void readsAWeekThroughGrpcInSplitQueriesAndWritesTheResult() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, TOKEN + "\n");
        Instant now = Instant.ofEpochSecond(end);
        int code = new PredictJob(cluster.client, vertx, new ManualClock(vertx, now)).run(options(token.toString()));
        assertEquals(0, code);

        long week = Duration.ofDays(7).toMinutes() + 1;
        assertEquals(3 * 2, queried.size(), "three series, each a week of minutes (" + week + " points) in two calls");
        for (Duration d : queried) {
            assertTrue(d.toMinutes() + 1 <= HistoryReader.MAX_POINTS_PER_QUERY, "a call asked for " + d);
        }

        ConfigMap cm = cluster.client.configMaps().inNamespace("default").withName("web-predictive-result").get();
        assertEquals("HorizontalPortrait", cm.getMetadata().getOwnerReferences().get(0).getKind());
        assertEquals("web-predictive", cm.getMetadata().getOwnerReferences().get(0).getName());
        assertEquals(Boolean.TRUE, cm.getMetadata().getOwnerReferences().get(0).getController());
        Map<String, String> data = cm.getData();
        assertEquals("TimeSeries", data.get("type"), data.toString());
        assertEquals("qps=1d", data.get("periods"), data.toString());
        Map<String, Integer> series = new ObjectMapper().readValue(data.get("timeSeries"),
                new TypeReference<java.util.LinkedHashMap<String, Integer>>() { });
        long first = end / 600 * 600;
        assertEquals(first, Long.parseLong(series.keySet().iterator().next()));
        Predictor.History truth = trace.sample(start, end + 86_400L, 60);
        for (Map.Entry<String, Integer> e : series.entrySet()) {
            long k = Long.parseLong(e.getKey());
            double peak = 0;
            for (int j = 0; j < truth.times().length; j++) {
                if (truth.times()[j] >= k && truth.times()[j] < k + 600) {
                    peak = Math.max(peak, truth.values()[j]);
                }
            }
            int needed = (int) Math.ceil(0.002 * peak / (0.25 - 0.05));
            assertTrue(Math.abs(e.getValue() - needed) <= 1, "bucket " + k + ": " + e.getValue() + " replicas, "
                    + needed + " needed; " + data);
        }

        // The next run replaces the data of the same ConfigMap (a PUT: the chart grants the job get, create and
        // update on ConfigMaps, no patch) and keeps its metadata.
        int again = new PredictJob(cluster.client, vertx, new ManualClock(vertx, now.plusSeconds(600)))
                .run(options(token.toString()));
        assertEquals(0, again);
        ConfigMap replaced = cluster.client.configMaps().inNamespace("default").withName("web-predictive-result").get();
        assertEquals(cm.getMetadata().getUid(), replaced.getMetadata().getUid());
        assertEquals(cm.getMetadata().getOwnerReferences(), replaced.getMetadata().getOwnerReferences());
        Map<String, Integer> next = new ObjectMapper().readValue(replaced.getData().get("timeSeries"),
                new TypeReference<java.util.LinkedHashMap<String, Integer>>() { });
        assertEquals(first + 600, Long.parseLong(next.keySet().iterator().next()), replaced.getData().toString());
    }

    @Test
    void withoutTheTokenTheServiceRefusesAndTheJobFailsForARetry() throws Exception {
        Instant now = Instant.ofEpochSecond(end);
        int code = new PredictJob(cluster.client, vertx, new ManualClock(vertx, now))
                .run(options(dir.resolve("no-such-token").toString()));
        assertEquals(1, code);
    }
}
