package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.AnswerBudget;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The manager's gRPC metrics service alone, for {@link GrpcSurvivalIT}'s separate JVM: a {@link GrpcMetricsServer}
 * built as {@code app/ManagerCommand} builds it (all event loops, plain options) over a provider that reads every
 * answer through the real {@link PrometheusClient} (its read buffer, budget and in-place parser) from a stand-in
 * Prometheus on loopback serving two files the test wrote: the largest matrix and vector the bounds admit.
 * A range query with {@code start == end} is answered with one small series instead (the "still answers" check).
 *
 * <p>Args: {@code <matrix.json> <vector.json>}. Prints {@code PORT <n>} once serving; on the stdin line
 * {@code peak} prints {@code PEAK <bytes>} (the sum of the heap pools' peak usage since start) and
 * {@code MAXHEAP <bytes>}; exits when stdin closes, so it never outlives the test.
 */
public final class GrpcSurvivalServer {

    /** The value of the small answer's one point. */
    static final double SMALL_VALUE = 42.0;

    private GrpcSurvivalServer() {
    }

    public static void main(String[] args) throws Exception {
        String matrix = args[0];
        String vector = args[1];
        Vertx vertx = Vertx.vertx();
        HttpServer prometheus = vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("content-type", "application/json")
                .sendFile(req.path().endsWith("/query_range") ? matrix : vector));
        int promPort = prometheus.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS).actualPort();
        PrometheusClient client = new PrometheusClient(vertx, "http://127.0.0.1:" + promPort, Duration.ofSeconds(60));
        MetricsProvider provider = new WorstCaseProvider(client);
        int port = new GrpcMetricsServer().start(vertx, provider, "127.0.0.1:0").toCompletionStage()
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("PORT " + port);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.trim().equals("peak")) {
                long peak = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP) {
                        peak += pool.getPeakUsage().getUsed();
                    }
                }
                System.out.println("PEAK " + peak);
                System.out.println("MAXHEAP " + ManagementFactory.getPlatformMXBean(
                        com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("MaxHeapSize").getValue());
                System.out.flush();
            }
        }
        System.exit(0);
    }

    /** Every answer as large as the stand-in Prometheus makes it, read within the service's budget. */
    private record WorstCaseProvider(PrometheusClient client) implements MetricsProvider {

        @Override
        public Future<List<Sample>> queryLatest(MetricQuery query) {
            return queryLatest(query, AnswerBudget.unlimited());
        }

        @Override
        public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
            return query(query, start, end, step, AnswerBudget.unlimited());
        }

        @Override
        public Future<List<Sample>> queryLatest(MetricQuery query, AnswerBudget budget) {
            return client.query("worst", Instant.EPOCH, budget).map(raw -> raw.stream().map(r -> {
                Point p = r.points().get(r.points().size() - 1);
                return new Sample(p.timestamp(), p.value(), r.labels(), null);
            }).toList());
        }

        @Override
        public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step,
                                          AnswerBudget budget) {
            if (start.equals(end)) {
                return Future.succeededFuture(List.of(new Series(List.of(new Point(start.toEpochMilli(),
                        SMALL_VALUE)), Map.of("pod", "small"), null)));
            }
            return client.queryRange("worst", start, end, step, budget).map(raw -> raw.stream()
                    .map(r -> new Series(r.points(), r.labels(), null)).toList());
        }
    }
}
