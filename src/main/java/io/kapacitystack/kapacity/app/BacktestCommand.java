package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.backtest.Backtest;
import io.kapacitystack.kapacity.backtest.Plot;
import io.kapacitystack.kapacity.backtest.PredictiveSettings;
import io.kapacitystack.kapacity.backtest.Report;
import io.kapacitystack.kapacity.backtest.Trace;
import io.kapacitystack.kapacity.backtest.TraceCsv;
import io.kapacitystack.kapacity.backtest.TraceException;
import io.kapacitystack.kapacity.backtest.Workload;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusClient;
import io.kapacitystack.kapacity.predictive.PredictOptions;
import io.vertx.core.Vertx;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code java -jar kapacity.jar backtest}: replays a demand trace (CSV, or a Prometheus range query) through the
 * scaling policies on a simulated workload and reports what each would have cost and missed (docs/scaling-quality.md).
 */
public final class BacktestCommand {

    /** The predict job's flags the backtest passes on to its simulated job. */
    static final List<String> PREDICT_FLAGS = List.of("re-history-len", "re-time-delta-hours", "time-zone",
            "re-test-dataset-size-in-seconds", "re-min-correlation-allowed", "re-max-mse-allowed", "scaling-freq",
            "scale-up-ahead-seconds", "target-tolerance");
    /** YAML files (--ihpa, --behavior) read at most. */
    static final long MAX_YAML_BYTES = 1 << 20;
    /** Points a Prometheus range query may return at most, and per request (Prometheus refuses more than 11,000). */
    static final long MAX_QUERY_POINTS = TraceCsv.MAX_ROWS;
    static final long POINTS_PER_REQUEST = 10_000;

    private BacktestCommand() {
    }

