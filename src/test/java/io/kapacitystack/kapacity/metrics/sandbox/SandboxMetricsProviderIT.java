package io.kapacitystack.kapacity.metrics.sandbox;

import com.google.protobuf.util.Timestamps;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.sandbox.traffic.PodUsage;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadRef;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real sandbox (seed nginx StatefulSet at a constant 300 requests/s, and its Ingress) behind the gRPC
 * ProviderService: the StatefulSet's CPU history and the Ingress request rate through the generated client, and
 * every other query type against the sandbox provider.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxMetricsProviderIT {

    private static final String NS = "metrics";
    private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");
    private static final GroupKind STS = new GroupKind("apps", "StatefulSet");
    /** Default sandbox cost: 1m base + 10m per request/s, one pod serving 300 requests/s. */
    private static final double CPU = 0.001 + 300 * 0.010;
    private static final double MEMORY = 20 * 1024 * 1024 + 300 * 100 * 1024;

    private final Vertx vertx = Vertx.vertx();
    private final ManualClock clock = new ManualClock(vertx, START);
    private SandboxCluster cluster;
    private SandboxMetricsProvider provider;
    private final GrpcMetricsServer server = new GrpcMetricsServer();
    private GrpcClient grpc;
    private ProviderServiceGrpcClient client;

    private static <T> T await(Future<T> f) {
        return Await.result(f, java.time.Duration.ofSeconds(30));
    }

    private static String example(String name) throws Exception {
        try (InputStream in = SandboxMetricsProviderIT.class.getClassLoader()
                .getResourceAsStream("k8s-examples/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @BeforeAll
    void start() throws Exception {
        cluster = await(SandboxCluster.start(vertx, clock, SandboxOptions.defaults()
                .withPodStartupDelay(Duration.ofSeconds(5))));
        String sts = example("nginx-statefulset.yaml");
        String head = "kind: StatefulSet\nmetadata:\n  name: nginx\n";
        assertTrue(sts.contains(head));
        sts = sts.replace(head, head + "  annotations:\n    sandbox.kapacitystack.io/traffic: \"constant 300\"\n");
        await(cluster.applyYaml(NS, sts));
        await(cluster.applyYaml(NS, example("nginx-ingress.yaml")));
        WorkloadRef nginx = new WorkloadRef("StatefulSet", NS, "nginx");
        Await.until("nginx-0 created", () -> cluster.client().pods().inNamespace(NS).withName("nginx-0").get() != null);
        clock.advance(Duration.ofSeconds(6));
        cluster.resync();
        Await.until("nginx-0 ready with 300 requests/s", () -> cluster.metrics().workloadUsages(nginx, clock.now())
                .stream().anyMatch(PodUsage::ready) && cluster.metrics().requestsPerSecond(nginx, clock.now()) == 300);

        provider = new SandboxMetricsProvider(vertx, cluster);
        int port = await(server.start(vertx, provider, "127.0.0.1:0"));
        grpc = GrpcClient.client(vertx);
        client = ProviderServiceGrpcClient.create(grpc, SocketAddress.inetSocketAddress(port, "127.0.0.1"));
    }

    @AfterAll
    void stop() {
        if (grpc != null) {
            await(grpc.close());
        }
        await(server.close());
        if (cluster != null) {
            await(cluster.close());
        }
        await(vertx.close());
    }

    private Provider.QueryResponse lastHour(Metric.Query query) {
        Instant now = clock.now();
        return await(client.query(Provider.QueryRequest.newBuilder().setQuery(query)
                .setStart(Timestamps.fromMillis(now.minus(Duration.ofHours(1)).toEpochMilli()))
                .setEnd(Timestamps.fromMillis(now.toEpochMilli()))
                .setStep(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build()));
    }

    private void assertHourOf(Metric.Series series, double value) {
        long end = clock.now().toEpochMilli();
        assertEquals(61, series.getPointsCount());
        for (int i = 0; i <= 60; i++) {
            Metric.Point p = series.getPoints(i);
            assertEquals(end - 3_600_000L + i * 60_000L, p.getTimestamp());
            assertEquals(value, p.getValue(), 1e-9, "point " + i);
        }
    }

    @Test
    void statefulSetCpuHistoryThroughGrpc() {
        Provider.QueryResponse r = lastHour(Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_RESOURCE)
                .setWorkloadResource(Metric.WorkloadResourceQuery.newBuilder()
                        .setGroupKind(Metric.GroupKind.newBuilder().setGroup("apps").setKind("StatefulSet"))
                        .setNamespace(NS).setName("nginx").setResourceName("cpu").setReadyPodsOnly(true)).build());
        assertEquals(1, r.getSeriesCount());
        Metric.Series s = r.getSeries(0);
        assertEquals(Map.of("namespace", NS), s.getLabelsMap());
        assertEquals(30, s.getWindow().getSeconds());
        assertHourOf(s, CPU);
    }

    @Test
    void ingressRequestRateThroughGrpc() {
        Provider.QueryResponse r = lastHour(Metric.Query.newBuilder().setType(Metric.QueryType.OBJECT)
                .setObject(Metric.ObjectQuery.newBuilder()
                        .setGroupKind(Metric.GroupKind.newBuilder().setGroup("networking.k8s.io").setKind("Ingress"))
                        .setNamespace(NS).setName("nginx-server")
                        .setMetric(Metric.MetricIdentifier.newBuilder()
                                .setName("nginx_ingress_controller_requests_rate"))).build());
        assertEquals(1, r.getSeriesCount());
        assertEquals(Map.of("namespace", NS, "ingress", "nginx-server"), r.getSeries(0).getLabelsMap());
        assertFalse(r.getSeries(0).hasWindow());
        assertHourOf(r.getSeries(0), 300);
    }

    /** What a predictive job reads: each series the predictive sample names, 13 days back, on start + k * step. */
    @Test
    void historyForThePastIsAlignedOnStepsForEverySeriesThePredictiveSampleQueries() {
        Instant start = clock.now().minus(Duration.ofDays(13)).plusSeconds(17);
        Instant end = start.plus(Duration.ofDays(1));
        Metric.GroupKind sts = Metric.GroupKind.newBuilder().setGroup("apps").setKind("StatefulSet").build();
        Map<Metric.Query, Double> expected = Map.of(
                Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_RESOURCE)
                        .setWorkloadResource(Metric.WorkloadResourceQuery.newBuilder().setGroupKind(sts)
                                .setNamespace(NS).setName("nginx").setResourceName("cpu").setReadyPodsOnly(true)).build(), CPU,
                Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_EXTERNAL)
                        .setWorkloadExternal(Metric.WorkloadExternalQuery.newBuilder().setGroupKind(sts)
                                .setNamespace(NS).setName("nginx").setMetric(Metric.MetricIdentifier.newBuilder()
                                        .setName("kube_pod_status_ready"))).build(), 1.0,
                Metric.Query.newBuilder().setType(Metric.QueryType.OBJECT)
                        .setObject(Metric.ObjectQuery.newBuilder()
                                .setGroupKind(Metric.GroupKind.newBuilder().setGroup("networking.k8s.io").setKind("Ingress"))
                                .setNamespace(NS).setName("nginx-server").setMetric(Metric.MetricIdentifier.newBuilder()
                                        .setName("nginx_ingress_controller_requests_rate"))).build(), 300.0);
        expected.forEach((query, value) -> {
            Provider.QueryResponse r = await(client.query(Provider.QueryRequest.newBuilder().setQuery(query)
                    .setStart(Timestamps.fromMillis(start.toEpochMilli())).setEnd(Timestamps.fromMillis(end.toEpochMilli()))
                    .setStep(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build()));
            assertEquals(1, r.getSeriesCount(), query::toString);
            Metric.Series s = r.getSeries(0);
            assertEquals(24 * 6 + 1, s.getPointsCount(), query::toString);
            for (int k = 0; k < s.getPointsCount(); k++) {
                assertEquals(start.toEpochMilli() + k * 600_000L, s.getPoints(k).getTimestamp());
                assertEquals(value, s.getPoints(k).getValue(), 1e-9, query + " point " + k);
            }
        });
    }

    @Test
    void aRangeQueryIsBoundedInPoints() {
        Instant now = clock.now();
        MetricsException e = assertThrows(MetricsException.class, () -> await(provider.query(
                new MetricQuery.WorkloadResource(STS, NS, "nginx", "cpu", true), now.minus(Duration.ofDays(14)), now,
                Duration.ofSeconds(1))));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals(SandboxMetricsProvider.MAX_POINTS, await(provider.query(
                new MetricQuery.WorkloadResource(STS, NS, "nginx", "cpu", true),
                now.minus(Duration.ofSeconds(SandboxMetricsProvider.MAX_POINTS - 1)), now, Duration.ofSeconds(1)))
                .get(0).points().size());
    }

    @Test
    void unknownMetricIsNotFoundThroughGrpc() {
        Exception e = assertThrows(Exception.class, () -> await(client.queryLatest(Provider.QueryLatestRequest
                .newBuilder().setQuery(Metric.Query.newBuilder().setType(Metric.QueryType.EXTERNAL)
                        .setExternal(Metric.ExternalQuery.newBuilder().setMetric(Metric.MetricIdentifier.newBuilder()
                                .setName("no_such_metric")))).build())));
        assertInstanceOf(InvalidStatusException.class, e);
        assertEquals(GrpcStatus.NOT_FOUND, ((InvalidStatusException) e).actualStatus());
    }

    private List<Sample> latest(MetricQuery q) {
        return await(provider.queryLatest(q));
    }

    private static Sample only(List<Sample> samples) {
        assertEquals(1, samples.size(), samples.toString());
        return samples.get(0);
    }

    @Test
    void podAndContainerResources() {
        Sample byName = only(latest(new MetricQuery.PodResource(NS, "nginx-0", null, "cpu")));
        assertEquals(CPU, byName.value(), 1e-9);
        assertEquals(Map.of("namespace", NS, "pod", "nginx-0"), byName.labels());
        assertEquals(SandboxMetricsProvider.WINDOW, byName.window());
        assertEquals(clock.now().toEpochMilli(), byName.timestamp());
        Sample bySelector = only(latest(new MetricQuery.PodResource(NS, "", Selector.parse("app=nginx"), "memory")));
        assertEquals(MEMORY, bySelector.value(), 1e-6);
        assertTrue(latest(new MetricQuery.PodResource(NS, "", Selector.parse("app=other"), "cpu")).isEmpty());
        assertTrue(latest(new MetricQuery.PodResource("elsewhere", "nginx-0", null, "cpu")).isEmpty());
        Sample container = only(latest(new MetricQuery.ContainerResource(NS, "", Selector.everything(), "cpu",
                "nginx")));
        assertEquals(Map.of("namespace", NS, "pod", "nginx-0", "container", "nginx"), container.labels());
        assertEquals(CPU, container.value(), 1e-9);
        assertTrue(latest(new MetricQuery.ContainerResource(NS, "nginx-0", null, "cpu", "sidecar")).isEmpty());
    }

    @Test
    void workloadResources() {
        Sample all = only(latest(new MetricQuery.WorkloadResource(STS, NS, "nginx", "memory", false)));
        assertEquals(MEMORY, all.value(), 1e-6);
        Sample container = only(latest(new MetricQuery.WorkloadContainerResource(STS, NS, "nginx", "cpu", "nginx",
                true)));
        assertEquals(CPU, container.value(), 1e-9);
        assertTrue(latest(new MetricQuery.WorkloadResource(STS, NS, "absent", "cpu", false)).isEmpty());
        MetricsException e = assertThrows(MetricsException.class,
                () -> latest(new MetricQuery.WorkloadResource(new GroupKind("batch", "Job"), NS, "x", "cpu", false)));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        e = assertThrows(MetricsException.class,
                () -> latest(new MetricQuery.WorkloadResource(STS, NS, "nginx", "gpu", false)));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("unsupported resource \"gpu\"", e.getMessage());
    }

    @Test
    void workloadExternalReadyPodsAndTraffic() {
        for (String name : List.of("ready_pods_count", "kube_pod_status_ready")) {
            Sample ready = only(latest(new MetricQuery.WorkloadExternal(STS, NS, "nginx",
                    new MetricIdentifier(name, null))));
            assertEquals(1, ready.value());
            assertEquals(Map.of(), ready.labels());
            assertNull(ready.window());
        }
        Sample traffic = only(latest(new MetricQuery.WorkloadExternal(STS, NS, "nginx",
                new MetricIdentifier("sandbox_workload_requests_per_second", null))));
        assertEquals(300, traffic.value());
        List<Series> history = await(provider.query(new MetricQuery.WorkloadExternal(STS, NS, "nginx",
                new MetricIdentifier("ready_pods_count", null)), clock.now().minus(Duration.ofMinutes(10)),
                clock.now(), Duration.ofMinutes(5)));
        assertEquals(1, history.size());
        assertEquals(3, history.get(0).points().size());
        MetricsException e = assertThrows(MetricsException.class, () -> latest(new MetricQuery.WorkloadExternal(STS,
                NS, "nginx", new MetricIdentifier("nope", null))));
        assertEquals(MetricsException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void objectAndExternalMetrics() {
        GroupKind ingress = new GroupKind("networking.k8s.io", "Ingress");
        Sample bySelector = only(latest(new MetricQuery.ObjectQuery(ingress, NS, "", Selector.everything(),
                new MetricIdentifier("nginx_ingress_controller_requests_rate", null))));
        assertEquals(300, bySelector.value(), 1e-9);
        Sample workload = only(latest(new MetricQuery.ObjectQuery(STS, NS, "nginx", null,
                new MetricIdentifier("sandbox_workload_requests_per_second", null))));
        assertEquals(300, workload.value(), 1e-9);
        MetricsException e = assertThrows(MetricsException.class, () -> latest(new MetricQuery.ObjectQuery(ingress,
                NS, "nginx-server", null, new MetricIdentifier("other", null))));
        assertEquals(MetricsException.Kind.NOT_FOUND, e.kind());

        Sample external = only(latest(new MetricQuery.External(NS, new MetricIdentifier(
                "nginx_ingress_controller_requests_rate", Selector.parse("ingress=nginx-server")))));
        assertEquals(300, external.value(), 1e-9);
        Sample traffic = only(latest(new MetricQuery.External("", new MetricIdentifier(
                "sandbox_workload_requests_per_second", Selector.parse("workload=nginx")))));
        assertEquals(Map.of("namespace", NS, "workload_kind", "StatefulSet", "workload", "nginx"), traffic.labels());
        assertEquals(1, only(latest(new MetricQuery.External(NS, new MetricIdentifier("ready_pods_count", null))))
                .value());
    }

    @Test
    void historyStopsAtTheHorizonAndRangesAreChecked() {
        Instant now = clock.now();
        List<Series> s = await(provider.query(new MetricQuery.PodResource(NS, "nginx-0", null, "cpu"),
                now.minus(Duration.ofDays(15)), now.minus(Duration.ofDays(15)).plusSeconds(60), Duration.ofSeconds(30)));
        assertTrue(s.isEmpty());
        MetricsException e = assertThrows(MetricsException.class, () -> await(provider.query(
                new MetricQuery.PodResource(NS, "nginx-0", null, "cpu"), now, now.minusSeconds(1),
                Duration.ofSeconds(1))));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
    }
}
