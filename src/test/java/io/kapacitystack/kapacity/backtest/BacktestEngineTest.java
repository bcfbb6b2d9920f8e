package io.kapacitystack.kapacity.backtest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntBiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine and its figures on small traces computed by hand. */
class BacktestEngineTest {

    static final long T0 = 1767571200L; // 2026-01-05T00:00:00Z, a multiple of every tick used here
    private static final double EPS = 1e-9;

    /** A policy scripted by the test. */
    record Scripted(String name, long tickSeconds, ToIntBiFunction<Long, PolicyView> rule) implements Policy {
        @Override
        public int decide(long now, PolicyView view) {
            return rule.applyAsInt(now, view);
        }
    }

    private static Trace trace(long[] offsets, double[] values) {
        long[] t = new long[offsets.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = T0 + offsets[i];
        }
        return new Trace(t, values);
    }

    @Test
    void newPodsServeOnlyAfterTheStartupDelay() {
        // 100 demand from 0 to 660 s; one replica serves 50; the policy asks for 3 at 120 s; pods start in 60 s
        Trace t = trace(new long[]{0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600},
                new double[]{100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100});
        Workload w = new Workload(50, 0.5, Duration.ofSeconds(60), 1, 10, 1);
        Policy p = new Scripted("scripted", 60, (now, v) -> now == T0 + 120 ? 3 : v.desired());
        PolicyRun run = BacktestEngine.simulate(t, w, p, T0);
        assertEquals(1, run.desiredAt(T0 + 119));
        assertEquals(3, run.desiredAt(T0 + 120));
        assertEquals(1, run.readyAt(T0 + 179));
        assertEquals(3, run.readyAt(T0 + 180));
        Scores s = run.scores();
        assertEquals((120 * 1 + 540 * 3) / 3600.0, s.replicaHours(), EPS);
        assertEquals(3.0, s.underProvisionedMinutes(), EPS);          // [0, 180): capacity 50 < 100
        assertEquals(180.0 / 660, s.underProvisionedShare(), EPS);
        assertEquals(50.0 * 180 / (100.0 * 660), s.unservedShare(), EPS);
        assertEquals((50.0 * 180 + 100 * 480) / (50.0 * 180 + 150 * 480), s.meanUtilization(), EPS);
        assertEquals(1, s.scaleChanges());
        assertEquals(11.0, s.scoredMinutes(), EPS);
    }

    @Test
    void gapsAreNeitherSeenNorScored() {
        // samples at 0, 60, 120, then nothing until 600: [180, 600) is a gap
        Trace t = trace(new long[]{0, 60, 120, 600, 660}, new double[]{10, 10, 10, 200, 10});
        Workload w = new Workload(50, 1.0, Duration.ofSeconds(60), 1, 10, 1);
        List<double[]> seen = new ArrayList<>();
        Policy p = new Scripted("still", 60, (now, v) -> {
            seen.add(new double[]{now - T0, v.meanDemandSince(now - 60), v.seen()});
            return v.desired();
        });
        Scores s = BacktestEngine.simulate(t, w, p, T0).scores();
        assertEquals(5.0, s.scoredMinutes(), EPS);
        assertEquals(5 * 60 / 3600.0, s.replicaHours(), EPS);        // the gap's pods are not counted
        assertEquals(1.0, s.underProvisionedMinutes(), EPS);          // only the 200 at 600 s exceeds 50
        assertEquals(150.0 * 60 / (10 * 60 * 4 + 200 * 60), s.unservedShare(), EPS);
        for (double[] d : seen) {
            long at = (long) d[0];
            if (at == 60 || at == 120 || at == 180) {
                assertEquals(10.0, d[1], EPS, "window before " + at);
            } else if (at >= 240 && at <= 600) {
                assertTrue(Double.isNaN(d[1]), "no demand known in the window before " + at);
            } else if (at == 660) {
                assertEquals(200.0, d[1], EPS, "the window before 660 holds only the sample at 600");
            }
        }
        // the policy deciding at 600 has not seen the sample taken at 600
        assertTrue(seen.stream().anyMatch(d -> d[0] == 600 && d[2] == 3));
    }

    @Test
    void theOracleHasWhatEachInstantNeedsWithinTheBounds() {
        Trace t = trace(new long[]{0, 60, 120, 180}, new double[]{0, 12, 1000, 61});
        Workload w = new Workload(10, 0.5, Duration.ofSeconds(60), 2, 5, 2);
        StepSeries o = BacktestEngine.oracle(t, w);
        assertEquals(2, o.at(T0));          // 0 needs none: the minimum
        assertEquals(3, o.at(T0 + 60));     // ceil(12 / (10 * 0.5)) = 3
        assertEquals(5, o.at(T0 + 120));    // 200 needed, at most 5
        assertEquals(5, o.at(T0 + 180));    // ceil(61 / 5) = 13 -> 5
    }

    @Test
    void theHpaScalesUpByKubernetesArithmeticAndItsPodsServeAfterStartup() {
        // 100 demand, 50 per replica, target 50 %: one pod at 200 % -> 4 replicas at the first sync with metrics
        long[] offsets = new long[20];
        double[] values = new double[20];
        for (int i = 0; i < 20; i++) {
            offsets[i] = 60L * i;
            values[i] = 100;
        }
        Trace t = trace(offsets, values);
        Workload w = new Workload(50, 0.5, Duration.ofSeconds(60), 1, 3, 1);
        Backtest.Result r = Backtest.run(t, w, new Backtest.Options(List.of("oracle", "hpa"), null,
                BacktestTest.jobSettings(), null, Duration.ZERO));
        PolicyRun hpa = r.run("hpa");
        assertEquals(1, hpa.desiredAt(T0 + 14));
        // at 15 s the pod reports 200 % of its request against a 50 % target: ceil(4 * 1) = 4, capped at 3
        assertEquals(3, hpa.desiredAt(T0 + 15));
        assertEquals(1, hpa.readyAt(T0 + 74));
        assertEquals(3, hpa.readyAt(T0 + 75));
        assertEquals(3, r.run("oracle").desiredAt(T0)); // 4 needed, at most 3
        // never beyond the bounds
        for (long s = 0; s < 1200; s += 15) {
            assertTrue(hpa.desiredAt(T0 + s) >= 1 && hpa.desiredAt(T0 + s) <= 3);
        }
    }
}
