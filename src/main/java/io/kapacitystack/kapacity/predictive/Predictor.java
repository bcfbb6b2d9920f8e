package io.kapacitystack.kapacity.predictive;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The whole decision of one {@code predict} run, without I/O: from the history of the resource, the ready pods and
 * the traffic series (Kapacity's metrics convention) to the result ConfigMap's data, or a refusal. Traffic is
 * forecast per bucket peak ({@link TrafficForecaster}), the resource per replica learnt ({@link ReplicaModel}), and
 * each bucket from the current one to past the next job run gets the smallest replica count keeping the target.
 */
public final class Predictor {

    /** Furthest a forecast reaches, whatever the job's schedule says. */
    static final Duration MAX_HORIZON = Duration.ofDays(7);

    /** Samples of one series: epoch seconds ascending and values. */
    public record History(long[] times, double[] values) {
        public History {
            if (times.length != values.length) {
                throw new IllegalArgumentException("times and values differ in length");
            }
        }
    }

    /**
     * The job's settings (flags). {@code targetTolerance} raises the resource target each bucket is sized for by that
     * fraction (0: at the target, as Kapacity does).
     */
    public record Settings(Duration bucket, ZoneId zone, Duration testWindow, double minCorrelation, double maxMse,
                           long scaleUpAheadSeconds, double targetTolerance) {
        public Settings(Duration bucket, ZoneId zone, Duration testWindow, double minCorrelation, double maxMse,
                        long scaleUpAheadSeconds) {
            this(bucket, zone, testWindow, minCorrelation, maxMse, scaleUpAheadSeconds, 0);
        }
    }

    /** What one run decided: the ConfigMap data and a one-line summary for the log. */
    public record Outcome(Map<String, String> data, boolean refused, String summary, List<TrafficForecaster.Forecast> forecasts) {
    }

    private final TrafficForecaster forecaster = new TrafficForecaster();

    /**
     * @param traffic    traffic series by name, in the HP's order (metrics[2..])
     * @param resource   total resource of the ready pods (metrics[0])
     * @param readyPods  ready pod count (metrics[1])
     * @param target     resource target per pod
     * @param historyStart where the history window begins (buckets starting before it are partial and dropped)
     * @param now        the run's time; the current bucket is the first forecast
     * @param nextRun    the job's next run (the forecast covers past it)
     */
    public Outcome predict(Map<String, History> traffic, History resource, History readyPods, double target,
                           Instant historyStart, Instant now, Instant nextRun, Settings settings) {
        return predict(forecast(traffic, historyStart, now, nextRun, settings), traffic, resource, readyPods, target,
                now, settings);
    }

    /**
     * The first half of a run: the traffic forecasts, which depend on the traffic history and the schedule only (not
     * on the pods), or the refusal that ends the run. The backtest shares one between the policies replaying the
     * same trace (backtest/SharedForecasts).
     */
    public TrafficForecasts forecast(Map<String, History> traffic, Instant historyStart, Instant now, Instant nextRun,
                                     Settings s) {
        try {
            if (traffic.isEmpty()) {
                throw new Refusal(Refusal.Kind.BAD_INPUT, "no traffic metric: metrics[2..] of the HorizontalPortrait "
                        + "must name at least one traffic series");
            }
            BucketGrid grid = new BucketGrid(s.bucket(), s.zone());
            long current = grid.startOf(now.getEpochSecond());
            long[] historyStarts = grid.starts(firstWholeBucket(grid, historyStart), current);
            long[] future = futureBuckets(grid, current, now, nextRun);
            return forecastTraffic(traffic, grid, historyStarts, current, future, s);
        } catch (Refusal r) {
            return new TrafficForecasts(List.of(), List.of(), List.of(), new long[0], 0, r.getMessage());
        }
    }

    /** The second half: the replica model on the pods' history and the replicas of each forecast bucket. */
    public Outcome predict(TrafficForecasts traffics, Map<String, History> traffic, History resource,
                           History readyPods, double target, Instant now, Settings settings) {
        // the order of the checks is the one-step run's: no traffic, then the target, then the forecasts' refusal
        try {
            if (!traffic.isEmpty()) {
                requireUsableTarget(target);
            }
            if (traffics.refusal() != null) {
                return refused(traffics.refusal(), now);
            }
            return decide(traffics, traffic, resource, readyPods, target, now, settings);
        } catch (Refusal r) {
            return refused(r.getMessage(), now);
        }
    }

    private static Outcome refused(String message, Instant now) {
        return new Outcome(ResultData.refusal(message, now), true, "refused: " + message, List.of());
    }

    private Outcome decide(TrafficForecasts traffics, Map<String, History> traffic, History resource,
                           History readyPods, double target, Instant now, Settings s) {
        ReplicaModel.Fit fit = fitReplicaModel(traffic, traffics.used(), resource, readyPods, s);
        long[] future = traffics.future();
        // The reactive portrait leaves utilization up to target x (1 + its tolerance) alone; sizing the forecast for
        // the same band keeps the merged IHPA from paying for the difference (docs/scaling-quality.md).
        int[] replicas = replicasPerBucket(fit, traffics.forecasts(), future.length, target * (1 + s.targetTolerance()),
                readyPods);

        Map<String, String> extra = forecastDetails(traffics.forecasts(), traffics.used(), fit);
        String message = summary(traffics.forecasts(), traffics.dropped());
        extra.put(ResultData.MESSAGE, message);
        Map<String, String> data = ResultData.result(future, replicas, traffics.bucketSeconds(),
                s.scaleUpAheadSeconds(), extra, now);
        return new Outcome(data, false, message, traffics.forecasts());
    }

    private static void requireUsableTarget(double target) {
        if (!(target > 0) || !Double.isFinite(target)) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "the resource target must be positive, got " + target);
        }
    }

    /** The first bucket wholly inside the history window (one starting before it is partial). */
    private static long firstWholeBucket(BucketGrid grid, Instant historyStart) {
        long first = grid.startOf(historyStart.getEpochSecond());
        if (first < historyStart.getEpochSecond()) {
            first = grid.next(first);
        }
        return first;
    }

    /** From the current bucket to the one after the next run's, the next run capped at {@link #MAX_HORIZON}. */
    private static long[] futureBuckets(BucketGrid grid, long current, Instant now, Instant nextRun) {
        Instant until = nextRun.isAfter(now.plus(MAX_HORIZON)) || nextRun.isBefore(now) ? now.plus(MAX_HORIZON) : nextRun;
        long afterNext = grid.next(grid.startOf(until.getEpochSecond()));
        return grid.starts(current, afterNext + 1);
    }

    /**
     * The forecasts of the buckets {@code future}, the names of the series forecast (same order) and why the others
     * were dropped; or, when {@code refusal} is not null, why the run is refused.
     */
    public record TrafficForecasts(List<TrafficForecaster.Forecast> forecasts, List<String> used,
                                   List<String> dropped, long[] future, long bucketSeconds, String refusal) {
    }

    /**
     * Forecasts each traffic series; a flat or zero series is dropped (it carries no load to scale on), any other
     * refusal refuses the run, and so does having dropped them all.
     */
    private TrafficForecasts forecastTraffic(Map<String, History> traffic, BucketGrid grid, long[] historyStarts,
                                             long current, long[] future, Settings s) {
        List<TrafficForecaster.Forecast> forecasts = new ArrayList<>();
        List<String> used = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, History> e : traffic.entrySet()) {
            History h = e.getValue();
            BucketSeries series = new BucketSeries(grid, historyStarts,
                    BucketGrid.resampleMax(h.times(), h.values(), historyStarts, current));
            try {
                forecasts.add(forecaster.forecast(e.getKey(), series, future, s.testWindow()));
                used.add(e.getKey());
            } catch (Refusal r) {
                if (r.kind() != Refusal.Kind.FLAT && r.kind() != Refusal.Kind.ZERO) {
                    throw r;
                }
                dropped.add(r.getMessage());
            }
        }
        if (forecasts.isEmpty()) {
            throw new Refusal(Refusal.Kind.FLAT, String.join("; ", dropped));
        }
        return new TrafficForecasts(forecasts, used, dropped, future, grid.bucketSeconds(), null);
    }

    /** Per future bucket, the replicas for its forecast peaks, at most max(100, twice the most pods seen). */
    private static int[] replicasPerBucket(ReplicaModel.Fit fit, List<TrafficForecaster.Forecast> forecasts,
                                           int buckets, double target, History readyPods) {
        double maxPods = 0;
        for (double v : readyPods.values()) {
            if (!Double.isNaN(v)) {
                maxPods = Math.max(maxPods, v);
            }
        }
        int maxReplicas = (int) Math.max(100, Math.ceil(2 * maxPods));
        int[] replicas = new int[buckets];
        double[] peaks = new double[forecasts.size()];
        for (int b = 0; b < buckets; b++) {
            for (int i = 0; i < peaks.length; i++) {
                peaks[i] = forecasts.get(i).values()[b];
            }
            replicas[b] = fit.replicasFor(peaks, target, maxReplicas);
        }
        return replicas;
    }

    /** The per-series model, periods and backtest figures and the replica model, for the result ConfigMap. */
    private static Map<String, String> forecastDetails(List<TrafficForecaster.Forecast> forecasts, List<String> used,
                                                       ReplicaModel.Fit fit) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ResultData.MODEL, perSeries(forecasts, f -> f.model()));
        extra.put(ResultData.PERIODS, perSeries(forecasts, Predictor::periodLabels));
        extra.put(ResultData.BACKTEST_MAPE, perSeries(forecasts, f -> TrafficForecaster.percent(f.withMargin().mape())));
        extra.put(ResultData.NAIVE_MAPE, perSeries(forecasts, f -> TrafficForecaster.percent(f.naive().mape())));
        extra.put(ResultData.UNDER_FORECAST_RATE,
                perSeries(forecasts, f -> TrafficForecaster.percent(f.withMargin().underForecastRate())));
        extra.put(ResultData.SAFETY_MARGIN, perSeries(forecasts, f -> "+" + TrafficForecaster.percent(f.margin())));
        StringJoiner costs = new StringJoiner(" + ");
        for (int i = 0; i < used.size(); i++) {
            costs.add(String.format(Locale.ROOT, "%.4g*%s", fit.costs()[i], used.get(i)));
        }
        extra.put(ResultData.REPLICA_MODEL, String.format(Locale.ROOT,
                "per-pod resource = %.4g + (%s)/pods; held-out correlation %.3f, MSE %.3g", fit.base(), costs,
                fit.correlation(), fit.mse()));
        return extra;
    }

    private static String periodLabels(TrafficForecaster.Forecast f) {
        return f.periods().isEmpty() ? "none" : String.join("+", f.periods().stream().map(p -> p.label).toList());
    }

    /** One clause per forecast series and per dropped one: the ConfigMap's message and the log line. */
    private static String summary(List<TrafficForecaster.Forecast> forecasts, List<String> dropped) {
        StringJoiner msg = new StringJoiner("; ");
        for (TrafficForecaster.Forecast f : forecasts) {
            msg.add(String.format(Locale.ROOT, "%s: %s (periods %s) +%s safety margin, backtest MAPE %s vs naive %s, "
                            + "under-forecast %s",
                    f.series(), f.model(), periodLabels(f),
                    TrafficForecaster.percent(f.margin()), TrafficForecaster.percent(f.withMargin().mape()),
                    TrafficForecaster.percent(f.naive().mape()),
                    TrafficForecaster.percent(f.withMargin().underForecastRate())));
        }
        for (String d : dropped) {
            msg.add("ignored " + d);
        }
        return msg.toString();
    }

    private static String perSeries(List<TrafficForecaster.Forecast> forecasts,
                                    Function<TrafficForecaster.Forecast, String> value) {
        StringJoiner j = new StringJoiner(",");
        for (TrafficForecaster.Forecast f : forecasts) {
            j.add(f.series() + "=" + value.apply(f));
        }
        return j.toString();
    }

    /** Joins resource, ready pods and the used traffic series on their timestamps and fits the replica model. */
    private static ReplicaModel.Fit fitReplicaModel(Map<String, History> traffic, List<String> used, History resource,
                                                   History readyPods, Settings s) {
        long[] resourceTimes = resource.times();
        int[] podsAt = positions(resourceTimes, readyPods.times());
        List<int[]> trafficAt = new ArrayList<>();
        for (String name : used) {
            trafficAt.add(positions(resourceTimes, traffic.get(name).times()));
        }
        int n = resourceTimes.length;
        long[] times = new long[n];
        double[] res = new double[n];
        double[] pods = new double[n];
        double[][] tr = new double[used.size()][n];
        int rows = 0;
        long last = Long.MIN_VALUE;
        for (int r = 0; r < n; r++) {
            long t = resourceTimes[r];
            int p = podsAt[r];
            if (p < 0) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < used.size() && all; i++) {
                int k = trafficAt.get(i)[r];
                if (k < 0) {
                    all = false;
                } else {
                    tr[i][rows] = traffic.get(used.get(i)).values()[k];
                }
            }
            if (!all) {
                continue;
            }
            times[rows] = t;
            res[rows] = resource.values()[r];
            pods[rows] = readyPods.values()[p];
            last = Math.max(last, t);
            rows++;
        }
        double[][] trCut = new double[used.size()][];
        for (int i = 0; i < used.size(); i++) {
            trCut[i] = Arrays.copyOf(tr[i], rows);
        }
        long testStart = rows == 0 ? 0 : last - s.testWindow().getSeconds();
        return ReplicaModel.fit(Arrays.copyOf(times, rows), Arrays.copyOf(res, rows),
                Arrays.copyOf(pods, rows), trCut, testStart, s.minCorrelation(), s.maxMse());
    }

    /**
     * For each of {@code times}, its index in {@code in} or -1: the join of two series on their timestamps (the
     * identity when both were sampled at the same instants, as a range query's series are).
     */
    private static int[] positions(long[] times, long[] in) {
        int[] at = new int[times.length];
        if (Arrays.equals(times, in)) {
            for (int i = 0; i < at.length; i++) {
                at[i] = i;
            }
            return at;
        }
        Map<Long, Integer> index = new HashMap<>(in.length * 2);
        for (int i = 0; i < in.length; i++) {
            index.put(in[i], i);
        }
        for (int i = 0; i < at.length; i++) {
            at[i] = index.getOrDefault(times[i], -1);
        }
        return at;
    }
}
