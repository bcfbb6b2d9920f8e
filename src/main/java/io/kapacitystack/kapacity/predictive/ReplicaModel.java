package io.kapacitystack.kapacity.predictive;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.hipparchus.util.Pair;

import java.util.Arrays;
import java.util.Locale;

/**
 * Resource per replica learnt from history: per-pod resource = base + Σ cost_i × (traffic_i / pods), with every
 * coefficient non-negative (fitted by Hipparchus' Levenberg-Marquardt with negative parameters clamped to zero), as
 * Kapacity's linear policy (algorithm/kapacity/portrait/horizontal/predictive/replicas_estimation.py). The fit must
 * pass Kapacity's validation on the held-out last window: Pearson correlation ≥ the minimum with p &lt; 0.01, and mean
 * squared error ≤ the maximum on per-pod resource scaled so the largest is 100.
 * The replica count for a forecast is then the smallest n with base + Σ cost_i × traffic_i / n ≤ target.
 */
public final class ReplicaModel {

    /** Rows needed to fit and to validate. */
    static final int MIN_TRAIN_ROWS = 30;
    static final int MIN_TEST_ROWS = 10;
    static final double MAX_P_VALUE = 0.01;

    /** Coefficients and the validation figures. */
    public record Fit(double base, double[] costs, double correlation, double pValue, double mse, int trainRows,
                      int testRows) {

        /** Predicted per-pod resource with {@code traffic} spread over {@code pods}. */
        public double perPod(double[] traffic, double pods) {
            double v = base;
            for (int i = 0; i < costs.length; i++) {
                v += costs[i] * traffic[i] / pods;
            }
            return v;
        }

        /**
         * The smallest replica count keeping the per-pod resource at or below {@code target} for {@code traffic};
         * refuses when the base alone reaches the target or more than {@code maxReplicas} would be needed.
         */
        public int replicasFor(double[] traffic, double target, int maxReplicas) {
            double load = 0;
            for (int i = 0; i < costs.length; i++) {
                load += costs[i] * Math.max(0, traffic[i]);
            }
            if (load == 0) {
                return 1;
            }
            if (base >= target) {
                throw new Refusal(Refusal.Kind.UNREACHABLE, String.format(Locale.ROOT,
                        "the resource target %.4g per pod is unreachable: a pod uses %.4g without traffic", target, base));
            }
            long n = (long) Math.ceil(load / (target - base) - 1e-9);
            if (n > maxReplicas) {
                throw new Refusal(Refusal.Kind.UNREACHABLE, String.format(Locale.ROOT,
                        "the resource target %.4g per pod is unreachable: the forecast traffic needs %d replicas, more "
                                + "than %d", target, n, maxReplicas));
            }
            return (int) Math.max(1, n);
        }
    }

    private ReplicaModel() {
    }

    /**
     * Fits on the rows (aligned samples: total resource of ready pods, ready pods, each traffic series) whose
     * timestamp is before {@code testStart}, validates on the rest. Rows with a NaN or no ready pod are skipped.
     */
    public static Fit fit(long[] times, double[] resource, double[] pods, double[][] traffic, long testStart,
                          double minCorrelation, double maxMse) {
        PerPodRows rows = perPodRows(times, resource, pods, traffic);
        int train = rows.countBefore(times, testStart, true);
        int test = rows.countBefore(times, testStart, false);
        if (train < MIN_TRAIN_ROWS || test < MIN_TEST_ROWS) {
            throw new Refusal(Refusal.Kind.FIT_INVALID, String.format(Locale.ROOT,
                    "too few aligned samples of resource, ready pods and traffic to learn resource per replica: %d to "
                            + "fit and %d to validate (at least %d and %d needed)", train, test, MIN_TRAIN_ROWS,
                    MIN_TEST_ROWS));
        }
        PerPodRows trainRows = rows.select(times, testStart, true, train);
        PerPodRows testRows = rows.select(times, testStart, false, test);
        double[] beta = nonNegativeLeastSquares(trainRows.x(), trainRows.y());
        double[] costs = new double[traffic.length];
        System.arraycopy(beta, 1, costs, 0, traffic.length);
        double[] predicted = predict(beta[0], costs, testRows.x());
        double mse = scaledMse(testRows.y(), predicted, Math.max(maxOf(trainRows.y()), maxOf(testRows.y())));
        double[] correlation = correlationAndPValue(testRows.y(), predicted);
        double r = correlation[0];
        double p = correlation[1];
        Fit fit = new Fit(beta[0], costs, r, p, mse, train, test);
        if (!(r >= minCorrelation) || !(p < MAX_P_VALUE) || !(mse <= maxMse)) {
            throw new Refusal(Refusal.Kind.FIT_INVALID, String.format(Locale.ROOT,
                    "resource per replica failed validation on the held-out window: correlation %.3f (minimum %.2f), "
                            + "p-value %.3g (maximum %.2g), MSE %.3g (maximum %.3g, resource scaled to 100)", r,
                    minCorrelation, p, MAX_P_VALUE, mse, maxMse));
        }
        return fit;
    }

