package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.util.Timestamps;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ProviderService over the wire: every query type, the response mapping, and every rejected request. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderServiceGrpcIT {

    private static final long T0 = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();
    private static final Duration WINDOW = Duration.ofMinutes(3);

    private final Vertx vertx = Vertx.vertx();
    private final FakeProvider provider = new FakeProvider();
    private final GrpcMetricsServer server = new GrpcMetricsServer();
    private GrpcTestClient raw;
    private ProviderServiceGrpcClient client;

    @BeforeAll
    void start() {
        int port = await(server.start(vertx, provider, "127.0.0.1:0"));
        assertTrue(port > 0);
        raw = new GrpcTestClient(vertx, port);
        client = ProviderServiceGrpcClient.create(raw.client(), raw.address());
    }

    @AfterAll
    void stop() {
        raw.close();
        await(server.close());
        await(vertx.close());
    }

    @BeforeEach
    void reset() {
        provider.lastQuery = null;
        provider.latest = q -> Future.succeededFuture(List.of(
                new Sample(T0, 0.25, Map.of("namespace", "default", "pod", "a"), WINDOW),
                new Sample(T0 + 1, 7, Map.of(), null)));
        provider.range = q -> Future.succeededFuture(List.of(
                new Series(List.of(new Point(T0, 1), new Point(T0 + 60_000, 2.5)), Map.of("namespace", "default"),
                        WINDOW),
                new Series(List.of(), Map.of("x", "y"), null)));
    }

    private static Metric.Query.Builder type(Metric.QueryType t) {
        return Metric.Query.newBuilder().setType(t);
    }

    private Provider.QueryLatestResponse latest(Metric.Query.Builder q) {
        return await(client.queryLatest(Provider.QueryLatestRequest.newBuilder().setQuery(q).build()));
    }

    private static Provider.QueryRequest range(Metric.Query.Builder q, long startMs, long endMs, Duration step) {
        return Provider.QueryRequest.newBuilder().setQuery(q).setStart(Timestamps.fromMillis(startMs))
                .setEnd(Timestamps.fromMillis(endMs)).setStep(ProtoMapping.toProto(step)).build();
    }

    private static final Metric.GroupKind STS = Metric.GroupKind.newBuilder().setGroup("apps").setKind("StatefulSet")
            .build();

    @Test
    void podResourceByNameMapsSamples() {
        Provider.QueryLatestResponse r = latest(type(Metric.QueryType.POD_RESOURCE).setPodResource(
                Metric.PodResourceQuery.newBuilder().setNamespace("default").setName("a").setSelector("ignored=1")
                        .setResourceName("cpu")));
        // a name wins over a selector (oneof: the last one set is kept, so set the name last)
        assertEquals(new MetricQuery.PodResource("default", "", Selector.parse("ignored=1"), "cpu"),
                provider.lastQuery);
        r = latest(type(Metric.QueryType.POD_RESOURCE).setPodResource(
                Metric.PodResourceQuery.newBuilder().setNamespace("default").setName("a").setResourceName("cpu")));
        assertEquals(new MetricQuery.PodResource("default", "a", null, "cpu"), provider.lastQuery);
        assertEquals(2, r.getSamplesCount());
        Metric.Sample s = r.getSamples(0);
        assertEquals(T0, s.getPoint().getTimestamp());
        assertEquals(0.25, s.getPoint().getValue());
        assertEquals(Map.of("namespace", "default", "pod", "a"), s.getLabelsMap());
        assertTrue(s.hasWindow());
        assertEquals(180, s.getWindow().getSeconds());
        assertFalse(r.getSamples(1).hasWindow());
        assertEquals(T0 + 1, r.getSamples(1).getPoint().getTimestamp());
    }

    @Test
    void podResourceBySelectorAndEmptySelector() {
        latest(type(Metric.QueryType.POD_RESOURCE).setPodResource(Metric.PodResourceQuery.newBuilder()
                .setNamespace("ns").setSelector("app=nginx,tier in (web,api)").setResourceName("memory")));
        MetricQuery.PodResource q = (MetricQuery.PodResource) provider.lastQuery;
        assertEquals("", q.name());
        assertTrue(q.selector().matches(Map.of("app", "nginx", "tier", "api")));
        assertFalse(q.selector().matches(Map.of("app", "nginx", "tier", "db")));
        latest(type(Metric.QueryType.POD_RESOURCE).setPodResource(Metric.PodResourceQuery.newBuilder()
                .setNamespace("ns").setResourceName("memory")));
        q = (MetricQuery.PodResource) provider.lastQuery;
        assertTrue(q.selector().isEmpty());
    }

    @Test
    void containerResource() {
        latest(type(Metric.QueryType.CONTAINER_RESOURCE).setContainerResource(Metric.ContainerResourceQuery
                .newBuilder().setNamespace("ns").setSelector("app=x").setResourceName("cpu").setContainerName("app")));
        assertEquals(new MetricQuery.ContainerResource("ns", "", Selector.parse("app=x"), "cpu", "app"),
                provider.lastQuery);
    }

    @Test
    void workloadResourceRangeQueryMapsSeries() {
        Provider.QueryResponse r = await(client.query(range(type(Metric.QueryType.WORKLOAD_RESOURCE)
                .setWorkloadResource(Metric.WorkloadResourceQuery.newBuilder().setGroupKind(STS).setNamespace("ns")
                        .setName("nginx").setResourceName("cpu").setReadyPodsOnly(true)),
                T0 - 3_600_000, T0, Duration.ofSeconds(60))));
        assertEquals(new MetricQuery.WorkloadResource(new GroupKind("apps", "StatefulSet"), "ns", "nginx", "cpu",
                true), provider.lastQuery);
        assertEquals(Instant.ofEpochMilli(T0 - 3_600_000), provider.lastStart);
        assertEquals(Instant.ofEpochMilli(T0), provider.lastEnd);
        assertEquals(Duration.ofSeconds(60), provider.lastStep);
        assertEquals(2, r.getSeriesCount());
        Metric.Series s = r.getSeries(0);
        assertEquals(List.of(T0, T0 + 60_000), s.getPointsList().stream().map(Metric.Point::getTimestamp).toList());
        assertEquals(2.5, s.getPoints(1).getValue());
        assertEquals(Map.of("namespace", "default"), s.getLabelsMap());
        assertEquals(180, s.getWindow().getSeconds());
        assertFalse(r.getSeries(1).hasWindow());
        assertEquals(0, r.getSeries(1).getPointsCount());
    }

    @Test
    void workloadContainerResource() {
        latest(type(Metric.QueryType.WORKLOAD_CONTAINER_RESOURCE).setWorkloadContainerResource(
                Metric.WorkloadContainerResourceQuery.newBuilder().setGroupKind(STS).setNamespace("ns").setName("db")
                        .setResourceName("memory").setContainerName("main")));
        assertEquals(new MetricQuery.WorkloadContainerResource(new GroupKind("apps", "StatefulSet"), "ns", "db",
                "memory", "main", false), provider.lastQuery);
    }

    @Test
    void objectQueryByNameAndBySelector() {
        Metric.GroupKind ingress = Metric.GroupKind.newBuilder().setGroup("networking.k8s.io").setKind("Ingress")
                .build();
        latest(type(Metric.QueryType.OBJECT).setObject(Metric.ObjectQuery.newBuilder().setGroupKind(ingress)
                .setNamespace("ns").setName("web").setMetric(Metric.MetricIdentifier.newBuilder()
                        .setName("nginx_ingress_controller_requests_rate").setSelector("status=200"))));
        MetricQuery.ObjectQuery q = (MetricQuery.ObjectQuery) provider.lastQuery;
        assertEquals(new GroupKind("networking.k8s.io", "Ingress"), q.groupKind());
        assertEquals("ns", q.namespace());
        assertEquals("web", q.name());
        assertNull(q.selector());
        assertEquals("nginx_ingress_controller_requests_rate", q.metric().name());
        assertTrue(q.metric().selector().matches(Map.of("status", "200")));
        // cluster-scoped (namespace unset), by selector, no metric selector
        latest(type(Metric.QueryType.OBJECT).setObject(Metric.ObjectQuery.newBuilder().setGroupKind(ingress)
                .setSelector("tier=edge").setMetric(Metric.MetricIdentifier.newBuilder().setName("m"))));
        q = (MetricQuery.ObjectQuery) provider.lastQuery;
        assertEquals("", q.namespace());
        assertEquals(Selector.parse("tier=edge"), q.selector());
        assertEquals(new MetricIdentifier("m", null), q.metric());
    }

    @Test
    void externalQuery() {
        await(client.query(range(type(Metric.QueryType.EXTERNAL).setExternal(Metric.ExternalQuery.newBuilder()
                .setMetric(Metric.MetricIdentifier.newBuilder().setName("queue_length").setSelector("queue=a"))),
                T0, T0, Duration.ofSeconds(1))));
        assertEquals(new MetricQuery.External("", new MetricIdentifier("queue_length", Selector.parse("queue=a"))),
                provider.lastQuery);
    }

    @Test
    void workloadExternalQuery() {
        latest(type(Metric.QueryType.WORKLOAD_EXTERNAL).setWorkloadExternal(Metric.WorkloadExternalQuery.newBuilder()
                .setGroupKind(STS).setNamespace("ns").setName("db")
                .setMetric(Metric.MetricIdentifier.newBuilder().setName("ready_pods_count"))));
        assertEquals(new MetricQuery.WorkloadExternal(new GroupKind("apps", "StatefulSet"), "ns", "db",
                new MetricIdentifier("ready_pods_count", null)), provider.lastQuery);
    }

    @Test
    void mismatchedOneofYieldsAnEmptyQueryAsKapacity() {
        latest(type(Metric.QueryType.WORKLOAD_RESOURCE).setPodResource(Metric.PodResourceQuery.newBuilder()
                .setName("a")));
        assertEquals(new MetricQuery.WorkloadResource(new GroupKind("", ""), "", "", "", false), provider.lastQuery);
    }

    // ---- rejected requests

    private GrpcTestClient.Outcome<Provider.QueryLatestResponse> latestOutcome(Provider.QueryLatestRequest r,
                                                                               long timeoutMs) {
        return raw.call(ProviderServiceGrpcClient.QueryLatest, r, timeoutMs);
    }

    private GrpcTestClient.Outcome<Provider.QueryResponse> rangeOutcome(Provider.QueryRequest r) {
        return raw.call(ProviderServiceGrpcClient.Query, r, 0);
    }

    private static final Metric.Query.Builder POD = type(Metric.QueryType.POD_RESOURCE).setPodResource(
            Metric.PodResourceQuery.newBuilder().setNamespace("ns").setName("a").setResourceName("cpu"));

    private static void assertStatus(GrpcStatus status, String messagePart, GrpcTestClient.Outcome<?> o) {
        assertEquals(status, o.status(), o.message());
        assertTrue(o.message() != null && o.message().contains(messagePart), o.message());
        assertNull(o.body());
    }

    @Test
    void requestWithoutQueryIsInvalid() {
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "no query",
                latestOutcome(Provider.QueryLatestRequest.getDefaultInstance(), 0));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "no query", rangeOutcome(Provider.QueryRequest.newBuilder()
                .setStep(ProtoMapping.toProto(Duration.ofSeconds(1))).build()));
        assertNull(provider.lastQuery);
    }

    @Test
    void unknownQueryTypeIsInvalid() {
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "unknown query type \"42\"", latestOutcome(
                Provider.QueryLatestRequest.newBuilder().setQuery(Metric.Query.newBuilder().setTypeValue(42)).build(),
                0));
    }

    @Test
    void badSelectorsAreInvalid() {
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "failed to parse selector \"app in nginx\" of pod resource query",
                latestOutcome(Provider.QueryLatestRequest.newBuilder().setQuery(type(Metric.QueryType.POD_RESOURCE)
                        .setPodResource(Metric.PodResourceQuery.newBuilder().setSelector("app in nginx"))).build(), 0));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "of container resource query", latestOutcome(
                Provider.QueryLatestRequest.newBuilder().setQuery(type(Metric.QueryType.CONTAINER_RESOURCE)
                        .setContainerResource(Metric.ContainerResourceQuery.newBuilder().setSelector("a b"))).build(),
                0));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "failed to parse metric selector \"x in y\" of object query",
                latestOutcome(Provider.QueryLatestRequest.newBuilder().setQuery(type(Metric.QueryType.OBJECT)
                        .setObject(Metric.ObjectQuery.newBuilder().setName("o").setMetric(Metric.MetricIdentifier
                                .newBuilder().setName("m").setSelector("x in y")))).build(), 0));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "of workload external query", latestOutcome(
                Provider.QueryLatestRequest.newBuilder().setQuery(type(Metric.QueryType.WORKLOAD_EXTERNAL)
                        .setWorkloadExternal(Metric.WorkloadExternalQuery.newBuilder().setMetric(
                                Metric.MetricIdentifier.newBuilder().setName("m").setSelector("(")))).build(), 0));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "of external query", rangeOutcome(range(
                type(Metric.QueryType.EXTERNAL).setExternal(Metric.ExternalQuery.newBuilder().setMetric(
                        Metric.MetricIdentifier.newBuilder().setName("m").setSelector("a in b"))),
                T0, T0, Duration.ofSeconds(1))));
        assertNull(provider.lastQuery);
    }

    @Test
    void badRangesAreInvalid() {
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "is after end",
                rangeOutcome(range(POD, T0 + 1000, T0, Duration.ofSeconds(1))));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "must be at least PT0.001S",
                rangeOutcome(range(POD, T0, T0 + 1000, Duration.ZERO)));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "must be at least PT0.001S",
                rangeOutcome(range(POD, T0, T0 + 1000, Duration.ofSeconds(-5))));
        // 100,001 points at 1 s
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "more than the maximum 100000",
                rangeOutcome(range(POD, T0, T0 + 100_000_000L, Duration.ofSeconds(1))));
        assertNull(provider.lastQuery);
        // exactly the maximum is fine
        assertEquals(GrpcStatus.OK, rangeOutcome(range(POD, T0, T0 + 99_999_000L, Duration.ofSeconds(1))).status());
    }

    @Test
    void providerErrorsMapToStatusCodes() {
        Provider.QueryLatestRequest req = Provider.QueryLatestRequest.newBuilder().setQuery(POD).build();
        provider.latest = q -> Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                "prometheus is down"));
        assertStatus(GrpcStatus.UNAVAILABLE, "failed to query latest metrics: prometheus is down",
                latestOutcome(req, 0));
        provider.latest = q -> Future.failedFuture(MetricsException.notFound("metric %s not registered", "m"));
        assertStatus(GrpcStatus.NOT_FOUND, "metric m not registered", latestOutcome(req, 0));
        provider.latest = q -> Future.failedFuture(new IllegalStateException("boom"));
        assertStatus(GrpcStatus.UNKNOWN, "failed to query latest metrics: boom", latestOutcome(req, 0));
        provider.latest = q -> {
            throw new IllegalStateException("thrown");
        };
        assertStatus(GrpcStatus.UNKNOWN, "thrown", latestOutcome(req, 0));
        provider.range = q -> Future.failedFuture(MetricsException.invalid("unsupported resource \"gpu\""));
        assertStatus(GrpcStatus.INVALID_ARGUMENT, "failed to query metrics: unsupported resource \"gpu\"",
                rangeOutcome(range(POD, T0, T0, Duration.ofSeconds(1))));
    }

    @Test
    void clientDeadlineIsHonoured() {
        Promise<List<Sample>> never = Promise.promise();
        provider.latest = q -> never.future();
        long before = System.nanoTime();
        GrpcTestClient.Outcome<Provider.QueryLatestResponse> o = latestOutcome(
                Provider.QueryLatestRequest.newBuilder().setQuery(POD).build(), 300);
        assertEquals(GrpcStatus.DEADLINE_EXCEEDED, o.status(), o.message());
        assertTrue(System.nanoTime() - before < 10_000_000_000L);
        // a late answer after the deadline is dropped without harm, and the server keeps serving
        never.complete(List.of());
        reset();
        assertEquals(2, latest(POD).getSamplesCount());
    }

    @Test
    void healthServiceReportsServing() {
        ServiceName health = ServiceName.create("grpc.health.v1", "Health");
        ServiceMethod<HealthCheckResponse, HealthCheckRequest> check = ServiceMethod.client(health, "Check",
                GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
        GrpcTestClient.Outcome<HealthCheckResponse> overall = raw.call(check,
                HealthCheckRequest.newBuilder().build(), 0);
        assertEquals(GrpcStatus.OK, overall.status(), overall.message());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, overall.body().getStatus());
        GrpcTestClient.Outcome<HealthCheckResponse> service = raw.call(check,
                HealthCheckRequest.newBuilder().setService("io.kapacitystack.metric.ProviderService").build(), 0);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, service.body().getStatus());
    }

    @Test
    void bindAddresses() {
        assertTrue(GrpcMetricsServer.isDisabled(""));
        assertTrue(GrpcMetricsServer.isDisabled("0"));
        assertFalse(GrpcMetricsServer.isDisabled(":9090"));
        GrpcMetricsServer other = new GrpcMetricsServer();
        assertTrue(other.start(vertx, provider, "nonsense").failed());
        int port = await(other.start(vertx, provider, ":0"));
        assertTrue(port > 0);
        await(other.close());
    }
}
