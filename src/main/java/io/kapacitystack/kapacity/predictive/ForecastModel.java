package io.kapacitystack.kapacity.predictive;

import java.util.List;

/**
 * A way to forecast per-bucket peaks: fitted on the first {@code end} buckets of a series, it gives a value for each
 * future bucket start. Stateless, so the backtest can refit at every origin.
 */
public interface ForecastModel {

    String name();

    /**
     * Forecast for {@code future} bucket starts, fitted on buckets {@code [0, end)} of {@code history}, knowing the
     * periods found. Returns null when the model cannot be fitted on that data.
     */
    double[] forecast(BucketSeries history, int end, long[] future, List<Period> periods);
}
