package io.kapacitystack.kapacity.predictive;

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
     * peak, and how many buckets were scored.
     */
    public record Score(String model, double mape, double underForecastRate, int points) {
    }

    private Backtest() {
    }

    /** Scores {@code model} on {@code series}; null when it could not be fitted at some origin. */
    public static Score run(ForecastModel model, BucketSeries series, int window, int horizon, List<Period> periods) {
        int n = series.size();
        int firstOrigin = Math.max(1, n - window);
        int step = Math.max(Math.max(1, horizon), (int) Math.ceil((double) (n - firstOrigin) / MAX_ORIGINS));
        double floor = 0.01 * meanOf(series.peaks(), n);
        double apeSum = 0;
        int apeCount = 0;
        int under = 0;
        int scored = 0;
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
                scored++;
                if (f[i] < actual) {
                    under++;
                }
                if (actual > floor && actual > 0) {
                    apeSum += Math.abs(f[i] - actual) / actual;
                    apeCount++;
                }
            }
        }
        if (scored == 0) {
            return null;
        }
        return new Score(model.name(), apeCount == 0 ? 0 : apeSum / apeCount, (double) under / scored, scored);
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
