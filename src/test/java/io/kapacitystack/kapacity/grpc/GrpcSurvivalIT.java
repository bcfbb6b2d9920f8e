package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.Timestamp;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gRPC metrics service survives bursts of the worst requests its bounds admit, at the Helm chart's heap
 * (docs/security.md, "The gRPC metrics service"; docs/benchmarks.md, "gRPC service under a worst-case burst"). The
 * service runs in a separate JVM ({@link GrpcSurvivalServer}) with the chart's {@code jvmOptions} and the heap the
 * JVM derives from them in the chart's container: {@code -XX:MaxRAM} set to {@code resources.limits.memory} (the
 * container limit the JVM would read from its cgroup) and the serial collector, which HotSpot 17 picks by itself in
 * a container under 1792 MB (it is not a "server class machine" there). Every Query answer is the largest the bounds
 * allow (10,000 series x 100 points = 1,000,000 points, about 60 MB of Prometheus JSON, about 31 MB encoded), every
 * QueryLatest answer 10,000 samples in just under 8 MiB of JSON. Each round fires far more calls than the gates
 * admit, mixing full readers, slow readers that never read their answer, and calls cancelled midway; afterwards the
 * JVM must still run, answer health and a small query, and the excess calls must have been refused with
 * RESOURCE_EXHAUSTED. The peak heap is printed for docs/benchmarks.md.
 */
class GrpcSurvivalIT {

    private static final int SERIES = 10_000;
    private static final int POINTS = 100;
    private static final long T0_SECONDS = 1_714_557_600L;
    private static final int ROUNDS = 3;
    private static final int QUERIES_PER_ROUND = 80;
    private static final int LATEST_PER_ROUND = 320;
    private static final int SLOW_QUERIES_PER_ROUND = 16;
    private static final int SLOW_LATEST_PER_ROUND = 20;
    private static final int CANCELLED_PER_ROUND = 10;
    private static final long DEADLINE_MS = 8_000;

