package io.kapacitystack.kapacity.predictive;

import org.hipparchus.stat.descriptive.moment.StandardDeviation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Forecasts one traffic series' per-bucket peaks: checks the history is long, dense and varied enough, finds its
 * periods ({@link Seasonality}), scores the candidate models against the naive baseline with a walk-forward
 * {@link Backtest} on the last {@code testWindow}, and forecasts with the best model that beats the baseline.
 * Refuses ({@link Refusal}) otherwise. See docs/predictive.md.
 */
public final class TrafficForecaster {

    /** History needed besides the backtest window to find or rule out a daily cycle. */
    static final Duration MIN_TRAINING = Duration.ofDays(2);
    /** Share of buckets that must hold a sample. */
    static final double MIN_COVERAGE = 0.5;
    /** Coefficient of variation below which a series is flat. */
    static final double FLAT_VARIATION = 0.01;
    /** Share of the backtest's buckets the safety margin keeps from being under-forecast. */
    static final double COVERED_QUANTILE = 0.9;
    /** Largest safety margin (a fraction of the forecast): beyond it the model, not the margin, is wrong. */
    static final double MAX_MARGIN = 0.5;

    private final List<ForecastModel> candidates;
    private final ForecastModel baseline = new NaiveModel();

    public TrafficForecaster() {
        this(List.of(new SeasonalProfileModel(), new HarmonicRegressionModel()));
    }

    TrafficForecaster(List<ForecastModel> candidates) {
        this.candidates = candidates;
    }

    /**
     * What was forecast and how it was chosen: {@code chosen} is the model's backtest score as fitted (what the
     * choice compared), {@code margin} the safety margin learnt from it, {@code withMargin} the same backtest with
     * the margin applied (what the forecast {@code values} are: raised by the margin).
     */
    public record Forecast(String series, String model, List<Period> periods, Backtest.Score chosen,
                           Backtest.Score naive, List<Backtest.Score> scores, double margin, Backtest.Score withMargin,
                           double[] values) {
    }

    public Forecast forecast(String name, BucketSeries history, long[] future, Duration testWindow) {
        int n = history.size();
        long bucket = history.grid().bucketSeconds();
        Duration span = Duration.ofSeconds(n * bucket);
        requireDenseVariedHistory(name, history, span, testWindow);
        List<Period> periods = Seasonality.detect(history, n).found();
        requireLongEnoughForPeriods(name, periods, span, testWindow);
        int window = (int) Math.min(n - 1, testWindow.getSeconds() / bucket);
        int horizon = Math.max(1, future.length);
        Backtest.Score naive = Backtest.run(baseline, history, window, horizon, periods);
        List<Backtest.Score> scores = new ArrayList<>();
        ForecastModel best = null;
        Backtest.Score bestScore = null;
        for (ForecastModel m : candidates) {
            Backtest.Score sc = Backtest.run(m, history, window, horizon, periods);
            if (sc == null) {
                continue;
            }
            scores.add(sc);
            if (bestScore == null || sc.mape() < bestScore.mape()) {
                best = m;
                bestScore = sc;
            }
        }
        if (best == null || naive == null || bestScore.mape() >= naive.mape()) {
            throw new Refusal(Refusal.Kind.NO_MODEL, String.format(Locale.ROOT,
                    "traffic \"%s\": no model beat the naive baseline in the backtest (naive MAPE %s, best %s)", name,
                    naive == null ? "n/a" : percent(naive.mape()),
                    bestScore == null ? "none fitted" : bestScore.model() + " " + percent(bestScore.mape())));
        }
        double[] forecast = best.forecast(history, n, future, periods);
        if (forecast == null) {
            throw new Refusal(Refusal.Kind.NO_MODEL, String.format(Locale.ROOT,
                    "traffic \"%s\": model %s could not be fitted on the whole history", name, best.name()));
        }
        // Peaks above the typical one are what capacity must hold: raise the forecast by the margin that covered
        // COVERED_QUANTILE of the backtest's buckets (docs/predictive.md, "Safety margin").
        double margin = bestScore.safetyMargin(COVERED_QUANTILE, MAX_MARGIN);
        for (int i = 0; i < forecast.length; i++) {
            forecast[i] *= 1 + margin;
        }
        return new Forecast(name, best.name(), periods, bestScore, naive, scores, margin, bestScore.withMargin(margin),
                forecast);
    }