    /**
     * Per-pod rows: {@code x[r]} the traffic per pod and {@code y[r]} the resource per pod of row {@code r}, both null
     * / NaN-free only where {@code usable[r]}.
     */
    private record PerPodRows(double[][] x, double[] y, boolean[] usable) {

        /** Usable rows timed before {@code testStart} ({@code before}) or at/after it. */
        int countBefore(long[] times, long testStart, boolean before) {
            int count = 0;
            for (int r = 0; r < y.length; r++) {
                if (usable[r] && (times[r] < testStart) == before) {
                    count++;
                }
            }
            return count;
        }

        /** The {@code count} usable rows on one side of {@code testStart}, in time order, all usable. */
        PerPodRows select(long[] times, long testStart, boolean before, int count) {
            double[][] sx = new double[count][];
            double[] sy = new double[count];
            int a = 0;
            for (int r = 0; r < y.length; r++) {
                if (usable[r] && (times[r] < testStart) == before) {
                    sx[a] = x[r];
                    sy[a++] = y[r];
                }
            }
            boolean[] all = new boolean[count];
            Arrays.fill(all, true);
            return new PerPodRows(sx, sy, all);
        }
    }

    /** Divides resource and traffic by the ready pods; rows with a NaN or no ready pod are not usable. */
    private static PerPodRows perPodRows(long[] times, double[] resource, double[] pods, double[][] traffic) {
        int m = traffic.length;
        int rows = times.length;
        double[][] x = new double[rows][];
        double[] y = new double[rows];
        boolean[] usable = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            if (!(pods[r] > 0) || Double.isNaN(resource[r])) {
                continue;
            }
            double[] row = new double[m];
            boolean ok = true;
            for (int i = 0; i < m; i++) {
                if (Double.isNaN(traffic[i][r])) {
                    ok = false;
                    break;
                }
                row[i] = traffic[i][r] / pods[r];
            }
            if (!ok) {
                continue;
            }
            x[r] = row;
            y[r] = resource[r] / pods[r];
            usable[r] = true;
        }
        return new PerPodRows(x, y, usable);
    }

    private static double[] predict(double base, double[] costs, double[][] x) {
        double[] predicted = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = base;
            for (int j = 0; j < costs.length; j++) {
                v += costs[j] * x[i][j];
            }
            predicted[i] = v;
        }
        return predicted;
    }

    private static double maxOf(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** Mean squared error with per-pod resource scaled so {@code scale} becomes 100 (Kapacity's validation). */
    private static double scaledMse(double[] actual, double[] predicted, double scale) {
        double mse = 0;
        double k = scale > 0 ? 100 / scale : 1;
        for (int i = 0; i < actual.length; i++) {
            double d = (actual[i] - predicted[i]) * k;
            mse += d * d;
        }
        return mse / actual.length;
    }

    /** [Pearson r, its p-value], both NaN when either side is constant (the correlation is undefined). */
    private static double[] correlationAndPValue(double[] actual, double[] predicted) {
        if (!(variance(actual) > 0 && variance(predicted) > 0)) {
            return new double[] {Double.NaN, Double.NaN};
        }
        RealMatrix pair = new Array2DRowRealMatrix(actual.length, 2);
        pair.setColumn(0, actual);
        pair.setColumn(1, predicted);
        PearsonsCorrelation pc = new PearsonsCorrelation(pair);
        return new double[] {pc.getCorrelationMatrix().getEntry(0, 1), pc.getCorrelationPValues().getEntry(0, 1)};
    }

    private static double variance(double[] v) {
        double mean = Backtest.meanOf(v, v.length);
        double s = 0;
        for (double d : v) {
            s += (d - mean) * (d - mean);
        }
        return s;
    }

    /** [intercept, coefficients...], all ≥ 0. */
    static double[] nonNegativeLeastSquares(double[][] x, double[] y) {
        int rows = y.length;
        int cols = x[0].length + 1;
        RealMatrix design = new Array2DRowRealMatrix(rows, cols);
        for (int r = 0; r < rows; r++) {
            design.setEntry(r, 0, 1);
            for (int c = 1; c < cols; c++) {
                design.setEntry(r, c, x[r][c - 1]);
            }
        }
        double[] start = new double[cols];
        LeastSquaresProblem problem = new LeastSquaresBuilder()
                .model(params -> new Pair<RealVector, RealMatrix>(design.operate(params), design))
                .target(y)
                .start(start)
                .parameterValidator(params -> {
                    RealVector clamped = params.copy();
                    for (int i = 0; i < clamped.getDimension(); i++) {
                        clamped.setEntry(i, Math.max(0, clamped.getEntry(i)));
                    }
                    return clamped;
                })
                .maxEvaluations(1000)
                .maxIterations(1000)
                .build();
        LeastSquaresOptimizer.Optimum optimum = new LevenbergMarquardtOptimizer().optimize(problem);
        double[] beta = optimum.getPoint().toArray();
        for (int i = 0; i < beta.length; i++) {
            beta[i] = Math.max(0, beta[i]);
        }
        return beta;
    }

}
