package io.kapacitystack.kapacity.bench;

import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.metrics.prometheus.KubeLookup;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusMetricsProvider;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The gRPC metrics service (docs/benchmarks.md): QueryLatest and a one-day Query at one-minute step, through the
 * gRPC service over an in-memory provider, and over the Prometheus provider against a real Prometheus side by side
 * with the same PromQL sent straight to Prometheus's HTTP API. Run with scripts/bench.sh grpc.
 */
public final class GrpcBench {

    /** Calls in flight (-Dbench.concurrency=1 -Dbench.channels=1 measures latency without queueing). */
    static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
    /**
     * The rest of a cluster in Prometheus: this many other pods (50 per namespace, two containers each, with their
     * readiness), scraped every 15 s, so that queries select among as many series as in a real cluster.
     */
    static final int OTHER_PODS = Integer.getInteger("bench.otherPods", 0);
    /**
     * Client connections the calls are spread over (like several algorithm jobs), each used from an event loop of
     * its own, with CONCURRENCY / CHANNELS calls in flight on each.
     */
    static final int CHANNELS = Integer.getInteger("bench.channels", 4);
    /** Event loops of the gRPC server (-Dbench.serverLoops=1 with -Dbench.channels=1 is the setup before tuning). */
    static final int SERVER_LOOPS = Integer.getInteger("bench.serverLoops", Runtime.getRuntime().availableProcessors());
    static final Duration RUN = Duration.ofSeconds(8);
    static final List<String> CASES = System.getProperty("bench.cases", "").isEmpty() ? List.of()
            : List.of(System.getProperty("bench.cases").split(","));

    public static void main(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx();
        String only = args.length > 1 ? args[1] : "";
        if (!only.equals("prometheus")) {
            inMemory(vertx);
        }
        try {
            if (!only.equals("memory")) {
                againstPrometheus(vertx);
            }
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // Vert.x's threads would keep the JVM alive
        }
        System.exit(0);
    }