    /** Refuses a history no longer than the backtest window, with too many empty buckets, all zero, or flat. */
    private static void requireDenseVariedHistory(String name, BucketSeries history, Duration span,
                                                  Duration testWindow) {
        int n = history.size();
        int present = 0;
        double max = 0;
        List<Double> observed = new ArrayList<>();
        for (double v : history.peaks()) {
            if (!Double.isNaN(v)) {
                present++;
                max = Math.max(max, v);
                observed.add(v);
            }
        }
        if (span.compareTo(testWindow) <= 0) {
            throw tooShort(name, span, testWindow.plus(MIN_TRAINING), testWindow);
        }
        if (present < MIN_COVERAGE * n) {
            throw new Refusal(Refusal.Kind.GAPS, String.format(Locale.ROOT,
                    "traffic \"%s\": only %d of %d buckets have samples (at least %.0f%% needed)", name, present, n,
                    MIN_COVERAGE * 100));
        }
        if (max <= 0) {
            throw new Refusal(Refusal.Kind.ZERO, String.format(Locale.ROOT, "traffic \"%s\" is zero over the whole history", name));
        }
        double[] values = observed.stream().mapToDouble(Double::doubleValue).toArray();
        double mean = Backtest.meanOf(values, values.length);
        double sd = new StandardDeviation().evaluate(values);
        if (sd <= FLAT_VARIATION * Math.abs(mean)) {
            throw new Refusal(Refusal.Kind.FLAT, String.format(Locale.ROOT,
                    "traffic \"%s\" is flat (%.4g ± %.2g): there is nothing to predict", name, mean, sd));
        }
    }

    /** Refuses a history too short to train besides the backtest window, or shorter than two of its longest period. */
    private static void requireLongEnoughForPeriods(String name, List<Period> periods, Duration span,
                                                    Duration testWindow) {
        Duration needed = testWindow.plus(MIN_TRAINING);
        Period longest = periods.isEmpty() ? null : periods.get(periods.size() - 1);
        // Less than two days cannot rule out a daily cycle; it is still enough for a shorter period found in it (the
        // quick start's hourly traffic with its 24H history) when two of its cycles precede the backtest window.
        if (span.compareTo(needed) < 0 && (longest == null
                || span.minus(testWindow).compareTo(Duration.ofSeconds(2 * longest.seconds)) < 0)) {
            throw tooShort(name, span, needed, testWindow);
        }
        if (longest != null) {
            Duration neededForPeriod = Duration.ofSeconds(2 * longest.seconds);
            if (span.compareTo(neededForPeriod) < 0) {
                throw new Refusal(Refusal.Kind.TOO_SHORT, String.format(Locale.ROOT,
                        "traffic \"%s\": history of %s is too short for the period %s found: at least %s (two "
                                + "periods) is needed", name, human(span), longest.label, human(neededForPeriod)));
            }
        }
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    /** 3d, 36h, 90m, 45s: the largest unit that divides the duration. */
    public static String human(Duration d) {
        long s = d.getSeconds();
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    private static Refusal tooShort(String name, Duration span, Duration needed, Duration testWindow) {
        return new Refusal(Refusal.Kind.TOO_SHORT, String.format(Locale.ROOT,
                "traffic \"%s\": history of %s is too short: at least %s is needed (2 days to find or rule out a daily "
                        + "cycle plus the %s backtest window, or two cycles of a shorter period before that window)",
                name, human(span), human(needed), human(testWindow)));
    }

}
