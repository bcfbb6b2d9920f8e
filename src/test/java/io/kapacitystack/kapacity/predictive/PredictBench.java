package io.kapacitystack.kapacity.predictive;

import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmarks of {@code predict} (docs/benchmarks.md), run with {@code scripts/bench.sh predict}:
 * <ul>
 *   <li>{@code time}: the whole job (HP read, three traffic series + resource + ready pods read over the real gRPC
 *   service from an in-memory provider, decision, ConfigMap write) for 1, 7 and 14 days of 1-minute history, each
 *   run in a fresh JVM limited to {@code -Xmx256m}, as a CronJob runs it: wall time of the job and peak heap;</li>
 *   <li>{@code accuracy}: forecast error of the chosen model and of the naive baseline on generated traces, over the
 *   24 hours that follow the history.</li>
 * </ul>
 */
public final class PredictBench {

    static final long T0 = Instant.parse("2026-03-02T00:00:00Z").getEpochSecond();

    private PredictBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 1 ? args[1] : "all";
        if (mode.equals("single")) {
            single(Integer.parseInt(args[2]));
            return;
        }
        if (mode.equals("all") || mode.equals("time")) {
            time();
        }
        if (mode.equals("all") || mode.equals("accuracy")) {
            accuracy();
        }
    }

    private static void time() throws Exception {
        String cp = System.getProperty("java.class.path");
        System.out.println("| history | series read (points each) | job wall time, cold JVM (3 runs) | job CPU time (JVM, all threads) | decision alone, second time | peak heap | outcome |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int days : new int[]{1, 7, 14}) {
            List<String> lines = new ArrayList<>();
            for (int run = 0; run < 3; run++) {
                Process p = new ProcessBuilder(Path.java(), "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-cp", cp, PredictBench.class.getName(), "predict", "single", Integer.toString(days))
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor();
                String line = out.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no result from the child JVM:\n" + out));
                lines.add(line.substring(7));
            }
            long[] ms = lines.stream().mapToLong(l -> Long.parseLong(l.split("\t")[0])).sorted().toArray();
            String[] last = lines.get(lines.size() - 1).split("\t");
            System.out.printf(Locale.ROOT, "| %d d | 5 (%s) | %d ms median (%s) | %s ms | %s ms | %s MiB | %s |%n", days, last[3],
                    ms[1], Arrays.toString(ms), last[5], last[4], last[1], last[2]);
        }
    }

    /** One job run in this (fresh) JVM; prints RESULT wallMs, peakHeapMiB, outcome, points. */
    private static void single(int days) throws Exception {
        long now = T0 + days * 86_400L;
        long from = now - days * 86_400L - 3600;
        Traces[] traffic = {Traces.flat(200).daily(1500).noise(15).seed(1),
                Traces.flat(50).daily(300).weekend(0.5).noise(5).seed(2), Traces.flat(80).hourly(40).daily(200).noise(5).seed(3)};
        List<Predictor.History> series = new ArrayList<>();
        for (Traces t : traffic) {
            series.add(t.sample(from, now + 60, 60));
        }
        int n = series.get(0).times().length;
        double[] resource = new double[n];
        double[] pods = new double[n];
        for (int i = 0; i < n; i++) {
            double load = 0.002 * series.get(0).values()[i] + 0.004 * series.get(1).values()[i]
                    + 0.001 * series.get(2).values()[i];
            pods[i] = Math.max(1, Math.ceil(load / 0.5));
            resource[i] = 0.05 * pods[i] + load;
        }
        Predictor.History resourceHistory = new Predictor.History(series.get(0).times(), resource);
        Predictor.History podsHistory = new Predictor.History(series.get(0).times(), pods);
        MetricsProvider provider = new MetricsProvider() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery query) {
                return Future.succeededFuture(List.of());
            }

            @Override
            public Future<List<Series>> query(MetricQuery query, Instant s, Instant e, Duration step) {
                Predictor.History h;
                if (query instanceof MetricQuery.WorkloadResource) {
                    h = resourceHistory;
                } else if (query instanceof MetricQuery.WorkloadExternal) {
                    h = podsHistory;
                } else if (query instanceof MetricQuery.External x) {
                    h = series.get(Integer.parseInt(x.metric().name().substring(1)));
                } else {
                    return Future.failedFuture("unexpected " + query);
                }
                List<Point> points = new ArrayList<>();
                for (int i = 0; i < h.times().length; i++) {
                    long t = h.times()[i];
                    if (t >= s.getEpochSecond() && t <= e.getEpochSecond()) {
                        points.add(new Point(t * 1000, h.values()[i]));
                    }
                }
                return Future.succeededFuture(List.of(new Series(points, Map.of(), null)));
            }
        };
        Vertx vertx = Vertx.vertx();
        GrpcMetricsServer server = new GrpcMetricsServer(1);
        int port = Await.result(server.start(vertx, provider, "127.0.0.1:0"), Duration.ofSeconds(30));
        try (MockCluster cluster = new MockCluster(vertx)) {
            StringBuilder hp = new StringBuilder(String.join("\n",
                    "apiVersion: autoscaling.kapacitystack.io/v1alpha1",
                    "kind: HorizontalPortrait",
                    "metadata: {name: web-predictive}",
                    "spec:",
                    "  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}",
                    "  portraitType: Predictive",
                    "  metrics:",
                    "  - {type: Resource, resource: {name: cpu, target: {type: AverageValue, averageValue: 250m}}}",
                    "  - {type: Pods, pods: {metric: {name: ready_pods_count}, target: {type: AverageValue, averageValue: '1'}}}",
                    ""));
            for (int i = 0; i < traffic.length; i++) {
                hp.append("  - {name: t").append(i).append(", type: External, external: {metric: {name: t").append(i)
                        .append("}, target: {type: AverageValue, averageValue: '1'}}}\n");
            }
            cluster.apply(hp.toString(), "default");
            PredictOptions o = PredictOptions.parse(new String[]{"--re-history-len=" + days + "D",
                    "--token-file=/nonexistent"}, Map.of("METRICS_SERVER_ADDR", "127.0.0.1:" + port,
                    "HP_NAMESPACE", "default", "HP_NAME", "web-predictive"));
            System.gc();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            int code = new PredictJob(cluster.client, vertx, new ManualClock(vertx, Instant.ofEpochSecond(now))).run(o);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long cpuMs = (os.getProcessCpuTime() - cpu0) / 1_000_000;
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            // The decision alone on the same history, once more in this JVM (classes loaded, code still cold-ish).
            long d0 = System.nanoTime();
            Map<String, Predictor.History> byName = new java.util.LinkedHashMap<>();
            for (int i = 0; i < series.size(); i++) {
                byName.put("t" + i, series.get(i));
            }
            new Predictor().predict(byName, resourceHistory, podsHistory, 0.25, Instant.ofEpochSecond(now - days * 86_400L),
                    Instant.ofEpochSecond(now), Instant.ofEpochSecond(now + 1800), new Predictor.Settings(
                            Duration.ofMinutes(10), ZoneOffset.UTC, Duration.ofDays(1), 0.9, 10, 0));
            long decisionMs = (System.nanoTime() - d0) / 1_000_000;
            var data = cluster.client.configMaps().inNamespace("default").withName("web-predictive-result").get();
            String outcome = code != 0 ? "exit " + code : data.getData().containsKey("refused")
                    ? "refused: " + data.getData().get("refused") : "result, " + data.getData().get("model");
            System.out.printf(Locale.ROOT, "RESULT %d\t%.0f\t%s\t%d\t%d\t%d%n", ms, peak / 1048576.0, outcome, n, decisionMs, cpuMs);
        } finally {
            server.close();
            vertx.close();
        }
    }

    private static void accuracy() {
        record Case(String name, Traces trace, long from, int days, Duration bucket, ZoneId zone) {
        }
        ZoneId ny = ZoneId.of("America/New_York");
        List<Case> cases = List.of(
                new Case("daily, noise 2%", Traces.flat(200).daily(1500).noise(30), T0, 7, Duration.ofMinutes(10), ZoneOffset.UTC),
                new Case("daily + weekend dip, Saturday forecast", Traces.flat(100).daily(400).weekend(0.3).noise(10), T0, 26,
                        Duration.ofMinutes(10), ZoneOffset.UTC),
                new Case("hourly ripple + daily", Traces.flat(100).daily(400).hourly(150).noise(5), T0, 7, Duration.ofMinutes(10), ZoneOffset.UTC),
                new Case("daily + trend 10%/day", Traces.flat(100).daily(300).trend(40).noise(8), T0, 10, Duration.ofMinutes(10), ZoneOffset.UTC),
                new Case("daily + 30 spikes + 2 gaps", Traces.flat(100).daily(400).noise(10).spikes(30, 3000)
                        .gap(T0 + 2 * 86_400L, T0 + 2 * 86_400L + 8 * 3600L), T0, 7, Duration.ofMinutes(10), ZoneOffset.UTC),
                new Case("daily on New York clock across DST", Traces.flat(100).daily(400).noise(5).zone(ny),
                        ZonedDateTime.of(2026, 2, 25, 0, 0, 0, 0, ny).toEpochSecond(), 14, Duration.ofMinutes(10), ny),
                new Case("daily, Asia/Kolkata, 1h buckets", Traces.flat(100).daily(400).noise(5).zone(ZoneId.of("Asia/Kolkata")),
                        T0 - 19_800, 7, Duration.ofHours(1), ZoneId.of("Asia/Kolkata")));
        System.out.println();
        System.out.println("| trace | periods | model | backtest MAPE (naive) | next 24 h MAPE | naive next 24 h MAPE | under-forecast next 24 h |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Case c : cases) {
            long end = c.from() + c.days() * 86_400L;
            BucketGrid grid = new BucketGrid(c.bucket(), c.zone());
            Predictor.History all = c.trace().sample(c.from(), end + 86_400L, 60);
            long[] starts = grid.starts(c.from(), end);
            BucketSeries history = new BucketSeries(grid, starts, BucketGrid.resampleMax(all.times(), all.values(), starts, end));
            long[] future = grid.starts(end, end + 86_400L);
            double[] actual = BucketGrid.resampleMax(all.times(), all.values(), future, end + 86_400L);
            TrafficForecaster.Forecast f = new TrafficForecaster().forecast("qps", history, future, Duration.ofDays(1));
            double[] naive = new NaiveModel().forecast(history, history.size(), future, List.of());
            int under = 0;
            for (int i = 0; i < actual.length; i++) {
                if (f.values()[i] < actual[i]) {
                    under++;
                }
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.1f %% (%.1f %%) | **%.1f %%** | %.1f %% | %.0f %% |%n", c.name(),
                    f.periods().stream().map(p -> p.label).toList(), f.model() + String.format(Locale.ROOT, " +%.1f %%", 100 * f.margin()), 100 * f.withMargin().mape(),
                    100 * f.naive().mape(), 100 * mape(f.values(), actual), 100 * mape(naive, actual),
                    100.0 * under / actual.length);
        }
    }

    static double mape(double[] forecast, double[] actual) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Double.isNaN(actual[i]) && actual[i] > 0) {
                sum += Math.abs(forecast[i] - actual[i]) / actual[i];
                n++;
            }
        }
        return sum / n;
    }

    /** The java launcher of this JVM. */
    static final class Path {
        static String java() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}