    private static final Metric.Query POD = Metric.Query.newBuilder().setType(Metric.QueryType.POD_RESOURCE)
            .setPodResource(Metric.PodResourceQuery.newBuilder().setNamespace("ns").setSelector("app=web")
                    .setResourceName("cpu")).build();
    private static final Provider.QueryRequest WORST_QUERY = Provider.QueryRequest.newBuilder().setQuery(POD)
            .setStart(Timestamp.newBuilder().setSeconds(T0_SECONDS))
            .setEnd(Timestamp.newBuilder().setSeconds(T0_SECONDS + (POINTS - 1) * 60L))
            .setStep(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build();
    private static final Provider.QueryLatestRequest WORST_LATEST = Provider.QueryLatestRequest.newBuilder()
            .setQuery(POD).build();
    private static final Provider.QueryRequest SMALL_QUERY = WORST_QUERY.toBuilder()
            .setEnd(WORST_QUERY.getStart()).build();

    /** Query and QueryLatest as the client sends them, answers kept only as their size (the test's own memory). */
    private static final ServiceMethod<Integer, Provider.QueryRequest> QUERY_SIZE = sizeOnly("Query");
    private static final ServiceMethod<Integer, Provider.QueryLatestRequest> LATEST_SIZE = sizeOnly("QueryLatest");

    @TempDir
    Path dir;

    /** {@code status} null: the call ended without a status after {@code millis} (the client's deadline resets it). */
    private record Outcome(GrpcStatus status, String message, Integer bytes, long millis) {
    }

    @Test
    void survivesBurstsOfTheWorstAdmittedCallsAtTheChartsHeap() throws Exception {
        Path matrix = writeMatrix(dir.resolve("matrix.json"));
        Path vector = writeVector(dir.resolve("vector.json"));
        assertTrue(Files.size(matrix) <= ProviderGrpcService.MAX_BACKEND_BYTES_PER_ANSWER, "matrix too large");
        assertTrue(Files.size(matrix) > ProviderGrpcService.MAX_BACKEND_BYTES_PER_ANSWER * 85 / 100,
                "matrix not near the bound: " + Files.size(matrix));
        assertTrue(Files.size(vector) <= ProviderGrpcService.MAX_BACKEND_BYTES_PER_LATEST, "vector too large");
        assertTrue(Files.size(vector) > ProviderGrpcService.MAX_BACKEND_BYTES_PER_LATEST * 85 / 100,
                "vector not near the bound: " + Files.size(vector));

        ChartMemory chart = ChartMemory.read(Path.of("helm/kapacity-manager/values.yaml"));
        Path gcLog = Files.createDirectories(Path.of("target", "grpc-survival")).resolve("gc.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(chart.jvmOptions());
        command.add("-XX:MaxRAM=" + chart.limitBytes());
        command.add("-XX:+UseSerialGC");
        command.add("-Xlog:gc:file=" + gcLog);
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GrpcSurvivalServer.class.getName(),
                matrix.toString(), vector.toString()));
        System.out.println("child JVM options: " + command.subList(1, command.indexOf("-cp")));
        Path stderr = gcLog.resolveSibling("child.err");
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> childOut = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                    childOut.add(l);
                }
            } catch (IOException ignored) {
                // the child is gone; the assertions below say so
            }
        }, "survival-child-stdout");
        pump.setDaemon(true);
        pump.start();
        Writer toChild = new BufferedWriter(new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8));
        Vertx vertx = Vertx.vertx();
        try {
            int port = Integer.parseInt(line(lines, "PORT ", child));
            SocketAddress address = SocketAddress.inetSocketAddress(port, "127.0.0.1");
            GrpcClientOptions big = new GrpcClientOptions().setMaxMessageSize(ProviderGrpcService.MAX_ANSWER_BYTES);
            GrpcClient readers = GrpcClient.client(vertx, big);

            // the largest answer is admitted whole: it is the worst case, not a refused one
            Outcome first = await(call(readers, address, QUERY_SIZE, WORST_QUERY, 0), 60);
            assertEquals(GrpcStatus.OK, first.status(), first.message());
            assertTrue(first.bytes() > 24 << 20 && first.bytes() <= ProviderGrpcService.MAX_ANSWER_BYTES,
                    "answer of " + first.bytes() + " bytes");
            Outcome firstLatest = await(call(readers, address, LATEST_SIZE, WORST_LATEST, 0), 60);
            assertEquals(GrpcStatus.OK, firstLatest.status(), firstLatest.message());

            Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
            long started = System.nanoTime();
            for (int round = 0; round < ROUNDS; round++) {
                burst(vertx, readers, address, big, counts);
                int r = round;
                assertTrue(child.isAlive(), () -> "the server JVM died in round " + r + " (exit code " + child.exitValue() + "): " + childOut);
            }
            long burstMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertTrue(child.isAlive(), Files.readString(stderr));
            assertFalse(Files.readString(stderr).contains("OutOfMemoryError"), Files.readString(stderr));
            assertHealthy(readers, address);
            GrpcTestClient.Outcome<Provider.QueryResponse> small = await(new GrpcTestClient(vertx, port)
                    .callAsync(ProviderServiceGrpcClient.Query, SMALL_QUERY, 0, Map.of()), 30);
            assertEquals(GrpcStatus.OK, small.status(), small.message());
            assertEquals(1, small.body().getSeriesCount());
            assertEquals(GrpcSurvivalServer.SMALL_VALUE, small.body().getSeries(0).getPoints(0).getValue());
            assertTrue(counts.getOrDefault("Query RESOURCE_EXHAUSTED", new AtomicLong()).get() > 0, counts.toString());
            assertTrue(counts.getOrDefault("QueryLatest RESOURCE_EXHAUSTED", new AtomicLong()).get() > 0, counts.toString());
            assertTrue(counts.getOrDefault("Query OK", new AtomicLong()).get() > 0, counts.toString());
            assertTrue(counts.getOrDefault("QueryLatest OK", new AtomicLong()).get() > 0, counts.toString());

            toChild.write("peak\n");
            toChild.flush();
            long peak = Long.parseLong(line(lines, "PEAK ", child));
            long maxHeap = Long.parseLong(line(lines, "MAXHEAP ", child));
            assertEquals(chart.expectedMaxHeap(), maxHeap, "the child's heap is not the chart's");
            List<String> gc = Files.readAllLines(gcLog);
            System.out.printf("gRPC survival: %d rounds in %d ms, outcomes %s; max heap %d MiB; peak heap %d MiB"
                            + " (pools' peaks), %d MiB (largest occupancy before a collection, gc log), %d MiB"
                            + " (largest still reachable after a full collection)%n",
                    ROUNDS, burstMs, new java.util.TreeMap<>(counts), maxHeap >> 20, peak >> 20,
                    peakBeforeCollection(gc) >> 20, peakAfterFullCollection(gc) >> 20);
        } finally {
            toChild.close(); // the child exits when its stdin closes
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One round: full readers, slow readers and cancelled calls of both methods at once, far beyond the gates
     * (2 + 32 Query, 4 + 256 QueryLatest); waits for every full reader's outcome, then drops the slow readers'
     * connection.
     */
    private static void burst(Vertx vertx, GrpcClient readers, SocketAddress address, GrpcClientOptions big,
                              Map<String, AtomicLong> counts) {
        GrpcClient slow = GrpcClient.client(vertx, big);
        List<Future<Outcome>> outcomes = new ArrayList<>();
        List<Future<Outcome>> latest = new ArrayList<>();
        // slow readers interleaved with full ones, so that both kinds are admitted
        for (int i = 0; i < QUERIES_PER_ROUND; i++) {
            outcomes.add(call(readers, address, QUERY_SIZE, WORST_QUERY, DEADLINE_MS));
            if (i % (QUERIES_PER_ROUND / SLOW_QUERIES_PER_ROUND) == 0) {
                slowReader(slow, address, QUERY_SIZE, WORST_QUERY);
            }
        }
        for (int i = 0; i < LATEST_PER_ROUND; i++) {
            latest.add(call(readers, address, LATEST_SIZE, WORST_LATEST, DEADLINE_MS));
            if (i % (LATEST_PER_ROUND / SLOW_LATEST_PER_ROUND) == 0) {
                slowReader(slow, address, LATEST_SIZE, WORST_LATEST);
            }
        }
        for (int i = 0; i < CANCELLED_PER_ROUND; i++) {
            long after = 20L + 40L * i;
            if (i % 2 == 0) {
                cancelled(vertx, readers, address, QUERY_SIZE, WORST_QUERY, after);
            } else {
                cancelled(vertx, readers, address, LATEST_SIZE, WORST_LATEST, after);
            }
        }
        count(counts, "Query", outcomes);
        count(counts, "QueryLatest", latest);
        await(slow.close(), 30);
    }

    private static void count(Map<String, AtomicLong> counts, String method, List<Future<Outcome>> outcomes) {
        for (Future<Outcome> f : outcomes) {
            Outcome o = await(f, 60);
            // a call is answered, refused at the gate or dropped at its deadline (by the server, DEADLINE_EXCEEDED,
            // or by the client's timer, which resets the stream), never failed by the server before its deadline
            boolean droppedAtDeadline = o.status() == null && o.millis() >= DEADLINE_MS;
            assertTrue(o.status() == GrpcStatus.OK || o.status() == GrpcStatus.RESOURCE_EXHAUSTED
                    || o.status() == GrpcStatus.DEADLINE_EXCEEDED || droppedAtDeadline,
                    method + ": " + o.status() + " after " + o.millis() + " ms: " + o.message());
            if (o.status() == GrpcStatus.RESOURCE_EXHAUSTED) {
                assertTrue(o.message().contains("too many " + method + " calls at once"), o.message());
            }
            counts.computeIfAbsent(method + " " + (droppedAtDeadline ? "reset at deadline" : o.status().name()), k -> new AtomicLong()).incrementAndGet();
        }
    }

    private static <Req> Future<Outcome> call(GrpcClient client, SocketAddress address,
                                              ServiceMethod<Integer, Req> method, Req request, long deadlineMs) {
        long sent = System.nanoTime();
        return client.request(address, method).compose(req -> {
            if (deadlineMs > 0) {
                req.timeout(deadlineMs, TimeUnit.MILLISECONDS);
            }
            req.end(request);
            return req.response().compose(resp -> resp.last().transform(ar -> Future.succeededFuture(
                    new Outcome(resp.status(), ar.succeeded() ? resp.statusMessage() : resp.statusMessage() + " / "
                            + ar.cause(), ar.succeeded() ? ar.result() : null,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)))));
        });
    }

    /** A call the client cancels {@code afterMs} after sending it (waiting, running or answering by then). */
    private static <Req> void cancelled(Vertx vertx, GrpcClient client, SocketAddress address,
                                        ServiceMethod<Integer, Req> method, Req request, long afterMs) {
        client.request(address, method).onSuccess(req -> {
            req.end(request);
            vertx.setTimer(afterMs, id -> req.cancel());
        });
    }

    /** A call whose answer is never read: the stream's flow-control window stays closed on the server. */
    private static <Req> void slowReader(GrpcClient client, SocketAddress address, ServiceMethod<Integer, Req> method,
                                         Req request) {
        client.request(address, method).compose(req -> {
            req.end(request);
            return req.response();
        }).onSuccess(resp -> resp.pause());
    }

    private static void assertHealthy(GrpcClient client, SocketAddress address) {
        ServiceMethod<HealthCheckResponse, HealthCheckRequest> check = ServiceMethod.client(
                ServiceName.create("grpc.health.v1", "Health"), "Check", GrpcMessageEncoder.encoder(),
                GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
        HealthCheckResponse health = await(client.request(address, check).compose(req -> {
            req.end(HealthCheckRequest.newBuilder().build());
            return req.response().compose(resp -> resp.last());
        }), 30);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    }

    private static <Req extends com.google.protobuf.Message> ServiceMethod<Integer, Req> sizeOnly(String name) {
        return ServiceMethod.client(ServiceName.create("io.kapacitystack.metric", "ProviderService"), name,
                GrpcMessageEncoder.encoder(), new GrpcMessageDecoder<Integer>() {
                    @Override
                    public Integer decode(GrpcMessage msg) {
                        return msg.payload().length();
                    }

                    @Override
                    public boolean accepts(WireFormat format) {
                        return format == WireFormat.PROTOBUF;
                    }
                });
    }

    /** The largest occupancy before a collection in a {@code -Xlog:gc} log ({@code ... 412M->96M(556M) ...}). */
    static long peakBeforeCollection(List<String> gcLog) {
        return largest(gcLog, 1);
    }

    /**
     * The largest occupancy after a full collection (what was still reachable; a young collection leaves the old
     * generation's garbage in place), from the same log.
     */
    static long peakAfterFullCollection(List<String> gcLog) {
        return largest(gcLog.stream().filter(l -> l.contains("Pause Full")).toList(), 2);
    }

    private static long largest(List<String> gcLog, int group) {
        Pattern p = Pattern.compile("(\\d+)M->(\\d+)M\\(\\d+M\\)");
        long max = 0;
        for (String l : gcLog) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                max = Math.max(max, Long.parseLong(m.group(group)) << 20);
            }
        }
        return max;
    }

    private static String line(LinkedBlockingQueue<String> lines, String prefix, Process child) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            String l = lines.poll(1, TimeUnit.SECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l.substring(prefix.length()).trim();
            }
            assertTrue(child.isAlive() || !lines.isEmpty(), "the server JVM exited (" + prefix + ")");
        }
        throw new AssertionError("no " + prefix + "line from the server JVM");
    }

    private static <T> T await(Future<T> f, int seconds) {
        return Await.result(f, Duration.ofSeconds(seconds));
    }

    /** The matrix of {@value #SERIES} series x {@value #POINTS} points, each series with about 1 KB of labels. */
    private static Path writeMatrix(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
            for (int s = 0; s < SERIES; s++) {
                w.write(s == 0 ? "" : ",");
                w.write("{\"metric\":" + labels(s, 1000) + ",\"values\":[");
                for (int i = 0; i < POINTS; i++) {
                    w.write(i == 0 ? "" : ",");
                    w.write("[" + (T0_SECONDS + 60L * i) + ",\"" + (s + i) + ".0000000000000000000000000000001\"]");
                }
                w.write("]}");
            }
            w.write("]}}");
        }
        return file;
    }

    /** The vector of {@value #SERIES} samples, each with about 650 bytes of labels. */
    private static Path writeVector(Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
            for (int s = 0; s < SERIES; s++) {
                w.write(s == 0 ? "" : ",");
                w.write("{\"metric\":" + labels(s, 650) + ",\"value\":[" + T0_SECONDS + ",\"" + s
                        + ".00000000000001\"]}");
            }
            w.write("]}}");
        }
        return file;
    }

    private static String labels(int series, int padding) {
        return "{\"__name__\":\"container_cpu_usage_seconds_total\",\"namespace\":\"ns\",\"pod\":\"pod-"
                + series + "\",\"pad\":\"" + "x".repeat(padding) + "\"}";
    }

    /** The chart's JVM options and container memory limit, and the heap the JVM derives from them. */
    record ChartMemory(List<String> jvmOptions, long limitBytes) {

        @SuppressWarnings("unchecked")
        static ChartMemory read(Path values) throws IOException {
            Map<String, Object> v = (Map<String, Object>) new Load(LoadSettings.builder().build())
                    .loadFromString(Files.readString(values));
            List<String> options = (List<String>) v.get("jvmOptions");
            String limit = (String) ((Map<String, Object>) ((Map<String, Object>) v.get("resources"))
                    .get("limits")).get("memory");
            assertNotNull(limit, "resources.limits.memory");
            Matcher m = Pattern.compile("(\\d+)Mi").matcher(limit);
            assertTrue(m.matches(), "limit " + limit + " is not in Mi");
            return new ChartMemory(List.copyOf(options), Long.parseLong(m.group(1)) << 20);
        }

        /** limit x MaxRAMPercentage / 100, as HotSpot computes the maximum heap (a multiple of 1 MiB here). */
        long expectedMaxHeap() {
            double percent = jvmOptions.stream().filter(o -> o.startsWith("-XX:MaxRAMPercentage="))
                    .mapToDouble(o -> Double.parseDouble(o.substring(o.indexOf('=') + 1))).findFirst().orElse(25.0);
            return (long) (limitBytes * percent / 100);
        }
    }
}
