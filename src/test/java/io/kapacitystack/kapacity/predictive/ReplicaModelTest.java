package io.kapacitystack.kapacity.predictive;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resource per replica learnt from generated workloads: 0.05 cores per pod plus 0.002 cores per request/s. */
class ReplicaModelTest {

    static final int ROWS = 3 * 1440;
    static final long TEST_START = 2 * 1440 * 60L;

    /** Rows of a workload whose pods follow the traffic (as a reactive scaler would keep them). */
    static double[][] workload(double base, double[] costs, double noise, long seed) {
        Random rnd = new Random(seed);
        double[] pods = new double[ROWS];
        double[] resource = new double[ROWS];
        double[][] traffic = new double[costs.length][ROWS];
        for (int r = 0; r < ROWS; r++) {
            double hour = (r % 1440) / 60.0;
            double load = 0;
            for (int i = 0; i < costs.length; i++) {
                traffic[i][r] = 200 + 800 * Math.exp(-Math.pow(hour - 13 - i, 2) / 18) + 20 * rnd.nextGaussian();
                load += costs[i] * traffic[i][r];
            }
            pods[r] = Math.max(1, Math.ceil(load / 0.5));
            resource[r] = pods[r] * base + load + noise * rnd.nextGaussian() * pods[r];
        }
        double[][] out = new double[2 + costs.length][];
        out[0] = resource;
        out[1] = pods;
        System.arraycopy(traffic, 0, out, 2, costs.length);
        return out;
    }

    static long[] minutes() {
        long[] t = new long[ROWS];
        for (int r = 0; r < ROWS; r++) {
            t[r] = r * 60L;
        }
        return t;
    }

    static ReplicaModel.Fit fit(double[][] w, int traffics) {
        double[][] traffic = new double[traffics][];
        System.arraycopy(w, 2, traffic, 0, traffics);
        return ReplicaModel.fit(minutes(), w[0], w[1], traffic, TEST_START, 0.9, 10);
    }

    @Test
    void learnsTheBaseAndTheCostOfEachTrafficSeries() {
        ReplicaModel.Fit f = fit(workload(0.05, new double[]{0.002, 0.001}, 0.003, 1), 2);
        assertEquals(0.05, f.base(), 0.005);
        assertEquals(0.002, f.costs()[0], 0.0002);
        assertEquals(0.001, f.costs()[1], 0.0002);
        assertTrue(f.correlation() > 0.95, "held-out correlation " + f.correlation());
    }

    @Test
    void coefficientsAreNeverNegative() {
        // The second series is unrelated to the resource and anti-correlated with the first: plain least squares
        // would give it a negative cost, that is fewer pods for more traffic.
        double[][] w = workload(0.05, new double[]{0.002}, 0.003, 2);
        double[][] with = new double[][]{w[0], w[1], w[2], new double[ROWS]};
        for (int r = 0; r < ROWS; r++) {
            with[3][r] = 2000 - w[2][r];
        }
        ReplicaModel.Fit f = fit(with, 2);
        assertTrue(f.costs()[1] >= 0 && f.base() >= 0 && f.costs()[0] > 0, java.util.Arrays.toString(f.costs()));
    }

    @Test
    void replicasAreTheSmallestCountKeepingTheTarget() {
        ReplicaModel.Fit f = new ReplicaModel.Fit(0.05, new double[]{0.002}, 1, 0, 0, 100, 100);
        // 1000 req/s cost 2 cores; with a 0.25-core target each pod has 0.2 for traffic: 10 pods, not 9.
        assertEquals(10, f.replicasFor(new double[]{1000}, 0.25, 100));
        assertTrue(f.perPod(new double[]{1000}, 10) <= 0.25 + 1e-12);
        assertTrue(f.perPod(new double[]{1000}, 9) > 0.25);
        assertEquals(1, f.replicasFor(new double[]{0}, 0.25, 100));
        assertEquals(1, f.replicasFor(new double[]{10}, 0.25, 100));
    }

    @Test
    void aTargetBelowTheIdleUsageIsUnreachable() {
        ReplicaModel.Fit f = new ReplicaModel.Fit(0.05, new double[]{0.002}, 1, 0, 0, 100, 100);
        Refusal idle = assertThrows(Refusal.class, () -> f.replicasFor(new double[]{1000}, 0.04, 100));
        assertEquals(Refusal.Kind.UNREACHABLE, idle.kind());
        Refusal many = assertThrows(Refusal.class, () -> f.replicasFor(new double[]{1000}, 0.0501, 100));
        assertTrue(many.getMessage().contains("more than 100"), many.getMessage());
    }

    @Test
    void aResourceUnrelatedToTrafficFailsValidation() {
        double[][] w = workload(0.05, new double[]{0.002}, 0.003, 3);
        Random rnd = new Random(4);
        for (int r = 0; r < ROWS; r++) {
            w[0][r] = w[1][r] * (0.3 + 0.2 * rnd.nextDouble());
        }
        Refusal e = assertThrows(Refusal.class, () -> fit(w, 1));
        assertEquals(Refusal.Kind.FIT_INVALID, e.kind());
        assertTrue(e.getMessage().contains("failed validation on the held-out window"), e.getMessage());
    }

    @Test
    void tooFewAlignedSamplesAreRefused() {
        double[][] w = workload(0.05, new double[]{0.002}, 0.003, 5);
        for (int r = 0; r < ROWS - 5; r++) {
            w[1][r] = 0;
        }
        Refusal e = assertThrows(Refusal.class, () -> fit(w, 1));
        assertTrue(e.getMessage().contains("too few aligned samples"), e.getMessage());
    }

    @Test
    void resultDataIsKapacitysFormatWithIntegerKeys() {
        long[] starts = {1695290400, 1695291000, 1695291600};
        assertEquals("{\"1695290400\":3,\"1695291000\":5,\"1695291600\":4}",
                ResultData.timeSeriesJson(starts, new int[]{3, 5, 4}, 0));
        assertEquals("{\"1695290400\":3,\"1695290940\":5,\"1695291600\":4}",
                ResultData.timeSeriesJson(starts, new int[]{3, 5, 4}, 60), "scale-ups labelled earlier");
        assertEquals("2023-09-21T10:30:00.00Z", ResultData.expireTime(1695291600, 600));
        assertArrayEquals(new String[]{"type", "refused", "generatedAt"},
                ResultData.refusal("no", java.time.Instant.EPOCH).keySet().toArray(new String[0]));
    }
}
