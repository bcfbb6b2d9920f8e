package io.kapacitystack.kapacity.predictive;

import org.hipparchus.stat.descriptive.rank.Percentile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Walk-forward backtest over the last {@code window} buckets: from origins {@code horizon} buckets apart, the model is
 * fitted on everything before the origin and forecasts the next {@code horizon} buckets, as the job does at each run.
 * Errors are scored on the peaks actually observed.
 */
public final class Backtest {

    /** Most origins scored (spread evenly over the window), bounding the cost of long windows and short horizons. */
    static final int MAX_ORIGINS = 24;

    /**
     * Errors of one model: mean absolute percentage error over buckets whose actual peak is above 1% of the
     * series' mean (percentages of near-zero peaks say nothing), the share of buckets forecast below their actual
     * peak, and how many buckets were scored; with the forecast and actual peak of each scored bucket, from which
     * {@link #safetyMargin} is learnt and {@link #withMargin} rescored.
     */
    public record Score(String model, double mape, double underForecastRate, int points, double[] forecasts,
                        double[] actuals, double floor) {

        /** Every bucket scored, its forecast raised by {@code margin} (a fraction: 0.05 is 5 %). */
        public Score withMargin(double margin) {
            double[] raised = new double[forecasts.length];
            for (int i = 0; i < raised.length; i++) {
                raised[i] = forecasts[i] * (1 + margin);
            }
            return score(model, raised, actuals, floor);
        }

        /**
         * The smallest relative raise of the forecasts under which {@code quantile} of the buckets scored are not
         * under-forecast, between 0 and {@code max}. The models forecast the typical peak of each position (a median
         * or a least-squares fit), so about half of the buckets peak a little above it; raising by this quantile
         * of the backtest's relative residuals keeps most buckets covered at the cost of a few percent of capacity.
         */
        public double safetyMargin(double quantile, double max) {
            double[] needed = new double[actuals.length];
            for (int i = 0; i < needed.length; i++) {
                double a = actuals[i];
                double f = forecasts[i];
                needed[i] = a <= f ? 0 : f <= 0 ? max : Math.min(max, a / f - 1);
            }
            if (needed.length == 0) {
                return 0;
            }
            return Math.max(0, Math.min(max, new Percentile(quantile * 100)
                    .withEstimationType(Percentile.EstimationType.R_1).evaluate(needed)));
        }
    }

    private Backtest() {
    }

    /** Scores {@code model} on {@code series}; null when it could not be fitted at some origin. */
    public static Score run(ForecastModel model, BucketSeries series, int window, int horizon, List<Period> periods) {
        int n = series.size();
        int firstOrigin = Math.max(1, n - window);
        int step = Math.max(Math.max(1, horizon), (int) Math.ceil((double) (n - firstOrigin) / MAX_ORIGINS));
        double floor = 0.01 * meanOf(series.peaks(), n);
        List<Double> forecasts = new ArrayList<>();
        List<Double> actuals = new ArrayList<>();
        for (int origin = firstOrigin; origin < n; origin += step) {
            int len = Math.min(horizon, n - origin);
            long[] future = Arrays.copyOfRange(series.starts(), origin, origin + len);
            double[] f = model.forecast(series, origin, future, periods);
            if (f == null) {
                return null;
            }
            for (int i = 0; i < len; i++) {
                double actual = series.peaks()[origin + i];
                if (Double.isNaN(actual)) {
                    continue;
                }
                forecasts.add(f[i]);
                actuals.add(actual);
            }
        }
        if (actuals.isEmpty()) {
            return null;
        }
        return score(model.name(), forecasts.stream().mapToDouble(Double::doubleValue).toArray(),
                actuals.stream().mapToDouble(Double::doubleValue).toArray(), floor);
    }

    private static Score score(String model, double[] forecasts, double[] actuals, double floor) {
        double apeSum = 0;
        int apeCount = 0;
        int under = 0;
        for (int i = 0; i < actuals.length; i++) {
            double actual = actuals[i];
            if (forecasts[i] < actual) {
                under++;
            }
            if (actual > floor && actual > 0) {
                apeSum += Math.abs(forecasts[i] - actual) / actual;
                apeCount++;
            }
        }
        return new Score(model, apeCount == 0 ? 0 : apeSum / apeCount, (double) under / actuals.length,
                actuals.length, forecasts, actuals, floor);
    }

    static double meanOf(double[] v, int n) {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isNaN(v[i])) {
                sum += v[i];
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }
}
