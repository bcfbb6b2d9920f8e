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

    /** The job's settings (flags). */
    public record Settings(Duration bucket, ZoneId zone, Duration testWindow, double minCorrelation, double maxMse,
                           long scaleUpAheadSeconds) {
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
        try {
            return decide(traffic, resource, readyPods, target, historyStart, now, nextRun, settings);
        } catch (Refusal r) {
            return new Outcome(ResultData.refusal(r.getMessage(), now), true, "refused: " + r.getMessage(), List.of());
        }
    }

    private Outcome decide(Map<String, History> traffic, History resource, History readyPods, double target,
                           Instant historyStart, Instant now, Instant nextRun, Settings s) {
        requireUsableInput(traffic, target);
        BucketGrid grid = new BucketGrid(s.bucket(), s.zone());
        long current = grid.startOf(now.getEpochSecond());
        long[] historyStarts = grid.starts(firstWholeBucket(grid, historyStart), current);
        long[] future = futureBuckets(grid, current, now, nextRun);
        TrafficForecasts traffics = forecastTraffic(traffic, grid, historyStarts, current, future, s);
        ReplicaModel.Fit fit = fitReplicaModel(traffic, traffics.used(), resource, readyPods, s);
        int[] replicas = replicasPerBucket(fit, traffics.forecasts(), future.length, target, readyPods);

        Map<String, String> extra = forecastDetails(traffics.forecasts(), traffics.used(), fit);
        String message = summary(traffics.forecasts(), traffics.dropped());
        extra.put(ResultData.MESSAGE, message);
        Map<String, String> data = ResultData.result(future, replicas, grid.bucketSeconds(), s.scaleUpAheadSeconds(),
                extra, now);
        return new Outcome(data, false, message, traffics.forecasts());
    }

    private static void requireUsableInput(Map<String, History> traffic, double target) {
        if (traffic.isEmpty()) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "no traffic metric: metrics[2..] of the HorizontalPortrait must "
                    + "name at least one traffic series");
        }
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

    /** The forecasts, the names of the series forecast (same order) and why the others were dropped. */
    private record TrafficForecasts(List<TrafficForecaster.Forecast> forecasts, List<String> used,
                                    List<String> dropped) {
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
        return new TrafficForecasts(forecasts, used, dropped);
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
        Map<Long, Integer> podsAt = index(readyPods.times());
        List<Map<Long, Integer>> trafficAt = new ArrayList<>();
        for (String name : used) {
            trafficAt.add(index(traffic.get(name).times()));
        }
        int n = resource.times().length;
        long[] times = new long[n];
        double[] res = new double[n];
        double[] pods = new double[n];
        double[][] tr = new double[used.size()][n];
        int rows = 0;
        long last = Long.MIN_VALUE;
        for (int r = 0; r < n; r++) {
            long t = resource.times()[r];
            Integer p = podsAt.get(t);
            if (p == null) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < used.size() && all; i++) {
                Integer k = trafficAt.get(i).get(t);
                if (k == null) {
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

    private static Map<Long, Integer> index(long[] times) {
        Map<Long, Integer> m = new HashMap<>(times.length * 2);
        for (int i = 0; i < times.length; i++) {
            m.put(times[i], i);
        }
        return m;
    }
}