    static Flags flags() {
        Flags f = new Flags()
                .define("trace", "", "CSV file with the header timestamp,value (ISO-8601, YYYY-MM-DD HH:MM:SS UTC or epoch seconds)")
                .define("prometheus", "", "Prometheus base URL, instead of --trace (with --query, --start, --end, --step)")
                .define("query", "", "PromQL returning one series: the demand")
                .define("start", "", "range query start (ISO-8601 or epoch seconds)")
                .define("end", "", "range query end (ISO-8601 or epoch seconds)")
                .define("step", "60s", "range query step")
                .define("capacity-per-replica", "", "demand one replica serves at 100 % utilization (required)")
                .define("target-utilization", "0.7", "utilization the policies aim at, in (0, 1]")
                .define("pod-startup", "60s", "a new pod serves only this long after it is created")
                .define("min-replicas", "1", "fewest replicas")
                .define("max-replicas", "100", "most replicas")
                .define("initial-replicas", "", "replicas (ready) at the start of the trace; default --min-replicas")
                .define("policies", String.join(",", Backtest.POLICIES),
                        "policies to run, comma-separated: oracle, hpa, predictive, predictive+hpa, cron (cron needs --ihpa)")
                .define("behavior", "", "YAML file with an autoscaling/v2 HorizontalPodAutoscalerBehavior for hpa (default: Kubernetes')")
                .define("ihpa", "", "YAML file with an IntelligentHorizontalPodAutoscaler: the cron policy, providers as written")
                .define("job-interval", "30m", "how often the predictive job runs")
                .define("warmup", "0s", "beginning of the trace used as history only, not scored")
                .define("format", "table", "table or json")
                .define("output-csv", "", "write the per-step series to this CSV file")
                .define("plot", "", "draw demand and ready replicas per policy to FILE.svg or FILE.png");
        Flags predict = PredictOptions.flags();
        for (String name : PREDICT_FLAGS) {
            f.define(name, predict.get(name), "predictive job: as the predict command's flag");
        }
        return f;
    }

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Flags f;
        Backtest.Options options;
        Workload workload;
        String format;
        try {
            f = flags().parse(args);
            if (!f.positional().isEmpty()) {
                throw new IllegalArgumentException("unexpected argument " + f.positional().get(0));
            }
            format = f.get("format");
            if (!format.equals("table") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be table or json, got \"" + format + "\"");
            }
            String plot = f.get("plot").toLowerCase(Locale.ROOT);
            if (!plot.isEmpty() && !plot.endsWith(".svg") && !plot.endsWith(".png")) {
                throw new IllegalArgumentException("--plot must name a .svg or .png file");
            }
            workload = workload(f);
            options = options(f);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("Usage: kapacity.jar backtest (--trace FILE | --prometheus URL --query Q --start T --end T) "
                    + "--capacity-per-replica V [flags]\n" + flags().usage());
            return 2;
        }
        Trace trace;
        try {
            trace = f.get("trace").isEmpty() ? prometheus(f) : csv(Path.of(f.get("trace")));
        } catch (TraceException e) {
            err.println("bad trace: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("cannot read the trace: " + e.getMessage());
            return 1;
        }
        Backtest.Result result;
        try {
            result = Backtest.run(trace, workload, options);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try {
            if (!f.get("output-csv").isEmpty()) {
                try (BufferedWriter w = Files.newBufferedWriter(Path.of(f.get("output-csv")), StandardCharsets.UTF_8)) {
                    Report.csv(result, w);
                }
            }
            String plot = f.get("plot");
            if (!plot.isEmpty()) {
                if (plot.toLowerCase(Locale.ROOT).endsWith(".svg")) {
                    Files.writeString(Path.of(plot), Plot.svg(result), StandardCharsets.UTF_8);
                } else {
                    System.setProperty("java.awt.headless", "true");
                    try (OutputStream o = Files.newOutputStream(Path.of(plot))) {
                        Plot.png(result, o);
                    }
                }
            }
        } catch (IOException e) {
            err.println("cannot write the output: " + e.getMessage());
            return 1;
        }
        out.print(format.equals("json") ? Report.json(result) : Report.table(result));
        out.flush();
        return 0;
    }

    private static Workload workload(Flags f) {
        if (f.get("capacity-per-replica").isEmpty()) {
            throw new IllegalArgumentException("--capacity-per-replica is required");
        }
        int min = f.getInt("min-replicas");
        int initial = f.get("initial-replicas").isEmpty() ? min : f.getInt("initial-replicas");
        Duration startup = f.getDuration("pod-startup");
        if (startup.getNano() != 0) {
            throw new IllegalArgumentException("--pod-startup must be whole seconds, got " + f.get("pod-startup"));
        }
        return new Workload(f.getDouble("capacity-per-replica"), f.getDouble("target-utilization"), startup, min,
                f.getInt("max-replicas"), initial);
    }

    private static Backtest.Options options(Flags f) {
        List<String> policies = new ArrayList<>();
        for (String p : f.get("policies").split(",")) {
            String name = p.strip();
            if (name.equals(Backtest.CRON) && f.get("ihpa").isEmpty() && f.get("policies").equals(String.join(",", Backtest.POLICIES))) {
                continue; // the default list runs cron only when an IHPA is given
            }
            if (!name.isEmpty()) {
                policies.add(name);
            }
        }
        HorizontalPodAutoscalerBehavior behavior = f.get("behavior").isEmpty() ? null
                : yaml(f.get("behavior"), HorizontalPodAutoscalerBehavior.class, "--behavior");
        IntelligentHorizontalPodAutoscaler ihpa = f.get("ihpa").isEmpty() ? null
                : yaml(f.get("ihpa"), IntelligentHorizontalPodAutoscaler.class, "--ihpa");
        if (ihpa != null && ihpa.getSpec() == null) {
            throw new IllegalArgumentException("--ihpa " + f.get("ihpa") + ": the IHPA has no spec");
        }
        List<String> forwarded = new ArrayList<>();
        for (String name : PREDICT_FLAGS) {
            forwarded.add("--" + name + "=" + f.get(name));
        }
        PredictOptions p = PredictOptions.parse(forwarded.toArray(String[]::new),
                Map.of("HP_NAMESPACE", "backtest", "HP_NAME", "backtest"));
        Duration warmup = f.getDuration("warmup");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup must not be negative");
        }
        return new Backtest.Options(policies, behavior, PredictiveSettings.of(f.getDuration("job-interval"), p), ihpa, warmup);
    }

    private static <T> T yaml(String file, Class<T> type, String flag) {
        try {
            if (Files.size(Path.of(file)) > MAX_YAML_BYTES) {
                throw new IllegalArgumentException(flag + " " + file + ": larger than " + MAX_YAML_BYTES + " bytes");
            }
            T v = new KubernetesSerialization().unmarshal(Files.readString(Path.of(file)), type);
            if (v == null) {
                throw new IllegalArgumentException(flag + " " + file + ": the file is empty");
            }
            return v;
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + ": cannot read it: " + e.getMessage());
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith(flag)) {
                throw iae;
            }
            throw new IllegalArgumentException(flag + " " + file + ": not a valid " + type.getSimpleName() + ": "
                    + firstLine(String.valueOf(e.getMessage())));
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Trace csv(Path file) throws IOException, TraceException {
        try (InputStream in = Files.newInputStream(file);
             Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return TraceCsv.read(r);
        }
    }

    /** The demand from a range query, split into requests of at most 10,000 steps. */
    private static Trace prometheus(Flags f) throws IOException, TraceException {
        String url = f.get("prometheus");
        if (url.isEmpty()) {
            throw new IllegalArgumentException("give --trace FILE or --prometheus URL");
        }
        if (f.get("query").isEmpty() || f.get("start").isEmpty() || f.get("end").isEmpty()) {
            throw new IllegalArgumentException("--prometheus needs --query, --start and --end");
        }
        long start = TraceCsv.parseTimestamp(f.get("start"), "--start");
        long end = TraceCsv.parseTimestamp(f.get("end"), "--end");
        Duration step = f.getDuration("step");
        if (step.getSeconds() < 1 || step.getNano() != 0) {
            throw new IllegalArgumentException("--step must be whole seconds, at least 1s");
        }
        if (end <= start) {
            throw new IllegalArgumentException("--end must be after --start");
        }
        if ((end - start) / step.getSeconds() > MAX_QUERY_POINTS) {
            throw new IllegalArgumentException("the range has more than " + MAX_QUERY_POINTS + " steps");
        }
        Vertx vertx = Vertx.vertx();
        PrometheusClient client = new PrometheusClient(vertx, url, Duration.ofMinutes(2));
        try {
            List<Point> points = new ArrayList<>();
            long chunk = POINTS_PER_REQUEST * step.getSeconds();
            for (long from = start; from <= end; from += chunk) {
                long to = Math.min(end, from + chunk - step.getSeconds());
                var series = client.queryRange(f.get("query"), Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), step)
                        .toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
                if (series.size() > 1) {
                    throw new IllegalArgumentException("the query returns " + series.size()
                            + " series; it must return one (aggregate it, e.g. sum(...))");
                }
                if (!series.isEmpty()) {
                    points.addAll(series.get(0).points());
                }
            }
            long[] times = new long[points.size()];
            double[] values = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                times[i] = Math.floorDiv(points.get(i).timestamp(), 1000);
                values[i] = points.get(i).value();
            }
            return TraceCsv.fromSamples(times, values, "the query's sample");
        } catch (ExecutionException e) {
            throw new IOException("the range query failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the range query timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            client.close();
            vertx.close();
        }
    }
}
