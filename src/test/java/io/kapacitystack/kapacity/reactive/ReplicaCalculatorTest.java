package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.levels;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.pod;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.pods;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.readyPods;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The HPA replica calculator against upstream's test vectors ({@code replica_calculator_test.go}; per-pod
 * requests of 1000m, levels are per-pod usage) and hand-computed cases for the rebalancing rules.
 */
class ReplicaCalculatorTest {

    private static final ReplicaCalculator CALC = new ReplicaCalculator(0.1, Duration.ofMinutes(5), Duration.ofSeconds(30));

    /** Pods p0..p(n-1) with the given Ready statuses, phases and deletion flags (null arrays = defaults). */
    private static List<Pod> podsWith(int n, String[] ready, String[] phase, boolean[] deleted) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ReactiveFixtures.P p = pod("p" + i);
            if (ready != null) {
                p.ready(ready[i]);
            }
            if (phase != null) {
                p.phase(phase[i]);
            }
            if (deleted != null && deleted[i]) {
                p.deleted();
            }
            out.add(p.build());
        }
        return out;
    }

    static Stream<Arguments> utilizationVectors() {
        String[] t = null;
        return Stream.of(
                // name, current, expected, pods, levels, target%
                Arguments.of("ScaleUp", 3, 5, readyPods(3), levels(300, 500, 700), 30),
                Arguments.of("ScaleUpUnreadyLessScale", 3, 4,
                        podsWith(3, new String[]{"False", "True", "True"}, t, null), levels(300, 500, 700), 30),
                Arguments.of("ScaleUpUnreadyNoScale", 3, 3,
                        podsWith(3, new String[]{"True", "False", "False"}, t, null), levels(400, 500, 700), 30),
                Arguments.of("ScaleUpIgnoresFailedPods", 2, 4,
                        podsWith(4, new String[]{"True", "True", "False", "False"},
                                new String[]{"Running", "Running", "Failed", "Failed"}, null), levels(500, 700), 30),
                Arguments.of("ScaleUpIgnoresDeletionPods", 2, 4,
                        podsWith(4, new String[]{"True", "True", "False", "False"}, t,
                                new boolean[]{false, false, true, true}), levels(500, 700), 30),
                Arguments.of("ScaleDown", 5, 3, readyPods(5), levels(100, 300, 500, 250, 250), 50),
                Arguments.of("ScaleDownIncludeUnreadyPods", 5, 2,
                        podsWith(5, new String[]{"True", "True", "True", "False", "False"}, t, null),
                        levels(100, 300, 500, 250, 250), 50),
                Arguments.of("ScaleDownExcludeUnscheduledPods", 5, 1,
                        podsWith(5, new String[]{"True", "False", "False", "False", "False"},
                                new String[]{"Running", "Pending", "Pending", "Pending", "Pending"}, null), levels(100), 50),
                Arguments.of("ScaleDownIgnoresFailedPods", 5, 3,
                        podsWith(7, new String[]{"True", "True", "True", "True", "True", "False", "False"},
                                new String[]{"Running", "Running", "Running", "Running", "Running", "Failed", "Failed"}, null),
                        levels(100, 300, 500, 250, 250), 50),
                Arguments.of("Tolerance", 3, 3, readyPods(3), levels(1020, 1010, 1030), 100),
                // spec §6.3.1 example: 1 pod listed, request 1000m, usage 1500m, target 30 -> 5 (spec.replicas 10)
                Arguments.of("SpecExampleOnePod", 10, 5, readyPods(1), levels(1500), 30),
                // utilization is an integer division: 3027*100/3000 = 100 (not 100.9) -> 2.0 -> 6 (7 without truncation)
                Arguments.of("IntegerUtilization", 3, 6, readyPods(3), levels(1009, 1009, 1009), 50)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("utilizationVectors")
    void utilizationVectors(String name, int current, int expected, List<Pod> pods, Map<String, PodMetric> metrics, int target) {
        assertEquals(expected, CALC.resourceUtilizationReplicas(current, target, "cpu", "", pods, metrics, NOW));
    }

    @Test
    void missingMetricsScaleUpCountsMissingPodsAsZero() {
        // 1800/2000 = 90% of 50 -> 1.8; with p2 at 0: 1800/3000 = 60% -> 1.2 -> ceil(1.2 * 3) = 4
        assertEquals(4, CALC.resourceUtilizationReplicas(3, 50, "cpu", "", readyPods(3), levels(900, 900), NOW));
    }

    @Test
    void missingMetricsScaleDownCountsMissingPodsAsFullRequest() {
        // 200/2000 = 10% of 80 -> 0.125; with p2 at 1000m: 1200/3000 = 40% -> 0.5 -> ceil(0.5 * 3) = 2
        assertEquals(2, CALC.resourceUtilizationReplicas(3, 80, "cpu", "", readyPods(3), levels(100, 100), NOW));
    }

    @Test
    void missingMetricsThatWouldFlipDirectionKeepCurrent() {
        // 200/2000 = 10% of 50 -> 0.2; with p2, p3 at full request: 2200/4000 = 55% -> 1.1: flips -> current
        assertEquals(4, CALC.resourceUtilizationReplicas(4, 50, "cpu", "", readyPods(4), levels(100, 100), NOW));
    }

    @Test
    void rebalancedCountAgainstTheDirectionKeepsCurrent() {
        // 100/1000 = 10% of 80 -> 0.125; p1, p2 at full request: 2100/3000 = 70% -> 0.875 -> ceil(2.625) = 3 > current 1
        assertEquals(1, CALC.resourceUtilizationReplicas(1, 80, "cpu", "", readyPods(3), levels(100), NOW));
    }

    @Test
    void missingMetricsAtExactlyTargetAddNothing() {
        // 1000/2000 = 50% of 50 -> 1.0; missing p2 gets nothing -> ratio stays 1.0 -> current
        assertEquals(3, CALC.resourceUtilizationReplicas(3, 50, "cpu", "", readyPods(3), levels(500, 500), NOW));
    }

    @Test
    void cpuInitializationPeriodIgnoresHotSamples() {
        Instant hotStart = NOW.minus(Duration.ofMinutes(1));
        List<Pod> pods = pods(pod("p0").started(hotStart).transition(hotStart), pod("p1"), pod("p2"));
        // p0 got ready 60 s ago; its sample (taken 30 s ago over 60 s) still covers unready time -> unready
        Map<String, PodMetric> m = new LinkedHashMap<>(levels(300, 500, 700));
        m.put("p0", new PodMetric(300, NOW.minusSeconds(30), Duration.ofMinutes(1)));
        // ready: 1200/2000 = 60% of 30 -> 2.0 > 1 with unready -> p0 at 0 -> 1200/3000 = 40% -> 1.33 -> 4
        assertEquals(4, CALC.resourceUtilizationReplicas(3, 30, "cpu", "", pods, m, NOW));
        // the same sample taken after a full window since readiness counts
        m.put("p0", new PodMetric(300, NOW, Duration.ofSeconds(30)));
        assertEquals(5, CALC.resourceUtilizationReplicas(3, 30, "cpu", "", pods, m, NOW));
        // memory has no initialization rules: the hot pod counts
        assertEquals(5, CALC.resourceUtilizationReplicas(3, 30, "memory", "", pods(
                pod("p0").started(hotStart).transition(hotStart).container("app", "memory", "1"),
                pod("p1").container("app", "memory", "1"), pod("p2").container("app", "memory", "1")),
                levels(300, 500, 700), NOW));
    }

    @Test
    void afterInitializationAPodThatWasReadyOnceCounts() {
        // Ready=False now, but it became (un)ready 10 min after start, i.e. it had been ready: counted
        List<Pod> pods = pods(pod("p0").ready("False").transition(ReactiveFixtures.COOL_START.plus(Duration.ofMinutes(10))),
                pod("p1"), pod("p2"));
        assertEquals(5, CALC.resourceUtilizationReplicas(3, 30, "cpu", "", pods, levels(300, 500, 700), NOW));
        // Ready=False since start (+30 s readiness delay not reached): unready
        List<Pod> never = pods(pod("p0").ready("False").transition(ReactiveFixtures.COOL_START.plusSeconds(10)),
                pod("p1"), pod("p2"));
        assertEquals(4, CALC.resourceUtilizationReplicas(3, 30, "cpu", "", never, levels(300, 500, 700), NOW));
    }

    @Test
    void podWithoutReadyConditionOrStartTimeIsUnreadyForCpu() {
        List<Pod> pods = pods(pod("p0").ready(null), pod("p1").started(null), pod("p2"));
        // only p2 ready: 700/1000 = 70% of 30 -> 2.33 > 1 with unready -> p0, p1 at 0: 700/3000 = 23% -> 0.766 -> flips -> 3
        assertEquals(3, CALC.resourceUtilizationReplicas(3, 30, "cpu", "", pods, levels(300, 500, 700), NOW));
    }

    @Test
    void containerResourceUsesOnlyThatContainersRequest() {
        List<Pod> pods = pods(
                pod("p0").container("app", "cpu", "500m").container("sidecar", "cpu", "2"),
                pod("p1").container("app", "cpu", "500m").container("sidecar", "cpu", "2"));
        // app container: 500/1000 = 50% of 25 -> 2.0 -> 4
        assertEquals(4, CALC.resourceUtilizationReplicas(2, 25, "cpu", "app", pods, levels(250, 250), NOW));
        // whole pods: 500/5000 = 10% of 25 -> 0.4 -> ceil(0.8) = 1
        assertEquals(1, CALC.resourceUtilizationReplicas(2, 25, "cpu", "", pods, levels(250, 250), NOW));
    }

    @Test
    void rawResourceValue() {
        // average 500m per pod, target 250m -> 2.0 -> 6
        assertEquals(6, CALC.rawResourceReplicas(3, 250, "cpu", readyPods(3), levels(300, 500, 700), NOW));
        // integer average: (1+1+2)/3 = 1 -> ratio 1.0 -> current
        assertEquals(3, CALC.rawResourceReplicas(3, 1, "memory", readyPods(3), levels(1, 1, 2), NOW));
    }

    @Test
    void podsMetricVectors() {
        // upstream TestReplicaCalcScaleUpCM: avg 20000 of 15000 -> 4
        assertEquals(4, CALC.podsMetricReplicas(3, 15000, readyPods(3), levels(20000, 10000, 30000), NOW));
        // TestReplicaCalcScaleDownCM: 12000 of 20000 -> ceil(0.6 * 5) = 3
        assertEquals(3, CALC.podsMetricReplicas(5, 20000, readyPods(5), levels(12000, 12000, 12000, 12000, 12000), NOW));
        // TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: Ready=False is not unready for a non-cpu metric -> 6
        assertEquals(6, CALC.podsMetricReplicas(3, 15000,
                podsWith(3, new String[]{"True", "True", "False"}, null, null), levels(50000, 10000, 30000), NOW));
        // missing on scale-up: p2 at 0: (20000+20000+0)/3 = 13333 of 10000 -> ceil(1.333 * 3) = 4
        assertEquals(4, CALC.podsMetricReplicas(3, 10000, readyPods(3), levels(20000, 20000), NOW));
        // missing on scale-down: p2 at the target: (2000+2000+10000)/3 = 4666 of 10000 -> ceil(0.4666 * 3) = 2
        assertEquals(2, CALC.podsMetricReplicas(3, 10000, readyPods(3), levels(2000, 2000), NOW));
        // at exactly the target a missing pod gets nothing (upstream since v1.28; v1.25 counted it as 0 and gave 2)
        assertEquals(3, CALC.podsMetricReplicas(3, 10000, readyPods(3), levels(10000, 10000), NOW));
        // Pending pods are unready and get 0 on a scale-up: (30000+0)/2 = 15000 of 10000 -> 3
        assertEquals(3, CALC.podsMetricReplicas(1, 10000,
                podsWith(2, null, new String[]{"Running", "Pending"}, null), levels(30000), NOW));
    }

    @Test
    void objectAndExternalVectors() {
        List<Pod> three = readyPods(3);
        // TestReplicaCalcScaleUpCMObject: 20000 of 15000, 3 ready -> 4
        assertEquals(4, CALC.objectValueReplicas(3, 20000, 15000, three));
        // TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods: 50000 of 10000, 1 ready of 3 -> 5
        assertEquals(5, CALC.objectValueReplicas(3, 50000, 10000, podsWith(3, new String[]{"False", "True", "False"}, null, null)));
        // TestReplicaCalcScaleDownCMObject: 12000 of 20000, 5 ready -> 3
        assertEquals(3, CALC.objectValueReplicas(5, 12000, 20000, readyPods(5)));
        // TestReplicaCalcScaleUpCMPerPodObject: 20000 / 5000 -> 4 (ratio 1.33 vs 3 replicas)
        assertEquals(4, CALC.objectAverageValueReplicas(3, 20000, 5000));
        // TestReplicaCalcScaleDownPerPodCMObject: 6000 / 2000 -> 3
        assertEquals(3, CALC.objectAverageValueReplicas(5, 6000, 2000));
        // within tolerance keeps statusReplicas: 6100 / (2000 * 3) = 1.016
        assertEquals(3, CALC.objectAverageValueReplicas(3, 6100, 2000));
        // TestReplicaCalcScaleUpCMExternal: 8600 of 4400, 1 ready -> 2
        assertEquals(2, CALC.externalValueReplicas(1, List.of(8600L), 4400, readyPods(1)));
        // TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods: 1 ready of 3 -> ceil(1.95) = 2
        assertEquals(2, CALC.externalValueReplicas(3, List.of(8600L), 4400, podsWith(3, new String[]{"False", "True", "False"}, null, null)));
        // TestReplicaCalcScaleDownCMExternal: 8600 of 14334 x 5 -> 3
        assertEquals(3, CALC.externalValueReplicas(5, List.of(8600L), 14334, readyPods(5)));
        // values are summed: 4000 + 4600 = 8600
        assertEquals(3, CALC.externalValueReplicas(5, List.of(4000L, 4600L), 14334, readyPods(5)));
        // TestReplicaCalcScaleUpPerPodCMExternal / ScaleDownPerPodCMExternal
        assertEquals(4, CALC.externalAverageValueReplicas(3, List.of(8600L), 2150));
        assertEquals(3, CALC.externalAverageValueReplicas(5, List.of(8600L), 2867));
        // current 0: scale from zero by the ratio alone, no pods needed
        assertEquals(2, CALC.externalValueReplicas(0, List.of(8600L), 4400, List.of()));
        // pods Running but not Ready do not count; no pods at all is an error
        ReplicaCalculationException e = assertThrows(ReplicaCalculationException.class,
                () -> CALC.objectValueReplicas(3, 20000, 15000, List.of()));
        assertEquals("unable to calculate ready pods: no pods returned by selector while calculating replica count", e.getMessage());
    }

    @Test
    void errors() {
        assertEquals(ReplicaCalculator.NO_PODS, assertThrows(ReplicaCalculationException.class,
                () -> CALC.resourceUtilizationReplicas(3, 50, "cpu", "", List.of(), levels(1), NOW)).getMessage());
        assertEquals(ReplicaCalculator.NO_READY_METRICS, assertThrows(ReplicaCalculationException.class,
                () -> CALC.resourceUtilizationReplicas(3, 50, "cpu", "",
                        podsWith(2, new String[]{"False", "False"}, null, null), levels(100, 100), NOW)).getMessage());
        assertEquals(ReplicaCalculator.NO_READY_METRICS, assertThrows(ReplicaCalculationException.class,
                () -> CALC.podsMetricReplicas(3, 50, readyPods(2), Map.of(), NOW)).getMessage());
        assertEquals("missing request for cpu in container app of Pod p0", assertThrows(ReplicaCalculationException.class,
                () -> CALC.resourceUtilizationReplicas(1, 50, "cpu", "",
                        pods(pod("p0").container("app", "memory", "1Gi")), levels(100), NOW)).getMessage());
        // requests summing to zero
        assertEquals(ReplicaCalculator.NO_MATCHING_METRICS, assertThrows(ReplicaCalculationException.class,
                () -> CALC.resourceUtilizationReplicas(1, 100, "cpu", "",
                        pods(pod("p0").container("app", "cpu", "0")), levels(100), NOW)).getMessage());
    }

    @Test
    void toleranceIsConfigurable() {
        ReplicaCalculator loose = new ReplicaCalculator(0.5, Duration.ofMinutes(5), Duration.ofSeconds(30));
        // 1400/1000 of target 100 -> 1.4: outside 0.1, inside 0.5
        assertEquals(5, CALC.resourceUtilizationReplicas(3, 100, "cpu", "", readyPods(3), levels(1400, 1400, 1400), NOW));
        assertEquals(3, loose.resourceUtilizationReplicas(3, 100, "cpu", "", readyPods(3), levels(1400, 1400, 1400), NOW));
    }
}
