package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.Timestamp;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ProviderService's bounds (docs/security.md, sections 2 and 6): answers over their series, points or bytes
 * budget and calls beyond the gates are RESOURCE_EXHAUSTED; overflowing ranges, out-of-range timestamps, garbage
 * protobuf and huge fields are INVALID_ARGUMENT with a short plain message; a client that goes away leaves no
 * unhandled exception.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcBoundsIT {

    private static final long T0 = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();

    private final Vertx vertx = Vertx.vertx();
    private final FakeProvider provider = new FakeProvider();
    private final GrpcMetricsServer server = new GrpcMetricsServer(1);
    private final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    private GrpcTestClient raw;

    @BeforeAll
    void start() {
        vertx.exceptionHandler(unhandled::add);
        // a client that accepts answers up to the service's own bound
        raw = new GrpcTestClient(vertx, await(server.start(vertx, provider, "127.0.0.1:0")),
                new io.vertx.grpc.client.GrpcClientOptions().setMaxMessageSize(ProviderGrpcService.MAX_ANSWER_BYTES));
    }

    @AfterAll
    void stop() {
        raw.close();
        await(server.close());
        await(vertx.close());
    }

    @BeforeEach
    void reset() {
        unhandled.clear();
        provider.lastStart = null;
        provider.range = q -> Future.succeededFuture(List.of());
        provider.latest = q -> Future.succeededFuture(List.of());
    }

    private static final Metric.Query POD = Metric.Query.newBuilder().setType(Metric.QueryType.POD_RESOURCE)
            .setPodResource(Metric.PodResourceQuery.newBuilder().setNamespace("ns").setName("a")
                    .setResourceName("cpu")).build();

    private static Provider.QueryRequest range(Timestamp start, Timestamp end, com.google.protobuf.Duration step) {
        return Provider.QueryRequest.newBuilder().setQuery(POD).setStart(start).setEnd(end).setStep(step).build();
    }

    private static Timestamp ts(long seconds, int nanos) {
        return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }

    private static com.google.protobuf.Duration dur(long seconds, int nanos) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }

    private GrpcTestClient.Outcome<Provider.QueryResponse> query(Provider.QueryRequest r) {
        return raw.call(ProviderServiceGrpcClient.Query, r, 0);
    }

    /** The status, and a message that is short, plain and names no Java class. */
    private static void assertPlain(GrpcStatus status, String part, GrpcTestClient.Outcome<?> o) {
        assertEquals(status, o.status(), o.message());
        assertTrue(o.message().contains(part), o.message());
        assertTrue(o.message().length() < 400, o.message().length() + " characters");
        assertFalse(o.message().matches("(?s).*(Exception|java\\.|io\\.vertx|com\\.google).*"), o.message());
        assertNull(o.body());
    }

    @Test
    void overflowingRangesStepsAndTimestampsAreInvalidArgument() {
        long sec = T0 / 1000;
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "invalid start",
                query(range(ts(Long.MAX_VALUE, 0), ts(sec, 0), dur(1, 0))));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "invalid end",
                query(range(ts(sec, 0), ts(Long.MIN_VALUE, 0), dur(1, 0))));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "invalid start", query(range(ts(sec, -1), ts(sec, 0), dur(1, 0))));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "invalid step",
                query(range(ts(sec, 0), ts(sec + 60, 0), dur(Long.MAX_VALUE, 0))));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "invalid step",
                query(range(ts(sec, 0), ts(sec + 60, 0), dur(1, -5))));
        // the widest range at the finest step: (end - start) / step overflowed a long in nanoseconds
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "more than the maximum 100000", query(range(
                ts(ProtoMapping.MIN_TIMESTAMP_SECONDS, 0), ts(ProtoMapping.MAX_TIMESTAMP_SECONDS, 999_999_999),
                dur(0, 1_000_000))));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "must be at least", query(range(ts(sec, 0), ts(sec, 5), dur(0, 1))));
        assertNull(provider.lastStart);
    }

    /** Bytes that are no QueryRequest, through a method that sends them as they are. */
    @Test
    void garbageProtobufIsInvalidArgument() {
        ServiceMethod<Provider.QueryResponse, Buffer> rawQuery = ServiceMethod.client(
                ServiceName.create("io.kapacitystack.metric", "ProviderService"), "Query",
                new GrpcMessageEncoder<Buffer>() {
                    @Override
                    public GrpcMessage encode(Buffer b, WireFormat f) {
                        return GrpcMessage.message("identity", b);
                    }

                    @Override
                    public boolean accepts(WireFormat f) {
                        return f == WireFormat.PROTOBUF;
                    }
                },
                GrpcMessageDecoder.decoder(Provider.QueryResponse.newBuilder()));
        byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f, 1, 2, 3};
        GrpcTestClient.Outcome<Provider.QueryResponse> o = await(raw.client().request(raw.address(), rawQuery)
                .compose(req -> {
                    req.end(Buffer.buffer(garbage));
                    return req.response().compose(resp -> resp.last().transform(ar -> Future.succeededFuture(
                            new GrpcTestClient.Outcome<>(resp.status(), resp.statusMessage(),
                                    ar.succeeded() ? ar.result() : null))));
                }));
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "malformed request: not a QueryRequest message", o);
    }

    @Test
    void hugeFieldsAreRefusedWithoutBeingRepeated() {
        String big = "x".repeat(100_000);
        Provider.QueryRequest selector = Provider.QueryRequest.newBuilder().setQuery(Metric.Query.newBuilder()
                .setType(Metric.QueryType.POD_RESOURCE).setPodResource(Metric.PodResourceQuery.newBuilder()
                        .setNamespace("ns").setSelector(big).setResourceName("cpu"))).setStart(ts(T0 / 1000, 0))
                .setEnd(ts(T0 / 1000, 0)).setStep(dur(1, 0)).build();
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "field selector too long: 100000 characters", query(selector));
        Provider.QueryRequest name = selector.toBuilder().setQuery(POD.toBuilder().setPodResource(
                POD.getPodResource().toBuilder().setNamespace(big))).build();
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "field namespace too long", query(name));
        // a bad selector within the bound is echoed cut to 64 characters
        Provider.QueryRequest badSelector = selector.toBuilder().setQuery(selector.getQuery().toBuilder()
                .setPodResource(selector.getQuery().getPodResource().toBuilder()
                        .setSelector("a in " + "y".repeat(4000)))).build();
        assertPlain(GrpcStatus.INVALID_ARGUMENT, "failed to parse selector", query(badSelector));
        assertNull(provider.lastStart);
    }

    private static List<Series> series(int count, int points, Map<String, String> labels) {
        List<Point> p = new ArrayList<>(points);
        for (int i = 0; i < points; i++) {
            p.add(new Point(T0 + i * 60_000L, i));
        }
        List<Series> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new Series(p, labels.isEmpty() ? Map.of("pod", "p" + i) : labels, null));
        }
        return out;
    }

    private Provider.QueryRequest twoWeeks() {
        long s = T0 / 1000;
        return range(ts(s, 0), ts(s + 14 * 86_400, 0), dur(60, 0));
    }

    @Test
    void answersOverTheirBudgetAreResourceExhausted() {
        // 49 two-week histories at 1 minute (20,161 points each) fit; 50 do not
        provider.range = q -> Future.succeededFuture(series(49, 20_161, Map.of()));
        GrpcTestClient.Outcome<Provider.QueryResponse> fits = query(twoWeeks());
        assertEquals(GrpcStatus.OK, fits.status(), fits.message());
        assertEquals(49, fits.body().getSeriesCount());
        provider.range = q -> Future.succeededFuture(series(50, 20_161, Map.of()));
        assertPlain(GrpcStatus.RESOURCE_EXHAUSTED, "more than 1000000 points", query(twoWeeks()));
        provider.range = q -> Future.succeededFuture(series(10_001, 1, Map.of()));
        assertPlain(GrpcStatus.RESOURCE_EXHAUSTED, "more than 10000 series", query(twoWeeks()));
        // three series of 12 MB labels: within the counts, over the 32 MiB answer
        provider.range = q -> Future.succeededFuture(List.of(
                new Series(List.of(), Map.of("a", "v".repeat(12 << 20)), null),
                new Series(List.of(), Map.of("b", "v".repeat(12 << 20)), null),
                new Series(List.of(), Map.of("c", "v".repeat(12 << 20)), null)));
        assertPlain(GrpcStatus.RESOURCE_EXHAUSTED, "answer too large", query(twoWeeks()));
        provider.latest = q -> Future.succeededFuture(Collections.nCopies(10_001, new Sample(T0, 1, Map.of(), null)));
        assertPlain(GrpcStatus.RESOURCE_EXHAUSTED, "more than 10000 series", raw.call(
                ProviderServiceGrpcClient.QueryLatest, Provider.QueryLatestRequest.newBuilder().setQuery(POD).build(),
                0));
    }

    @Test
    void queryCallsBeyondTheGateWaitOrAreRefused() {
        List<Promise<List<Series>>> pending = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        provider.range = q -> {
            calls.incrementAndGet();
            Promise<List<Series>> p = Promise.promise();
            pending.add(p);
            return p.future();
        };
        int admitted = ProviderGrpcService.MAX_RUNNING_QUERIES + ProviderGrpcService.MAX_WAITING_QUERIES;
        List<Future<GrpcTestClient.Outcome<Provider.QueryResponse>>> outcomes = new ArrayList<>();
        for (int i = 0; i < admitted; i++) {
            outcomes.add(raw.callAsync(ProviderServiceGrpcClient.Query, twoWeeks(), 0, Map.of()));
        }
        Await.until("the running calls reach the provider", Duration.ofSeconds(30),
                () -> calls.get() == ProviderGrpcService.MAX_RUNNING_QUERIES);
        // the gate is full: the next call is refused at once
        assertPlain(GrpcStatus.RESOURCE_EXHAUSTED, "too many Query calls at once", query(twoWeeks()));
        // finishing the running ones lets the waiting ones through, never more than the maximum at once
        int answered = 0;
        while (answered < admitted) {
            Await.until("a call reaches the provider", Duration.ofSeconds(30), () -> !pending.isEmpty());
            assertTrue(pending.size() <= ProviderGrpcService.MAX_RUNNING_QUERIES, pending.size() + " running");
            Promise<List<Series>> p = pending.remove(0);
            vertx.runOnContext(v -> p.complete(series(1, 2, Map.of())));
            answered++;
        }
        for (Future<GrpcTestClient.Outcome<Provider.QueryResponse>> f : outcomes) {
            assertEquals(GrpcStatus.OK, await(f).status(), await(f).message());
        }
        assertEquals(admitted, calls.get());
    }

    /** The client cancels while the provider works; the late answer is dropped without an unhandled exception. */
    @Test
    void aClientThatGoesAwayLeavesNoUnhandledException() {
        Promise<List<Series>> late = Promise.promise();
        AtomicInteger calls = new AtomicInteger();
        provider.range = q -> {
            calls.incrementAndGet();
            return late.future();
        };
        var req = await(raw.client().request(raw.address(), ProviderServiceGrpcClient.Query));
        req.end(twoWeeks());
        Await.until("the call reaches the provider", Duration.ofSeconds(30), () -> calls.get() == 1);
        req.cancel();
        Promise<Void> done = Promise.promise();
        vertx.setTimer(200, id -> {
            late.complete(series(1, 1, Map.of())); // answers a cancelled stream
            vertx.setTimer(200, id2 -> done.complete());
        });
        await(done.future());
        // and with a deadline that passes first: the timer answers, the late answer is dropped
        Promise<List<Series>> late2 = Promise.promise();
        provider.range = q -> late2.future();
        GrpcTestClient.Outcome<Provider.QueryResponse> o = raw.call(ProviderServiceGrpcClient.Query, twoWeeks(), 300);
        assertEquals(GrpcStatus.DEADLINE_EXCEEDED, o.status(), o.message());
        vertx.runOnContext(v -> late2.complete(series(1, 1, Map.of())));
        provider.range = q -> Future.succeededFuture(series(1, 1, Map.of()));
        assertEquals(GrpcStatus.OK, query(twoWeeks()).status()); // the service still answers
        assertTrue(unhandled.isEmpty(), unhandled.toString());
    }
}
