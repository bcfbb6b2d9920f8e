package io.kapacitystack.kapacity.predictive;

import org.hipparchus.stat.descriptive.rank.Median;
import org.hipparchus.stat.regression.OLSMultipleLinearRegression;

import java.util.ArrayList;
import java.util.List;

/**
 * Least-squares regression of the peaks on a linear trend and sine/cosine pairs of each period found (positions on the
 * local wall clock, so a DST change moves the daily shape with the clock). Fitted twice: the second time without the
 * points whose residual exceeds {@link #OUTLIER_MADS} robust deviations, so spikes do not bend the curve.
 */
public final class HarmonicRegressionModel implements ForecastModel {

    public static final String NAME = "harmonic-regression";
    static final double OUTLIER_MADS = 4.0;

    /** Harmonics used per period: enough for a sharp daily peak, few for the weekly shape. */
    static int harmonics(Period p, int bucketsPerPeriod) {
        int wanted = switch (p) {
            case HOUR -> 3;
            case DAY -> 8;
            case WEEK -> 3;
        };
        return Math.max(0, Math.min(wanted, (bucketsPerPeriod - 1) / 2));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] forecast(BucketSeries s, int end, long[] future, List<Period> periods) {
        List<double[]> rows = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        long origin = s.starts().length > 0 ? s.starts()[0] : 0;
        for (int i = 0; i < end; i++) {
            if (!Double.isNaN(s.peaks()[i])) {
                rows.add(features(s, s.starts()[i], origin, periods));
                ys.add(s.peaks()[i]);
            }
        }
        int columns = features(s, origin, origin, periods).length;
        if (rows.size() < 3 * (columns + 1)) {
            return null;
        }
        double[] beta = fit(rows, ys);
        if (beta == null) {
            return null;
        }
        double[] residuals = new double[rows.size()];
        for (int i = 0; i < residuals.length; i++) {
            residuals[i] = ys.get(i) - predict(beta, rows.get(i));
        }
        double[] abs = new double[residuals.length];
        Median median = new Median();
        double center = median.evaluate(residuals);
        for (int i = 0; i < abs.length; i++) {
            abs[i] = Math.abs(residuals[i] - center);
        }
        double mad = 1.4826 * median.evaluate(abs);
        if (mad > 0) {
            List<double[]> keptRows = new ArrayList<>();
            List<Double> keptYs = new ArrayList<>();
            for (int i = 0; i < residuals.length; i++) {
                if (Math.abs(residuals[i] - center) <= OUTLIER_MADS * mad) {
                    keptRows.add(rows.get(i));
                    keptYs.add(ys.get(i));
                }
            }
            if (keptRows.size() >= 3 * (columns + 1) && keptRows.size() < rows.size()) {
                double[] refit = fit(keptRows, keptYs);
                if (refit != null) {
                    beta = refit;
                }
            }
        }
        double[] out = new double[future.length];
        for (int i = 0; i < future.length; i++) {
            out[i] = Math.max(0, predict(beta, features(s, future[i], origin, periods)));
        }
        return out;
    }

    private static double[] fit(List<double[]> rows, List<Double> ys) {
        double[][] x = rows.toArray(new double[0][]);
        double[] y = new double[ys.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = ys.get(i);
        }
        try {
            OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
            ols.newSampleData(y, x);
            double[] beta = ols.estimateRegressionParameters();
            for (double b : beta) {
                if (!Double.isFinite(b)) {
                    return null;
                }
            }
            return beta;
        } catch (RuntimeException singular) {
            return null;
        }
    }

    /** beta[0] is the intercept (OLSMultipleLinearRegression adds it). */
    private static double predict(double[] beta, double[] row) {
        double v = beta[0];
        for (int j = 0; j < row.length; j++) {
            v += beta[j + 1] * row[j];
        }
        return v;
    }

    private static double[] features(BucketSeries s, long start, long origin, List<Period> periods) {
        List<Double> f = new ArrayList<>();
        f.add((start - origin) / 86_400.0);
        int offset = s.grid().offsetAt(start);
        for (Period p : periods) {
            int k = harmonics(p, s.bucketsPer(p));
            double angle = 2 * Math.PI * p.secondsInto(start, offset) / p.seconds;
            for (int h = 1; h <= k; h++) {
                f.add(Math.sin(h * angle));
                f.add(Math.cos(h * angle));
            }
        }
        double[] out = new double[f.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.get(i);
        }
        return out;
    }

}
