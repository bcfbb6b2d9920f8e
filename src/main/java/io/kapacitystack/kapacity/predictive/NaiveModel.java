package io.kapacitystack.kapacity.predictive;

import java.util.Arrays;
import java.util.List;

/** The baseline every model must beat: the last observed bucket peak, carried forward (what a reactive scaler does). */
public final class NaiveModel implements ForecastModel {

    public static final String NAME = "naive";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] forecast(BucketSeries history, int end, long[] future, List<Period> periods) {
        for (int i = end - 1; i >= 0; i--) {
            double v = history.peaks()[i];
            if (!Double.isNaN(v)) {
                double[] out = new double[future.length];
                Arrays.fill(out, v);
                return out;
            }
        }
        return null;
    }
}