    static void inMemory(Vertx vertx) throws Exception {
        List<Point> day = new ArrayList<>();
        long start = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 1440; i++) {
            day.add(new Point(start + i * 60_000L, i % 100));
        }
        MetricsProvider memory = new MetricsProvider() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery q) {
                return Future.succeededFuture(List.of(new Sample(start, 0.25, Map.of("pod", "web-0"), Duration.ofMinutes(3))));
            }

            @Override
            public Future<List<Series>> query(MetricQuery q, Instant s, Instant e, Duration step) {
                return Future.succeededFuture(List.of(new Series(day, Map.of("namespace", "b"), Duration.ofMinutes(3))));
            }
        };
        GrpcMetricsServer server = new GrpcMetricsServer(SERVER_LOOPS);
        int port = server.start(vertx, memory, "127.0.0.1:0").toCompletionStage().toCompletableFuture().get();
        List<ProviderServiceGrpcClient> clients = grpcClients(vertx, port);
        if (selected("memoryLatest")) {
            report("in-memory provider, gRPC QueryLatest", run(vertx, c -> clients.get(c).queryLatest(latestRequest()).mapEmpty()));
        }
        if (selected("memoryRange")) {
            report("in-memory provider, gRPC Query (1 day, 1 min step)", run(vertx, c -> clients.get(c).query(rangeRequest()).mapEmpty()));
        }
        server.close();
    }

    static void againstPrometheus(Vertx vertx) throws Exception {
        Path dir = Files.createTempDirectory("prometheus-bench");
        // web-0 is the one-series case; web-0 .. web-9 are the StatefulSet of the workload case
        var exporter = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/cluster")) {
                req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(otherPods());
                return;
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < WORKLOAD_PODS; i++) {
                text.append("container_cpu_usage_seconds_total{namespace=\"b\",pod=\"web-").append(i).append("\",container=\"c\"} ")
                        .append(System.nanoTime() / 1e9 * (1 + i / 10.0)).append('\n')
                        .append("kube_pod_status_ready{namespace=\"b\",pod=\"web-").append(i).append("\",condition=\"true\"} 1\n");
            }
            req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(text.toString());
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: e\n  honor_labels: true\n"
                + "  static_configs:\n  - targets: ['127.0.0.1:" + exporter.actualPort() + "']\n"
                + (OTHER_PODS == 0 ? "" : "- job_name: cluster\n  honor_labels: true\n  scrape_interval: 15s\n"
                + "  metrics_path: /cluster\n  static_configs:\n  - targets: ['127.0.0.1:" + exporter.actualPort() + "']\n"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        if (!new File("/usr/bin/prometheus").canExecute()) {
            throw new IllegalStateException("install prometheus (apt-get install -y --no-install-recommends prometheus)");
        }
        backfillOneDay(dir);
        Process prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        prometheusProcess = prometheus.toHandle();
        List<WebClient> webs = new ArrayList<>();
        for (int c = 0; c < CHANNELS; c++) {
            // as many connections as calls in flight, as the provider keeps (PrometheusClient.MAX_CONNECTIONS_PER_LOOP per event loop)
            webs.add(WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(CONCURRENCY / CHANNELS)));
        }
        WebClient web = webs.get(0);
        try {
            String promql = "sum by (pod) (irate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\",namespace=\"b\",pod=\"web-0\"}[3m]))";
            for (int i = 0; i < 120; i++) {
                try {
                    String body = web.getAbs(url + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).send()
                            .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).bodyAsString();
                    if (body.contains("\"value\"")) {
                        break;
                    }
                } catch (Exception notYet) {
                    // Prometheus still starting
                }
                Thread.sleep(500);
            }
            KubeLookup lookup = new KubeLookup() {
                public Future<List<String>> podNames(String namespace, Selector selector) {
                    return Future.succeededFuture(List.of("web-0"));
                }

                public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind gk) {
                    return Future.failedFuture("not needed");
                }

                public Future<List<String>> objectNames(GroupKind gk, String namespace, Selector selector) {
                    return Future.succeededFuture(List.of());
                }
            };
            PrometheusMetricsProvider provider = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), PrometheusConfig.defaults(), url,
                    lookup, new PrometheusMetricsProvider.DiscoveryOptions(Duration.ofMinutes(10), Duration.ofMinutes(10)));
            provider.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            GrpcMetricsServer server = new GrpcMetricsServer(SERVER_LOOPS);
            int grpcPort = server.start(vertx, provider, "127.0.0.1:0").toCompletionStage().toCompletableFuture().get();
            List<ProviderServiceGrpcClient> clients = grpcClients(vertx, grpcPort);

            String latestUrl = url + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
            String workloadPromql = promqlOf(vertx, lookup, workloadRequest());
            String workloadUrl = url + "/api/v1/query?query=" + URLEncoder.encode(workloadPromql, StandardCharsets.UTF_8);
            int workloadSeries = 0;
            // the ready-pods series are scraped, not backfilled: irate needs two scrapes of them
            for (int i = 0; i < 60 && workloadSeries == 0; i++) {
                Thread.sleep(500);
                workloadSeries = clients.get(0).queryLatest(workloadRequest()).toCompletionStage().toCompletableFuture()
                        .get(30, TimeUnit.SECONDS).getSamplesCount();
            }
            System.out.printf("workload query (%d ready pods): %s%n", WORKLOAD_PODS, workloadPromql.replaceAll("\\s+", " "));
            if (workloadSeries != 1) {
                throw new IllegalStateException("the workload query should answer one sum, not " + workloadSeries + " samples");
            }
            long end = Instant.now().getEpochSecond();
            String rangeUrl = url + "/api/v1/query_range?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                    + "&start=" + (end - 86400) + "&end=" + end + "&step=60";
            int points = clients.get(0).query(rangeQuery(end)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .getSeries(0).getPointsCount();
            System.out.printf("one-day range query: %d points per answer%n", points);
            if (points < 1400) {
                throw new IllegalStateException("the backfilled day is missing: " + points + " points");
            }
            // A client reading Prometheus directly has to decode its JSON into numbers, as the gRPC client decodes
            // protobuf: the "decoded" cases are the like-for-like baseline; the others show the HTTP exchange alone.
            Map<String, Case> cases = new LinkedHashMap<>();
            addCase(cases, "directLatest", "Prometheus HTTP API directly, instant query, response not decoded",
                    c -> webs.get(c).getAbs(latestUrl).send().mapEmpty());
            addCase(cases, "directLatestDecoded", "Prometheus HTTP API directly, instant query, decoded into numbers",
                    c -> webs.get(c).getAbs(latestUrl).send().map(GrpcBench::decode).mapEmpty());
            addCase(cases, "grpcLatest", "gRPC QueryLatest via the Prometheus provider",
                    c -> clients.get(c).queryLatest(latestRequest()).mapEmpty());
            addCase(cases, "directWorkloadLatestDecoded", "Prometheus HTTP API directly, StatefulSet of " + WORKLOAD_PODS
                            + " ready pods, instant query, decoded into numbers",
                    c -> webs.get(c).getAbs(workloadUrl).send().map(GrpcBench::decode).mapEmpty());
            addCase(cases, "grpcWorkloadLatest", "gRPC QueryLatest via the Prometheus provider, StatefulSet of " + WORKLOAD_PODS
                            + " ready pods (WORKLOAD_RESOURCE, readyPodsOnly)",
                    c -> clients.get(c).queryLatest(workloadRequest()).mapEmpty());
            addCase(cases, "directRange", "Prometheus HTTP API directly, range query (1 day, 1 min step), response not decoded",
                    c -> webs.get(c).getAbs(rangeUrl).send().mapEmpty());
            addCase(cases, "directRangeDecoded", "Prometheus HTTP API directly, range query (1 day, 1 min step), decoded into numbers",
                    c -> webs.get(c).getAbs(rangeUrl).send().map(GrpcBench::decode).mapEmpty());
            addCase(cases, "grpcRange", "gRPC Query via the Prometheus provider (1 day, 1 min step)",
                    c -> clients.get(c).query(rangeQuery(end)).mapEmpty());
            Map<String, Stats> results = interleaved(vertx, cases);
            if (results.containsKey("grpcWorkloadLatest") && results.containsKey("directWorkloadLatestDecoded")) {
                System.out.printf("overhead ratio of the workload query (gRPC p50 / direct decoded p50, median of the rounds): %.2f%n",
                        medianRatio(cases, "grpcWorkloadLatest", "directWorkloadLatestDecoded", st -> st.p50));
            }
            if (results.keySet().containsAll(List.of("directLatest", "directLatestDecoded", "grpcLatest", "directRange",
                    "directRangeDecoded", "grpcRange"))) {
                System.out.printf("overhead ratio (gRPC p50 / direct p50, median of the rounds) against the decoded baseline: latest %.2f,"
                                + " range %.2f; against the undecoded one: latest %.2f, range %.2f%n",
                        medianRatio(cases, "grpcLatest", "directLatestDecoded", st -> st.p50),
                        medianRatio(cases, "grpcRange", "directRangeDecoded", st -> st.p50),
                        medianRatio(cases, "grpcLatest", "directLatest", st -> st.p50),
                        medianRatio(cases, "grpcRange", "directRange", st -> st.p50));
                System.out.printf("throughput ratio (direct decoded / gRPC, median of the rounds): latest %.2f, range %.2f%n",
                        medianRatio(cases, "directLatestDecoded", "grpcLatest", st -> st.perSecond),
                        medianRatio(cases, "directRangeDecoded", "grpcRange", st -> st.perSecond));
            }
            server.close();
            provider.close();
        } finally {
            prometheus.destroy();
            prometheus.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Whether -Dbench.cases (empty = all) names {@code name}. */
    static boolean selected(String name) {
        return CASES.isEmpty() || CASES.contains(name);
    }

    /** A measured case: what it calls, and its result in each interleaved round. */
    record Case(String label, IntFunction<Future<Void>> call, List<Stats> rounds) {
    }

    static void addCase(Map<String, Case> cases, String name, String label, IntFunction<Future<Void>> call) {
        if (selected(name)) {
            cases.put(name, new Case(label, call, new ArrayList<>()));
        }
    }

    /** Measured rounds per case, interleaved (-Dbench.rounds), and each round's length (-Dbench.roundSeconds). */
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    static final Duration ROUND = Duration.ofSeconds(Integer.getInteger("bench.roundSeconds", 4));

    /**
     * Warms every case up, then measures them in turn, round after round, so that a drift of the machine over the
     * run (Prometheus's cost per query moves by ±20 % between minutes here) falls on all cases alike instead of on
     * whichever ran last; each case's figures are the medians of its rounds.
     */
    static Map<String, Stats> interleaved(Vertx vertx, Map<String, Case> cases) throws Exception {
        for (Case c : cases.values()) {
            warmUp(vertx, c.call());
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (Case c : cases.values()) {
                c.rounds().add(measure(vertx, c.call(), ROUND));
            }
        }
        Map<String, Stats> results = new LinkedHashMap<>();
        cases.forEach((name, c) -> {
            Stats median = Stats.median(c.rounds());
            report(c.label() + " [median of " + c.rounds().size() + " rounds of " + ROUND.toSeconds() + " s]", median);
            results.put(name, median);
        });
        return results;
    }

    /** The median over the rounds of {@code of(a) / of(b)}, each ratio taken within one round. */
    static double medianRatio(Map<String, Case> cases, String a, String b, java.util.function.ToDoubleFunction<Stats> of) {
        List<Stats> ra = cases.get(a).rounds();
        List<Stats> rb = cases.get(b).rounds();
        double[] ratios = new double[ra.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = of.applyAsDouble(ra.get(i)) / of.applyAsDouble(rb.get(i));
        }
        return Stats.median(ratios);
    }

    /** The exposition of {@link #OTHER_PODS} pods of other workloads. */
    static String otherPods() {
        StringBuilder text = new StringBuilder(OTHER_PODS * 300);
        double seconds = System.nanoTime() / 1e9;
        for (int i = 0; i < OTHER_PODS; i++) {
            String labels = "namespace=\"team-" + i / 50 + "\",pod=\"app-" + i + "\"";
            text.append("container_cpu_usage_seconds_total{").append(labels).append(",container=\"app\"} ")
                    .append(seconds * 0.2).append('\n')
                    .append("container_cpu_usage_seconds_total{").append(labels).append(",container=\"sidecar\"} ")
                    .append(seconds * 0.01).append('\n')
                    .append("kube_pod_status_ready{").append(labels).append(",condition=\"true\"} 1\n");
        }
        return text.toString();
    }

    /**
     * A day of the series in Prometheus's storage before it starts (promtool's OpenMetrics backfill, one sample every
     * 15 s, the CPU rate following a daily curve), so that the one-day range query answers 1,441 points as it
     * would in a cluster rather than the few minutes a fresh Prometheus has scraped.
     */
    static void backfillOneDay(Path dir) throws Exception {
        long now = Instant.now().getEpochSecond();
        StringBuilder om = new StringBuilder("# TYPE container_cpu_usage_seconds counter\n");
        double cpu = 0;
        for (long t = now - 86_400 - 600; t < now - 30; t += 15) {
            cpu += 15 * (0.3 + 0.2 * Math.sin(2 * Math.PI * (t % 86_400) / 86_400.0));
            om.append("container_cpu_usage_seconds_total{namespace=\"b\",pod=\"web-0\",container=\"c\"} ")
                    .append(String.format(java.util.Locale.ROOT, "%.3f", cpu)).append(' ').append(t).append('\n');
        }
        om.append("# EOF\n");
        Path file = dir.resolve("backfill.om");
        Files.writeString(file, om);
        Process promtool = new ProcessBuilder("promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet",
                file.toString(), dir.resolve("data").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("promtool.log").toFile()).start();
        if (!promtool.waitFor(120, TimeUnit.SECONDS) || promtool.exitValue() != 0) {
            throw new IllegalStateException("promtool backfill failed: " + Files.readString(dir.resolve("promtool.log")));
        }
    }

    /**
     * One generated client per channel, each over a GrpcClient of its own (so its own HTTP/2 connection), reused for
     * every call, with receive windows large enough for many one-day responses in flight.
     */
    static List<ProviderServiceGrpcClient> grpcClients(Vertx vertx, int port) {
        List<ProviderServiceGrpcClient> clients = new ArrayList<>();
        for (int c = 0; c < CHANNELS; c++) {
            HttpClientOptions http = new HttpClientOptions().setHttp2ConnectionWindowSize(16 << 20);
            http.getInitialSettings().setInitialWindowSize(1 << 20);
            clients.add(ProviderServiceGrpcClient.create(GrpcClient.client(vertx, new GrpcClientOptions(), http),
                    SocketAddress.inetSocketAddress(port, "127.0.0.1")));
        }
        return clients;
    }

    static Provider.QueryLatestRequest latestRequest() {
        return Provider.QueryLatestRequest.newBuilder().setQuery(Metric.Query.newBuilder().setType(Metric.QueryType.POD_RESOURCE)
                .setPodResource(Metric.PodResourceQuery.newBuilder().setNamespace("b").setName("web-0").setResourceName("cpu"))).build();
    }

    /** Pods of the StatefulSet "web" in the workload case. */
    static final int WORKLOAD_PODS = 10;

    /** What the algorithm jobs ask for: the CPU of a whole StatefulSet's ready pods. */
    static Provider.QueryLatestRequest workloadRequest() {
        return Provider.QueryLatestRequest.newBuilder().setQuery(Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_RESOURCE)
                .setWorkloadResource(Metric.WorkloadResourceQuery.newBuilder()
                        .setGroupKind(Metric.GroupKind.newBuilder().setGroup("apps").setKind("StatefulSet"))
                        .setNamespace("b").setName("web").setResourceName("cpu").setReadyPodsOnly(true))).build();
    }

    /**
     * The PromQL the provider sends for {@code request}, caught by pointing a second provider with the same config at
     * a server that records it, so the direct case sends exactly that query.
     */
    static String promqlOf(Vertx vertx, KubeLookup lookup, Provider.QueryLatestRequest request) throws Exception {
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        var recorder = vertx.createHttpServer().requestHandler(req -> req.setExpectMultipart(true).endHandler(v -> {
            if (req.path().endsWith("/api/v1/query")) {
                seen.complete(req.getFormAttribute("query"));
            }
            req.response().putHeader("Content-Type", "application/json")
                    .end("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        PrometheusMetricsProvider probe = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), PrometheusConfig.defaults(),
                "http://127.0.0.1:" + recorder.actualPort(), lookup, new PrometheusMetricsProvider.DiscoveryOptions(Duration.ofMinutes(10),
                Duration.ofMinutes(10)));
        probe.queryLatest(io.kapacitystack.kapacity.grpc.ProtoMapping.toQuery(request.getQuery()));
        try {
            return seen.get(30, TimeUnit.SECONDS);
        } finally {
            probe.close();
            recorder.close();
        }
    }

    static volatile double sink;

    /**
     * What a client of Prometheus's HTTP API does with an answer before it can use it, as the gRPC client gets
     * decoded messages: the JSON parsed and every point turned into a timestamp and a number.
     */
    static int decode(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> response) {
        io.vertx.core.json.JsonObject data = response.bodyAsJsonObject().getJsonObject("data");
        int points = 0;
        double sum = 0;
        for (Object o : data.getJsonArray("result")) {
            io.vertx.core.json.JsonObject series = (io.vertx.core.json.JsonObject) o;
            io.vertx.core.json.JsonArray values = series.getJsonArray("values");
            if (values == null) {
                values = new io.vertx.core.json.JsonArray().add(series.getJsonArray("value"));
            }
            for (Object v : values) {
                io.vertx.core.json.JsonArray point = (io.vertx.core.json.JsonArray) v;
                sum += ((Number) point.getValue(0)).doubleValue() * 1000 + Double.parseDouble(point.getString(1));
                points++;
            }
        }
        sink = sum;
        return points;
    }

    /** The day up to {@code end} (Unix seconds) at one-minute steps, through the Prometheus provider. */
    static Provider.QueryRequest rangeQuery(long end) {
        return Provider.QueryRequest.newBuilder().setQuery(latestRequest().getQuery())
                .setStart(com.google.protobuf.Timestamp.newBuilder().setSeconds(end - 86400))
                .setEnd(com.google.protobuf.Timestamp.newBuilder().setSeconds(end))
                .setStep(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build();
    }

    static Provider.QueryRequest rangeRequest() {
        return Provider.QueryRequest.newBuilder().setQuery(latestRequest().getQuery())
                .setStart(com.google.protobuf.Timestamp.newBuilder().setSeconds(1763769600))
                .setEnd(com.google.protobuf.Timestamp.newBuilder().setSeconds(1763769600 + 86400))
                .setStep(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build();
    }

    static final class Stats {
        double perSecond;
        double p50;
        double p99;
        long count;
        long errors;
        /** CPU time per request of this JVM's Vert.x threads (client, service), and of Prometheus when it took part, in µs. */
        double jvmCpuMicros;
        double prometheusCpuMicros;
        /** read and write system calls of this JVM per request (/proc/PID/io syscr, syscw). */
        double jvmReadCalls;
        double jvmWriteCalls;
        /** JIT compiler threads' time over the window's length (0.5 = half a core compiling): warm-up not done if > 0. */
        double jitShare;
        /** Times per request a thread of this JVM blocked and was woken again (voluntary context switches). */
        double jvmSleeps;

        static double median(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        /** Field by field medians of the rounds (so not one round's figures, but each a typical one). */
        static Stats median(List<Stats> rounds) {
            Stats m = new Stats();
            m.perSecond = median(rounds.stream().mapToDouble(x -> x.perSecond).toArray());
            m.p50 = median(rounds.stream().mapToDouble(x -> x.p50).toArray());
            m.p99 = median(rounds.stream().mapToDouble(x -> x.p99).toArray());
            m.count = rounds.stream().mapToLong(x -> x.count).sum();
            m.errors = rounds.stream().mapToLong(x -> x.errors).sum();
            m.jvmCpuMicros = median(rounds.stream().mapToDouble(x -> x.jvmCpuMicros).toArray());
            m.prometheusCpuMicros = median(rounds.stream().mapToDouble(x -> x.prometheusCpuMicros).toArray());
            m.jvmReadCalls = median(rounds.stream().mapToDouble(x -> x.jvmReadCalls).toArray());
            m.jvmWriteCalls = median(rounds.stream().mapToDouble(x -> x.jvmWriteCalls).toArray());
            m.jitShare = median(rounds.stream().mapToDouble(x -> x.jitShare).toArray());
            m.jvmSleeps = median(rounds.stream().mapToDouble(x -> x.jvmSleeps).toArray());
            return m;
        }

        /** Requests per second the CPU time allows on 2 cores, whatever else the machine was running. */
        double cpuBoundOn2Cores() {
            return 2e6 / (jvmCpuMicros + prometheusCpuMicros);
        }
    }

    /** The Prometheus process of the run, for its CPU time (null = none). */
    static volatile ProcessHandle prometheusProcess;

    /** {syscr, syscw} of /proc/PID/io, zeros where there is none. */
    static long[] syscalls(ProcessHandle p) {
        return procFields(Path.of("/proc/" + p.pid() + "/io"), "syscr:", "syscw:");
    }

    /** Voluntary context switches of all this JVM's threads so far (0 where /proc is not there). */
    static long threadSleeps() {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                sum += procFields(task.resolve("status"), "voluntary_ctxt_switches:")[0];
            }
        } catch (java.io.IOException noProc) {
            return 0;
        }
        return sum;
    }

    /** The numbers after {@code names} ("name:" lines) in a /proc file; 0 for each where the file is not there. */
    static long[] procFields(Path file, String... names) {
        long[] out = new long[names.length];
        try {
            for (String line : Files.readAllLines(file)) {
                for (int i = 0; i < names.length; i++) {
                    if (line.startsWith(names[i])) {
                        out[i] = Long.parseLong(line.substring(names[i].length()).trim());
                    }
                }
            }
        } catch (java.io.IOException goneOrNotLinux) {
            // a thread that ended meanwhile, or not Linux: reported as 0
        }
        return out;
    }

    static long cpuNanos(ProcessHandle p) {
        return p == null ? 0 : p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /**
     * CPU time of the Vert.x threads (event loops and workers: client, service, provider), without the JIT
     * compiler's and the GC's threads, whose share on a loaded machine depends mostly on how far warm-up got.
     */
    static long jvmCpuNanos() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("vert.x-")) {
                long cpu = threads.getThreadCpuTime(t.getThreadId());
                sum += Math.max(0, cpu);
            }
        }
        return sum;
    }

    /** Keeps CONCURRENCY requests in flight for RUN (after a warm-up), recording each latency. */
    static Stats run(Vertx vertx, IntFunction<Future<Void>> call) throws Exception {
        warmUp(vertx, call);
        return measure(vertx, call, RUN);
    }

    /**
     * Calls until the JIT has compiled the call path: at least WARM_UP_CALLS calls or WARM_UP_MAX, and then until a
     * 2-second round passes with the JIT compiler busy less than 5 % of the time (here C2 keeps a core busy for
     * 40-50 s of a first case), at most WARM_UP_HARD_MAX in all.
     */
    static void warmUp(Vertx vertx, IntFunction<Future<Void>> call) throws Exception {
        // Warm up by count, not time: on a loaded machine a few seconds are a few thousand calls, and the JIT has
        // not compiled the call path yet (C2 needs ~10,000 invocations), so the measurement would time C1 code.
        long warmed = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < WARM_UP_HARD_MAX.toNanos()) {
            Stats round = measure(vertx, call, Duration.ofSeconds(2));
            warmed += round.count;
            if (Boolean.getBoolean("bench.verbose")) {
                report("  warm-up round", round);
            }
            boolean enough = warmed >= WARM_UP_CALLS || System.nanoTime() - start >= WARM_UP_MAX.toNanos();
            if (enough && round.jitShare < 0.05) {
                return;
            }
        }
        System.out.println("  (warm-up stopped at " + WARM_UP_HARD_MAX.toSeconds() + " s with the JIT still compiling)");
    }

    static final long WARM_UP_CALLS = Long.getLong("bench.warmupCalls", 150_000);
    static final Duration WARM_UP_MAX = Duration.ofSeconds(Long.getLong("bench.warmupMaxSeconds", 45));
    static final Duration WARM_UP_HARD_MAX = Duration.ofSeconds(Long.getLong("bench.warmupHardMaxSeconds", 120));

    static Stats measure(Vertx vertx, IntFunction<Future<Void>> call, Duration length) throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong errors = new AtomicLong();
        long deadline = System.nanoTime() + length.toNanos();
        Promise<Void> done = Promise.promise();
        AtomicLong inFlight = new AtomicLong();
        long t0 = System.nanoTime();
        long jvm0 = jvmCpuNanos();
        long[] io0 = syscalls(ProcessHandle.current());
        long prom0 = cpuNanos(prometheusProcess);
        long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        long sleeps0 = threadSleeps();
        inFlight.set(CONCURRENCY);
        for (int c = 0; c < CHANNELS; c++) {
            int channel = c;
            // each channel on a context (event loop) of its own: runOnContext from this thread makes a new one
            vertx.runOnContext(v -> {
                for (int i = 0; i < CONCURRENCY / CHANNELS; i++) {
                    loop(() -> call.apply(channel), deadline, latencies, errors, inFlight, done);
                }
            });
        }
        done.future().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long jvmCpu = jvmCpuNanos() - jvm0;
        long[] io1 = syscalls(ProcessHandle.current());
        long promCpu = cpuNanos(prometheusProcess) - prom0;
        long jitMillis = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0;
        long sleeps = threadSleeps() - sleeps0;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        Stats s = new Stats();
        s.count = sorted.length;
        s.errors = errors.get();
        s.perSecond = sorted.length / seconds;
        s.p50 = FoundationBench.pct(sorted, 50) / 1e6;
        s.p99 = FoundationBench.pct(sorted, 99) / 1e6;
        s.jvmCpuMicros = sorted.length == 0 ? 0 : jvmCpu / 1e3 / sorted.length;
        s.prometheusCpuMicros = sorted.length == 0 ? 0 : promCpu / 1e3 / sorted.length;
        s.jvmReadCalls = sorted.length == 0 ? 0 : (io1[0] - io0[0]) / (double) sorted.length;
        s.jvmWriteCalls = sorted.length == 0 ? 0 : (io1[1] - io0[1]) / (double) sorted.length;
        s.jitShare = jitMillis / 1e3 / seconds;
        s.jvmSleeps = sorted.length == 0 ? 0 : sleeps / (double) sorted.length;
        return s;
    }

    static void loop(Supplier<Future<Void>> call, long deadline, List<Long> latencies, AtomicLong errors, AtomicLong inFlight, Promise<Void> done) {
        if (System.nanoTime() > deadline) {
            if (inFlight.decrementAndGet() == 0) {
                done.tryComplete();
            }
            return;
        }
        long start = System.nanoTime();
        call.get().onComplete(ar -> {
            if (ar.succeeded()) {
                latencies.add(System.nanoTime() - start);
            } else {
                errors.incrementAndGet();
            }
            loop(call, deadline, latencies, errors, inFlight, done);
        });
    }

    static void report(String what, Stats s) {
        System.out.printf("%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms (%d requests, %d errors, %d in flight over %d connections);"
                        + " CPU per request %.0f µs JVM + %.0f µs Prometheus = %.0f req/s CPU-bound on 2 cores; JVM read/write syscalls per request %.1f/%.1f, thread wake-ups %.1f; JIT compiling %.0f%% of a core%n",
                what + (SERVER_LOOPS == Runtime.getRuntime().availableProcessors() ? "" : " [server on " + SERVER_LOOPS + " event loop(s)]"),
                s.perSecond, s.p50, s.p99, s.count, s.errors, CONCURRENCY, CHANNELS, s.jvmCpuMicros,
                s.prometheusCpuMicros, s.cpuBoundOn2Cores(), s.jvmReadCalls, s.jvmWriteCalls, s.jvmSleeps, s.jitShare * 100);
    }
}
