package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.predictive.PredictOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BacktestTest {

    static final long T0 = BacktestEngineTest.T0;

    /** The predict job's defaults with the quick start's short history (24 h, a 1-hour backtest window). */
    static PredictiveSettings jobSettings() {
        PredictOptions o = PredictOptions.parse(new String[]{"--re-history-len=24H",
                "--re-test-dataset-size-in-seconds=3600"}, Map.of("HP_NAMESPACE", "n", "HP_NAME", "h"));
        return PredictiveSettings.of(Duration.ofMinutes(30), o);
    }

    /** A 1-hour wave between 50 and 500 at 1-minute steps (no noise), {@code hours} long. */
    static Trace hourlyWave(int hours) {
        int n = hours * 60;
        long[] t = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = T0 + 60L * i;
            v[i] = 50 + 450 * (1 - Math.cos(2 * Math.PI * i / 60.0)) / 2;
        }
        return new Trace(t, v);
    }

    @Test
    void noPolicySeesTheFutureATraceAndItsTruncationAgreeOnTheirCommonPrefix() {
        Trace full = hourlyWave(6);
        Trace cut = full.prefix(4 * 60 + 17); // cut in the middle of a wave, off the job's schedule
        Workload w = new Workload(50, 0.7, Duration.ofSeconds(60), 1, 30, 2);
        Backtest.Options o = new Backtest.Options(List.of("hpa", "predictive", "predictive+hpa"), null, jobSettings(),
                null, Duration.ZERO);
        Backtest.Result a = Backtest.run(full, w, o);
        Backtest.Result b = Backtest.run(cut, w, o);
        boolean predicted = false;
        for (String policy : List.of("hpa", "predictive", "predictive+hpa")) {
            PolicyRun x = a.run(policy);
            PolicyRun y = b.run(policy);
            for (long s = full.start(); s < cut.end(); s++) {
                assertEquals(x.desiredAt(s), y.desiredAt(s), policy + " replicas at " + (s - T0) + " s");
                assertEquals(x.readyAt(s), y.readyAt(s), policy + " ready pods at " + (s - T0) + " s");
            }
            predicted |= policy.startsWith("predictive") && x.desired.changesWithin(T0 + 3 * 3600, cut.end()) > 0;
        }
        // the predictive job did forecast within the compared prefix (else the comparison would prove little)
        assertTrue(predicted, "the predictive policies scaled after the job's first forecast");
        assertTrue(a.run("predictive").note() == null || !a.run("predictive").note().contains("of 0 runs"));
    }

    @Test
    void sharingTheJobsForecastsBetweenPoliciesChangesNoneOfThem() {
        Trace t = hourlyWave(6);
        Workload w = new Workload(50, 0.7, Duration.ofSeconds(60), 1, 30, 2);
        Backtest.Result both = Backtest.run(t, w, new Backtest.Options(List.of("predictive", "predictive+hpa"), null,
                jobSettings(), null, Duration.ZERO));
        for (String policy : List.of("predictive", "predictive+hpa")) {
            Backtest.Result alone = Backtest.run(t, w, new Backtest.Options(List.of(policy), null, jobSettings(), null,
                    Duration.ZERO));
            PolicyRun x = both.run(policy);
            PolicyRun y = alone.run(policy);
            assertTrue(x.desired.changesWithin(T0 + 3 * 3600, t.end()) > 0, policy + " scaled on the job's forecasts");
            for (long s = t.start(); s < t.end(); s += 15) {
                assertEquals(y.desiredAt(s), x.desiredAt(s), policy + " replicas at " + (s - T0) + " s");
                assertEquals(y.readyAt(s), x.readyAt(s), policy + " ready pods at " + (s - T0) + " s");
            }
        }
    }

    /** A forecast computed ahead for a run instant is the one the job computes from what its view shows. */
    @Test
    void aPrefetchedForecastIsTheOneComputedAtTheRun() {
        Trace t = hourlyWave(6);
        PredictiveSettings job = jobSettings();
        long run = T0 + 5 * 3600;
        try (SharedForecasts shared = new SharedForecasts(t, job).join()) {
            var ahead = shared.at(run);
            var again = new SharedForecasts(t.prefix(t.countBefore(run)), job).compute(run);
            assertNull(ahead.refusal());
            assertEquals(again.used(), ahead.used());
            assertArrayEquals(again.future(), ahead.future());
            assertArrayEquals(again.forecasts().get(0).values(), ahead.forecasts().get(0).values());
        }
    }

    @Test
    void theCronPolicyFollowsTheIhpaAsWrittenWithTheControllersPlanner() throws Exception {
        IntelligentHorizontalPodAutoscaler ihpa = new KubernetesSerialization().unmarshal(
                Files.readString(Path.of("k8s-examples/cron-portrait-sample.yaml")), IntelligentHorizontalPodAutoscaler.class);
        Trace t = hourlyWave(2);
        Workload w = new Workload(50, 0.7, Duration.ofSeconds(60), 1, 10, 1);
        Backtest.Result r = Backtest.run(t, w, new Backtest.Options(List.of("cron"), null, jobSettings(), ihpa, Duration.ZERO));
        PolicyRun cron = r.run("cron");
        assertNotNull(cron);
        assertEquals(1, cron.desiredAt(T0 + 5 * 60));
        assertEquals(2, cron.desiredAt(T0 + 10 * 60));   // the rule boundary is a wake-up: exact to the second
        assertEquals(1, cron.desiredAt(T0 + 10 * 60 - 1));
        assertEquals(3, cron.desiredAt(T0 + 25 * 60));
        assertEquals(5, cron.desiredAt(T0 + 45 * 60));
        assertEquals(5, cron.desiredAt(T0 + 55 * 60));   // no rule in minutes 50-60: NoValidPortraitValue keeps 5
        assertEquals(1, cron.desiredAt(T0 + 65 * 60));
    }

    @Test
    void unknownPoliciesAndCronWithoutAnIhpaAreRefused() {
        Trace t = hourlyWave(1);
        Workload w = new Workload(50, 0.7, Duration.ofSeconds(60), 1, 10, 1);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Backtest.run(t, w,
                new Backtest.Options(List.of("magic"), null, jobSettings(), null, Duration.ZERO)));
        assertTrue(unknown.getMessage().contains("unknown policy \"magic\""));
        IllegalArgumentException cron = assertThrows(IllegalArgumentException.class, () -> Backtest.run(t, w,
                new Backtest.Options(List.of("cron"), null, jobSettings(), null, Duration.ZERO)));
        assertTrue(cron.getMessage().contains("--ihpa"));
    }
}
