package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehaviorBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.levels;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.pod;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.pods;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.readyPods;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules today's Kubernetes HPA has and the v1.25 calculator Kapacity vendored lacks, as tables of cases taken
 * from upstream's {@code pkg/controller/podautoscaler/replica_calculator_test.go} and {@code horizontal_test.go}
 * (master), restated with this project's fixtures: per-pod cpu requests of 1000m unless a case says otherwise;
 * levels are per-pod usage in milli-units. Each case names the rule and what v1.25 would have answered.
 */
class TodaysHpaRulesTest {

    private static final Duration CPU_INIT = Duration.ofMinutes(5);
    private static final Duration READINESS = Duration.ofSeconds(30);
    private static final long MAX64 = Long.MAX_VALUE;
    private static final int MAX32 = Integer.MAX_VALUE;

    private static ReplicaCalculator calc(double down, double up) {
        return new ReplicaCalculator(new ReplicaCalculator.Tolerances(down, up), CPU_INIT, READINESS);
    }

    private static final ReplicaCalculator DEFAULT = calc(0.1, 0.1);

    // ---- KEP-4951: a tolerance per direction ----

    static Stream<Arguments> perDirectionTolerance() {
        return Stream.of(
                // name, scaleDown tolerance, scaleUp tolerance, pods, level per pod, target %, expected
                Arguments.of("5 % over target, default 10 % both ways: no change", 0.1, 0.1, 3, 1050, 100, 3),
                Arguments.of("5 % over target, scale-up tolerance 0: scale up", 0.1, 0.0, 3, 1050, 100, 4),
                Arguments.of("15 % under target, default: scale down", 0.1, 0.1, 10, 850, 100, 9),
                Arguments.of("15 % under target, scale-down tolerance 20 %: no change", 0.2, 0.1, 10, 850, 100, 10),
                Arguments.of("30 % over target, scale-up tolerance 50 %: no change", 0.0, 0.5, 10, 1300, 100, 10),
                Arguments.of("5 % under target, scale-down tolerance 0: scale down", 0.0, 0.5, 20, 950, 100, 19),
                Arguments.of("exactly at the upper edge 1.1 stays", 0.1, 0.1, 10, 1100, 100, 10),
                Arguments.of("exactly at the lower edge 0.9 stays", 0.1, 0.1, 10, 900, 100, 10)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void perDirectionTolerance(String name, double down, double up, int n, long level, int target, int expected) {
        long[] ls = new long[n];
        java.util.Arrays.fill(ls, level);
        assertEquals(expected, calc(down, up).resourceUtilizationReplicas(n, target, "cpu", "", readyPods(n), levels(ls), NOW));
    }

    static Stream<Arguments> tolerancesFromBehavior() {
        return Stream.of(
                Arguments.of("no behavior: Kapacity's kubeHPA.tolerance both ways", null, 0.2, 0.2, 0.2),
                Arguments.of("scaleUp.tolerance only", behavior(null, "0.05"), 0.1, 0.1, 0.05),
                Arguments.of("scaleDown.tolerance only", behavior("0.3", null), 0.1, 0.3, 0.1),
                Arguments.of("both, as quantities", behavior("250m", "0"), 0.1, 0.25, 0.0)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void tolerancesFromBehavior(String name, HorizontalPodAutoscalerBehavior b, double dflt, double down, double up) {
        assertEquals(new ReplicaCalculator.Tolerances(down, up), KubeHpaParams.tolerances(dflt, b));
    }

    @Test
    void aNegativeToleranceIsAnInvalidBehavior() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KubeHpaParams.tolerances(0.1, behavior("-0.1", null)));
        assertEquals("scaleDown.tolerance must be greater than or equal to 0", e.getMessage());
    }

    private static HorizontalPodAutoscalerBehavior behavior(String down, String up) {
        HorizontalPodAutoscalerBehaviorBuilder b = new HorizontalPodAutoscalerBehaviorBuilder();
        if (down != null) {
            b.withNewScaleDown().withTolerance(new Quantity(down)).endScaleDown();
        }
        if (up != null) {
            b.withNewScaleUp().withTolerance(new Quantity(up)).endScaleUp();
        }
        return b.build();
    }

    // ---- requests: sidecars, pod-level resources, a named container that is not there ----

    private static Pod withSidecar(String name, String restartPolicy) {
        Pod p = pod(name).container("app", "cpu", "500m").build();
        p.getSpec().setInitContainers(List.of(new ContainerBuilder().withName("proxy").withRestartPolicy(restartPolicy)
                .withNewResources().withRequests(Map.of("cpu", new Quantity("500m"))).endResources().build()));
        return p;
    }

    private static Pod withPodLevel(String name, String podCpu) {
        Pod p = pod(name).container("app", "cpu", "250m").build();
        return new PodBuilder(p).editSpec().withNewResources().withRequests(podCpu == null
                ? Map.of("memory", new Quantity("1Gi")) : Map.of("cpu", new Quantity(podCpu))).endResources().endSpec().build();
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                // name, pods, container, expected request of p0 (or the error)
                Arguments.of("a restartable init container (sidecar) counts", List.of(withSidecar("p0", "Always")), "", "1000"),
                Arguments.of("a plain init container does not", List.of(withSidecar("p0", null)), "", "500"),
                Arguments.of("pod-level requests replace the containers' sum", List.of(withPodLevel("p0", "2")), "", "2000"),
                Arguments.of("a named container wins over pod-level requests", List.of(withPodLevel("p0", "2")), "app", "250"),
                Arguments.of("pod-level resources without this resource", List.of(withPodLevel("p0", null)), "",
                        "error: missing pod-level request for cpu in Pod p0"),
                Arguments.of("a named container the pod lacks", readyPods(1), "nope",
                        "error: container nope not found in Pod p0")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void requests(String name, List<Pod> pods, String container, String expected) {
        Supplier<String> request = () -> String.valueOf(ReplicaCalculator.podRequests(pods, container, "cpu").get("p0"));
        if (expected.startsWith("error: ")) {
            assertEquals(expected.substring(7), assertThrows(ReplicaCalculationException.class, request::get).getMessage());
        } else {
            assertEquals(expected, request.get());
        }
    }

    // ---- pods without metrics, the ratio exactly 1, the direction guard ----

    static Stream<Arguments> missingPods() {
        return Stream.of(
                // name, calculation, expected (v1.25's answer in the name)
                Arguments.of("utilization target 150 %: a pod without a sample counts at 150 % of its request on a "
                                + "scale-down (v1.25: at 100 %, 3)",
                        (Supplier<Integer>) () -> DEFAULT.resourceUtilizationReplicas(4, 150, "cpu", "", readyPods(4),
                                levels(300), NOW), 4),
                Arguments.of("utilization target 50 %: still the whole request",
                        (Supplier<Integer>) () -> DEFAULT.resourceUtilizationReplicas(3, 80, "cpu", "", readyPods(3),
                                levels(100, 100), NOW), 2),
                Arguments.of("Pods metric at exactly its target: the missing pod adds nothing (v1.25: 2)",
                        (Supplier<Integer>) () -> DEFAULT.podsMetricReplicas(3, 10000, readyPods(3), levels(10000, 10000), NOW), 3),
                Arguments.of("Pods metric: a rebalanced count against the direction keeps the current one (v1.25: 3)",
                        (Supplier<Integer>) () -> DEFAULT.podsMetricReplicas(1, 1000, readyPods(3), levels(100), NOW), 1),
                Arguments.of("raw resource value: the same guard",
                        (Supplier<Integer>) () -> DEFAULT.rawResourceReplicas(1, 1000, "memory", readyPods(3), levels(100), NOW), 1)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void missingPods(String name, Supplier<Integer> calculation, int expected) {
        assertEquals(expected, calculation.get());
    }

    // ---- overflow at the limits of int64 and int32 ----

    static Stream<Arguments> overflow() {
        return Stream.of(
                Arguments.of("External Value: two series at int64's maximum sum to it, not to -2 (v1.25: 0 replicas)",
                        (Supplier<Integer>) () -> DEFAULT.externalValueReplicas(1, List.of(MAX64, MAX64), 1000, readyPods(1)), MAX32),
                Arguments.of("External Value at zero replicas, huge: int32's maximum",
                        (Supplier<Integer>) () -> DEFAULT.externalValueReplicas(0, List.of(MAX64, 1L), 1, List.of()), MAX32),
                Arguments.of("External AverageValue: int64 max + 1 saturates",
                        (Supplier<Integer>) () -> DEFAULT.externalAverageValueReplicas(2, List.of(MAX64, 1L), 1), MAX32),
                Arguments.of("Object AverageValue at int32's maximum replicas",
                        (Supplier<Integer>) () -> DEFAULT.objectAverageValueReplicas(MAX32, MAX64, 1), MAX32),
                Arguments.of("Object Value near int64 over a small target",
                        (Supplier<Integer>) () -> DEFAULT.objectValueReplicas(2, MAX64 - 1, 1, readyPods(2)), MAX32),
                Arguments.of("Pods metric: samples at int64's maximum average to it (v1.25 wrapped to a negative, 0)",
                        (Supplier<Integer>) () -> DEFAULT.podsMetricReplicas(2, 1000, readyPods(2), levels(MAX64, MAX64), NOW), MAX32),
                Arguments.of("Pods metric: one sample at int64's maximum and one at 0 average to half of it, no wrap",
                        (Supplier<Integer>) () -> DEFAULT.podsMetricReplicas(2, 1000, readyPods(2), levels(MAX64, 0), NOW), MAX32)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void overflow(String name, Supplier<Integer> calculation, int expected) {
        int replicas = calculation.get();
        assertEquals(expected, replicas);
        assertTrue(replicas >= 0);
    }

    @Test
    void utilizationBeyondInt32IsAnErrorNotAWrappedPercent() {
        ReplicaCalculationException e = assertThrows(ReplicaCalculationException.class, () ->
                DEFAULT.resourceUtilizationReplicas(2, 50, "cpu", "", readyPods(2), levels(MAX64, MAX64), NOW));
        assertEquals("resource utilization 922337203685477580 is outside the int32 range", e.getMessage());
    }

    @Test
    void aQuantityBeyondInt64IsHeldAtItsLimitNotAnException() {
        assertEquals(MAX64, ReplicaCalculator.milli(new Quantity("1e30")));
        assertEquals(Long.MIN_VALUE, ReplicaCalculator.milli(new Quantity("-1e30")));
    }

    @Test
    void aPodsScaleUpPolicyAtInt32sMaximumDoesNotWrapNegative() {
        HpaBehavior.Rules podsOnly = new HpaBehavior.Rules(0, HpaBehavior.Select.MAX,
                List.of(new HpaBehavior.Policy(HpaBehavior.PolicyType.PODS, 4, 15)));
        assertEquals(MAX32, BehaviorNormalizer.scaleUpLimit(MAX32, new BehaviorHistory(), podsOnly, NOW));
        HpaBehavior.Rules downPods = new HpaBehavior.Rules(0, HpaBehavior.Select.MIN,
                List.of(new HpaBehavior.Policy(HpaBehavior.PolicyType.PODS, 4, 15)));
        assertEquals(Integer.MIN_VALUE, BehaviorNormalizer.scaleDownLimit(Integer.MIN_VALUE, new BehaviorHistory(), downPods, NOW));
    }

    // ---- reported values ----

    static Stream<Arguments> reported() {
        ReplicaCalculator c1 = calc(0.1, 0.1);
        ReplicaCalculator c2 = calc(0.1, 0.1);
        ReplicaCalculator c3 = calc(0.1, 0.1);
        ReplicaCalculator c4 = calc(0.1, 0.1);
        Map<String, PodMetric> withStray = levels(500, 500);
        withStray.put("stray", PodMetric.of(9000));
        return Stream.of(
                Arguments.of("utilization: the raw average over the pods that counted, not a stray sample (v1.25 text: 3333m)",
                        (Runnable) () -> c1.resourceUtilizationReplicas(2, 50, "cpu", "", readyPods(2), withStray, NOW), c1,
                        "50% (500m)"),
                Arguments.of("utilization: the integer percent upstream computes (3027*100/3000 = 100)",
                        (Runnable) () -> c2.resourceUtilizationReplicas(3, 50, "cpu", "", readyPods(3), levels(1009, 1009, 1009), NOW),
                        c2, "100% (1009m)"),
                Arguments.of("AverageValue: usage per pod rounded up (1000m over 3 pods: 334m, v1.25: 333m)",
                        (Runnable) () -> c3.externalAverageValueReplicas(3, List.of(600L, 400L), 1000), c3, "334m (avg)"),
                Arguments.of("External Value: the saturated sum",
                        (Runnable) () -> c4.externalValueReplicas(1, List.of(MAX64, 5L), 1000, readyPods(1)), c4,
                        MAX64 + "m")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void reported(String name, Runnable calculation, ReplicaCalculator calc, String expected) {
        calculation.run();
        assertEquals(expected, calc.lastObserved());
    }

    // ---- the generator: scale to zero, the bounds first ----

    private final KubernetesSerialization yaml = new KubernetesSerialization();

    private HorizontalPortrait hp(String metrics) {
        String y = "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: HorizontalPortrait\n"
                + "metadata: {name: zero, namespace: default}\n"
                + "spec:\n  portraitType: Reactive\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                + "  algorithm: {type: KubeHPA}\n  metrics:\n" + metrics.indent(4);
        return yaml.unmarshal(y, HorizontalPortrait.class);
    }

    private static final String QUEUE = "- type: External\n  external: {metric: {name: queue}, target: {type: Value, value: '10'}}";
    private static final String CPU = "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}";

    /** A generator over fixed pods whose External metric {@code queue} answers {@code queue} (null: it fails). */
    private static ReactiveGenerator generator(List<Pod> pods, Double queue) {
        FixedMetrics m = new FixedMetrics();
        m.other = q -> q instanceof MetricQuery.External && queue != null
                ? Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), queue, Map.of(), Duration.ofMinutes(1))))
                : Future.failedFuture(MetricsException.notFound("no such metric"));
        return new ReactiveGenerator(m, ns -> pods, null);
    }

    private static ReactiveOutcome run(ReactiveGenerator g, HorizontalPortrait hp, int replicas, ReplicaBounds bounds) {
        return Await.result(g.generate(hp, new ScaleInfo(replicas, replicas, "app=web"), bounds, NOW), Duration.ofSeconds(10));
    }

    static Stream<Arguments> scaleToZero() {
        return Stream.of(
                // name, current replicas, queue value, bounds, extra metric, expected
                Arguments.of("min 0 and an External metric at 0: 0 (v1.25: 1)", 1, 0.0, new ReplicaBounds(0, 10), "", 0),
                Arguments.of("min 0, a workload at 0 woken by its metric: ceil(25/10) = 3", 0, 25.0, new ReplicaBounds(0, 10), "", 3),
                Arguments.of("min 0, at 0 and still idle: stays 0", 0, 0.0, new ReplicaBounds(0, 10), "", 0),
                Arguments.of("min 1: the floor of 1 stays", 1, 0.0, new ReplicaBounds(1, 10), "", 1),
                Arguments.of("no owning IHPA: Kapacity's floor of 1", 1, 0.0, null, "", 1),
                Arguments.of("min 0 with a Resource metric beside: still allowed by the External one", 1, 0.0,
                        new ReplicaBounds(0, 10), CPU, 0)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void scaleToZero(String name, int current, double queue, ReplicaBounds bounds, String extra, int expected) {
        List<Pod> pods = current == 0 ? List.of() : List.of(pod("web-0").build());
        String metrics = extra.isEmpty() ? QUEUE : QUEUE + "\n" + extra;
        ReactiveGenerator g = extra.isEmpty() ? generator(pods, queue) : generatorWithCpu(pods, queue);
        ReactiveOutcome o = run(g, hp(metrics), current, bounds);
        assertNull(o.error(), () -> String.valueOf(o.error()));
        assertEquals(expected, o.replicas());
    }

    private static ReactiveGenerator generatorWithCpu(List<Pod> pods, double queue) {
        FixedMetrics m = new FixedMetrics();
        m.cpu("default", "web-0", Map.of("app", "web"), 0.0);
        m.other = q -> Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), queue, Map.of(), Duration.ofMinutes(1))));
        return new ReactiveGenerator(m, ns -> pods, null);
    }

    @Test
    void aResourceOnlyPortraitKeepsTheFloorOfOneEvenWithMinZero() {
        FixedMetrics m = new FixedMetrics();
        m.cpu("default", "web-0", Map.of("app", "web"), 0.0);
        List<Pod> pods = List.of(pod("web-0").labels(Map.of("app", "web")).build());
        ReactiveOutcome o = run(new ReactiveGenerator(m, ns -> pods, null), hp(CPU), 1, new ReplicaBounds(0, 10));
        assertEquals(1, o.replicas()); // with no pod left, nothing could read the metric that wakes it
    }

    static Stream<Arguments> boundsFirst() {
        return Stream.of(
                // name, current, bounds, queue (null: the metric fails), expected, ScalingLimited reason
                Arguments.of("above max with a failing metric: max (v1.25: an error, left at 12)", 12, new ReplicaBounds(1, 10), null, 10, "TooManyReplicas"),
                Arguments.of("below min with a failing metric: min", 1, new ReplicaBounds(3, 10), null, 3, "TooFewReplicas"),
                Arguments.of("above max with a metric asking for more: max, metric not read", 12, new ReplicaBounds(1, 10), 500.0, 10, "TooManyReplicas"),
                Arguments.of("at zero below min 2: min", 0, new ReplicaBounds(2, 10), 0.0, 2, "TooFewReplicas")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void boundsFirst(String name, int current, ReplicaBounds bounds, Double queue, int expected, String reason) {
        ReactiveOutcome o = run(generator(List.of(pod("web-0").build()), queue), hp(QUEUE), current, bounds);
        assertNull(o.error());
        assertEquals(expected, o.replicas());
        HpaCondition limited = o.conditions().stream().filter(c -> HpaCondition.SCALING_LIMITED.equals(c.type()))
                .findFirst().orElseThrow();
        assertEquals(reason, limited.reason());
        assertTrue(limited.status());
    }
}
