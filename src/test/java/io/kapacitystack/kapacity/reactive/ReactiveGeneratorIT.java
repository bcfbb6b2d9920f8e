package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator end to end over a real pod cache (fabric8's mock API server feeding {@link ResourceCache}) and a
 * fixed-sample metrics source: parameters, metric types, errors as outcomes, behavior, conditions and batching.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReactiveGeneratorIT {

    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int TEAM_HPS = 20;

    private Vertx vertx;
    private MockCluster cluster;
    private ResourceCache<Pod> pods;
    private final KubernetesSerialization yaml = new KubernetesSerialization();

    @BeforeAll
    void startCluster() {
        vertx = Vertx.vertx();
        cluster = new MockCluster(vertx);
        List<Pod> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(pod("web-" + i).labels(WEB).build());
        }
        for (int i = 0; i < 2; i++) {
            all.add(pod("starting-" + i).labels(Map.of("app", "starting")).ready("False").build());
        }
        for (int i = 0; i < TEAM_HPS; i++) {
            all.add(pod("svc-" + i).ns("team").labels(Map.of("app", "svc-" + i, "tier", "team")).build());
        }
        for (Pod p : all) {
            cluster.client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
        }
        pods = new ResourceCache<>(cluster.client.pods(), null, null);
        Await.result(pods.start(), WAIT);
        Await.until("pods cached", () -> pods.list().size() == all.size());
        // the mock server keeps the status we created the pods with
        assertEquals("Running", pods.list("default").get(0).getStatus().getPhase());
    }

    @AfterAll
    void stopCluster() {
        pods.stop();
        cluster.close();
        vertx.close();
    }

    private FixedMetrics webCpu(double... cores) {
        FixedMetrics m = new FixedMetrics();
        for (int i = 0; i < cores.length; i++) {
            m.cpu("default", "web-" + i, WEB, cores[i]);
        }
        return m;
    }

    private HorizontalPortrait hp(String name, String algorithm, String metrics) {
        return hp("default", name, algorithm, metrics);
    }

    private HorizontalPortrait hp(String namespace, String name, String algorithm, String metrics) {
        String y = "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: HorizontalPortrait\n"
                + "metadata:\n  name: " + name + "\n  namespace: " + namespace + "\n"
                + "spec:\n  portraitType: Reactive\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                + "  algorithm:\n" + algorithm.indent(4) + "  metrics:\n" + metrics.indent(4);
        return yaml.unmarshal(y, HorizontalPortrait.class);
    }

    private static final String KUBE_HPA = "type: KubeHPA";
    private static final String CPU_30 = "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 30}}";

    private ReactiveOutcome run(ReactiveGenerator g, HorizontalPortrait hp, ScaleInfo scale, ReplicaBounds bounds, Instant now) {
        return Await.result(g.generate(hp, scale, bounds, now), WAIT);
    }

    private ReactiveOutcome run(FixedMetrics m, HorizontalPortrait hp, int specReplicas) {
        return run(new ReactiveGenerator(m, pods), hp, new ScaleInfo(specReplicas, specReplicas, "app=web"), null, NOW);
    }

    private static HpaCondition condition(ReactiveOutcome o, String type) {
        return o.conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }

    @Test
    void cpuUtilizationWithDefaults() {
        ReactiveOutcome o = run(webCpu(0.3, 0.5, 0.7), hp("cpu", KUBE_HPA, CPU_30), 3);
        assertNull(o.error());
        assertEquals(5, o.replicas());
        assertEquals(Duration.ofSeconds(15), o.syncPeriod());
        assertEquals(List.of(
                new HpaCondition("AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
                new HpaCondition("ScalingActive", true, "ValidMetricFound",
                        "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
                new HpaCondition("ScalingLimited", false, "DesiredWithinRange", "the desired count is within the acceptable range")),
                o.conditions());
    }

    @Test
    void parametersComeFromKubeHpa() {
        String algorithm = KUBE_HPA + "\nkubeHPA: {syncPeriod: 1m30s, tolerance: '0.5', cpuInitializationPeriod: 2m, initialReadinessDelay: 10s}";
        // 1500/3000 = 50% of 40 -> 1.25: a scale-up with tolerance 0.1, none with 0.5
        ReactiveOutcome o = run(webCpu(0.5, 0.5, 0.5), hp("params", algorithm,
                "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 40}}"), 3);
        assertEquals(3, o.replicas());
        assertEquals(Duration.ofSeconds(90), o.syncPeriod());
        o = run(webCpu(0.5, 0.5, 0.5), hp("params", KUBE_HPA,
                "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 40}}"), 3);
        assertEquals(4, o.replicas());
    }

    @Test
    void boundsWithoutBehaviorOnlyClamp() {
        ReactiveOutcome o = run(new ReactiveGenerator(webCpu(0.3, 0.5, 0.7), pods), hp("bounded", KUBE_HPA, CPU_30),
                new ScaleInfo(3, 3, "app=web"), new ReplicaBounds(1, 4), NOW);
        assertEquals(4, o.replicas());
        assertEquals(new HpaCondition("ScalingLimited", true, "TooManyReplicas",
                "the desired replica count is more than the maximum replica count"), condition(o, "ScalingLimited"));
    }

    @Test
    void everyMetricTypeAndTheLargestProposalWins() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        m.other = q -> {
            if (q instanceof MetricQuery.ObjectQuery o && o.groupKind().kind().equals("Pod")) {
                List<Sample> s = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    s.add(new Sample(NOW.toEpochMilli(), 20, Map.of("pod", "web-" + i), null));
                }
                return Future.succeededFuture(s);
            }
            if (q instanceof MetricQuery.ObjectQuery o) {
                return Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), 50, Map.of(), null)));
            }
            if (q instanceof MetricQuery.External) {
                return Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), 30, Map.of(), null),
                        new Sample(NOW.toEpochMilli(), 40, Map.of(), null)));
            }
            return Future.failedFuture(MetricsException.notFound("unexpected"));
        };
        String metrics = CPU_30 + "\n"
                + "- type: Pods\n  pods: {metric: {name: qps, selector: {matchLabels: {verb: GET}}}, target: {type: AverageValue, averageValue: '10'}}\n"
                + "- type: Object\n  object: {metric: {name: rps}, describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web}, target: {type: Value, value: '10'}}\n"
                + "- type: External\n  external: {metric: {name: queue, selector: {matchLabels: {q: jobs}}}, target: {type: AverageValue, averageValue: '10'}}";
        HorizontalPortrait hp = hp("all", KUBE_HPA, metrics);
        ReactiveOutcome o = run(new ReactiveGenerator(m, pods), hp, new ScaleInfo(3, 2, "app=web"), null, NOW);
        // cpu 5; pods 20 of 10 -> 6; object 50 of 10 x 3 ready -> 15; external (30+40)/10 -> 7
        assertEquals(15, o.replicas());
        assertEquals("the HPA was able to successfully calculate a replica count from Ingress metric rps",
                condition(o, "ScalingActive").message());
        assertTrue(m.queries.contains(new MetricQuery.ObjectQuery(new GroupKind("", "Pod"), "default", "",
                Selector.parse("app=web"), new MetricIdentifier("qps", Selector.parse("verb=GET")))), m.queries.toString());
        assertTrue(m.queries.contains(new MetricQuery.ObjectQuery(new GroupKind("networking.k8s.io", "Ingress"), "default", "web",
                null, new MetricIdentifier("rps", null))), m.queries.toString());
        assertTrue(m.queries.contains(new MetricQuery.External("default", new MetricIdentifier("queue", Selector.parse("q=jobs")))));
        // the external one alone
        o = run(new ReactiveGenerator(m, pods), hp("ext", KUBE_HPA, metrics.substring(metrics.indexOf("- type: External"))),
                new ScaleInfo(3, 2, "app=web"), null, NOW);
        assertEquals(7, o.replicas());
        assertEquals("the HPA was able to successfully calculate a replica count from external metric queue("
                + "&LabelSelector{MatchLabels:map[string]string{q: jobs,},MatchExpressions:[]LabelSelectorRequirement{},})",
                condition(o, "ScalingActive").message());
    }

    @Test
    void objectAverageValueUsesStatusReplicasAndExternalValueUsesReadyPods() {
        FixedMetrics m = new FixedMetrics();
        m.other = q -> Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), 12, Map.of(), null)));
        // Object AverageValue: 12 / (2 x status 6) = 1.0 -> keeps status replicas 6 (spec is 3)
        ReactiveOutcome o = run(new ReactiveGenerator(m, pods), hp("objavg", KUBE_HPA,
                "- type: Object\n  object: {metric: {name: rps}, describedObject: {apiVersion: v1, kind: Service, name: web}, target: {type: AverageValue, averageValue: '2'}}"),
                new ScaleInfo(3, 6, "app=web"), null, NOW);
        assertEquals(6, o.replicas());
        // upstream names this case "external metric" in its condition message
        assertEquals("the HPA was able to successfully calculate a replica count from external metric rps(nil)",
                condition(o, "ScalingActive").message());
        // External Value: 12 / 2 = 6 x 3 ready web pods = 18, whatever spec/status say
        o = run(new ReactiveGenerator(m, pods), hp("extval", KUBE_HPA,
                "- type: External\n  external: {metric: {name: queue}, target: {type: Value, value: '2'}}"),
                new ScaleInfo(5, 6, "app=web"), null, NOW);
        assertEquals(18, o.replicas());
        // spec replicas 0: scale from zero by the ratio alone
        o = run(new ReactiveGenerator(m, pods), hp("extval", KUBE_HPA,
                "- type: External\n  external: {metric: {name: queue}, target: {type: Value, value: '2'}}"),
                new ScaleInfo(0, 0, "app=web"), null, NOW);
        assertEquals(6, o.replicas());
    }

    @Test
    void kubeHpaFieldsThatAreAbsentOrInvalid() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        ReactiveOutcome o = run(m, hp("partialcfg", KUBE_HPA + "\nkubeHPA: {tolerance: '0.1'}", CPU_30), 3);
        assertEquals(Duration.ofSeconds(15), o.syncPeriod());
        assertEquals(5, o.replicas());
        o = run(m, hp("baddur", KUBE_HPA + "\nkubeHPA: {syncPeriod: 15 seconds}", CPU_30), 3);
        assertTrue(o.error().startsWith("invalid syncPeriod of KubeHPA algorithm: "), o.error());
        assertEquals("InvalidAlgorithm", condition(o, "ScalingActive").reason());
        o = run(m, hp("badpolicy", KUBE_HPA + "\nkubeHPA: {behavior: {scaleUp: {selectPolicy: Fastest}}}", CPU_30), 3);
        assertEquals("invalid behavior of KubeHPA algorithm: unknown selectPolicy \"Fastest\" (want Max, Min or Disabled)", o.error());
    }

    @Test
    void rawAndContainerResource() {
        FixedMetrics m = new FixedMetrics();
        for (int i = 0; i < 3; i++) {
            m.podValues.add(new FixedMetrics.PodValue("default", "web-" + i, WEB, "memory", "app", 512 * 1024 * 1024.0,
                    NOW, Duration.ofMinutes(1)));
        }
        // 512Mi average of a 256Mi target -> 6
        ReactiveOutcome o = run(m, hp("mem", KUBE_HPA,
                "- type: ContainerResource\n  containerResource: {name: memory, container: app, target: {type: AverageValue, averageValue: 256Mi}}"), 3);
        assertEquals(6, o.replicas());
        assertEquals("the HPA was able to successfully calculate a replica count from memory container resource",
                condition(o, "ScalingActive").message());
        // 512Mi of a 1Gi request = 50% of 25 -> 6
        o = run(m, hp("memu", KUBE_HPA,
                "- type: ContainerResource\n  containerResource: {name: memory, container: app, target: {type: Utilization, averageUtilization: 25}}"), 3);
        assertEquals(6, o.replicas());
    }

    @Test
    void badInputBecomesAnErrorOutcomeWithConditions() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        ReactiveOutcome o = run(m, hp("unknown", KUBE_HPA, "- type: Magic"), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: unsupported metric source type \"Magic\"", o.error());
        assertNull(o.replicas());
        assertEquals(new HpaCondition("ScalingActive", false, "InvalidMetricSourceType",
                "the HPA was unable to compute the replica count: unsupported metric source type \"Magic\""), condition(o, "ScalingActive"));

        o = run(m, hp("empty", KUBE_HPA, "[]"), 3);
        assertEquals("invalid metrics (0 invalid out of 0), first error is: no metrics configured", o.error());

        o = run(m, hp("notarget", KUBE_HPA, "- type: Resource\n  resource: {name: cpu, target: {type: Utilization}}"), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: invalid resource metric source: neither an average "
                + "utilization target nor an average value (usage) target was set", o.error());
        assertEquals("FailedGetResourceMetric", condition(o, "ScalingActive").reason());

        o = run(m, hp("gpu", KUBE_HPA, "- type: Resource\n  resource: {name: nvidia.com/gpu, target: {type: Utilization, averageUtilization: 50}}"), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get nvidia.com/gpu utilization: "
                + "unable to get metrics for resource nvidia.com/gpu: unsupported resource \"nvidia.com/gpu\"", o.error());

        o = run(m, hp("algo", "type: ExternalJob", CPU_30), 3);
        assertEquals("unsupported algorithm type \"ExternalJob\"", o.error());

        o = run(m, hp("tol", KUBE_HPA + "\nkubeHPA: {tolerance: abc}", CPU_30), 3);
        assertEquals("failed to parse tolerance of KubeHPA algorithm to float64: strconv.ParseFloat: parsing \"abc\": invalid syntax", o.error());

        HorizontalPortrait good = hp("sel", KUBE_HPA, CPU_30);
        o = run(new ReactiveGenerator(m, pods), good, new ScaleInfo(3, 3, ""), null, NOW);
        assertEquals("failed to parse label selector \"\" of target's current scale: selector should not be empty", o.error());
        assertEquals(new HpaCondition("ScalingActive", false, "InvalidSelector", "the HPA target's scale is missing a selector"),
                condition(o, "ScalingActive"));
        o = run(new ReactiveGenerator(m, pods), good, new ScaleInfo(3, 3, "app in web"), null, NOW);
        assertTrue(o.error().startsWith("failed to parse label selector \"app in web\" of target's current scale: "), o.error());
        assertEquals("InvalidSelector", condition(o, "ScalingActive").reason());
    }

    @Test
    void noPodsAllUnreadyAndMissingMetrics() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        HorizontalPortrait cpu = hp("nopods", KUBE_HPA, CPU_30);
        ReactiveOutcome o = run(new ReactiveGenerator(m, pods), cpu, new ScaleInfo(3, 3, "app=nothing"), null, NOW);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: unable to get "
                + "metrics for resource cpu: no metrics returned from lastest pod resource metrics query", o.error());

        m.cpu("default", "starting-0", Map.of("app", "starting"), 0.9).cpu("default", "starting-1", Map.of("app", "starting"), 0.9);
        o = run(new ReactiveGenerator(m, pods), cpu, new ScaleInfo(2, 2, "app=starting"), null, NOW);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: did not receive "
                + "metrics for targeted pods (pods might be unready)", o.error());

        // web-2 has no sample: scale-up counts it as 0 -> 800/3000 = 26% of 20 -> 1.3 -> 4
        o = run(webCpu(0.3, 0.5), hp("missing", KUBE_HPA,
                "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 20}}"), 3);
        assertEquals(4, o.replicas());

        // object value with no pods behind the scale selector
        FixedMetrics obj = new FixedMetrics();
        obj.other = q -> Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), 50, Map.of(), null)));
        o = run(new ReactiveGenerator(obj, pods), hp("objnopods", KUBE_HPA,
                "- type: Object\n  object: {metric: {name: rps}, describedObject: {apiVersion: v1, kind: Service, name: web}, target: {type: Value, value: '10'}}"),
                new ScaleInfo(3, 3, "app=nothing"), null, NOW);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get object metric: unable to calculate "
                + "ready pods: no pods returned by selector while calculating replica count", o.error());
        assertEquals("FailedGetObjectMetric", condition(o, "ScalingActive").reason());
    }

    @Test
    void providerFailureIsAnOutcomeNeverAnException() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        m.failure = new MetricsException(MetricsException.Kind.UNAVAILABLE, "prometheus unreachable");
        ReactiveOutcome o = run(m, hp("down", KUBE_HPA, CPU_30), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: unable to get "
                + "metrics for resource cpu: failed to query lastest pod resource metrics: prometheus unreachable", o.error());
        assertEquals(new HpaCondition("ScalingActive", false, "FailedGetResourceMetric",
                "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for "
                        + "resource cpu: failed to query lastest pod resource metrics: prometheus unreachable"), condition(o, "ScalingActive"));

        o = run(m, hp("downpods", KUBE_HPA,
                "- type: Pods\n  pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: '10'}}"), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get pods metric: unable to get metric "
                + "qps: failed to query lastest pod metrics: prometheus unreachable", o.error());
        assertEquals("FailedGetPodsMetric", condition(o, "ScalingActive").reason());

        o = run(m, hp("downobj", KUBE_HPA,
                "- type: Object\n  object: {metric: {name: rps}, describedObject: {apiVersion: v1, kind: Service, name: web}, target: {type: Value, value: '10'}}"), 3);
        // upstream's arguments are out of order in this message; reproduced
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get object metric: unable to get metric "
                + "rps: Service on default web/failed to query lastest object metrics: prometheus unreachable", o.error());

        o = run(m, hp("downext", KUBE_HPA,
                "- type: External\n  external: {metric: {name: queue}, target: {type: Value, value: '10'}}"), 3);
        assertEquals("invalid metrics (1 invalid out of 1), first error is: failed to get external metric: unable to get "
                + "external metric default/queue/nil: failed to query lastest external metrics: prometheus unreachable", o.error());
        assertEquals("FailedGetExternalMetric", condition(o, "ScalingActive").reason());

        o = run(m, hp("downcontainer", KUBE_HPA,
                "- type: ContainerResource\n  containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 50}}"), 3);
        assertEquals("FailedGetContainerResourceMetric", condition(o, "ScalingActive").reason());
        assertTrue(o.error().endsWith("failed to query lastest container resource metrics: prometheus unreachable"), o.error());
    }

    @Test
    void someInvalidMetricsOnlyBlockScaleDown() {
        FixedMetrics m = webCpu(0.3, 0.5, 0.7);
        String metrics = "- type: Magic\n" + CPU_30;
        // cpu says 5 >= spec 3: fine despite the invalid one
        ReactiveOutcome o = run(m, hp("partial", KUBE_HPA, metrics), 3);
        assertEquals(5, o.replicas());
        assertEquals("ValidMetricFound", condition(o, "ScalingActive").reason());
        // cpu says 5 < spec 8: refuse to scale down on partial information
        o = run(m, hp("partial", KUBE_HPA, metrics), 8);
        assertEquals("invalid metrics (1 invalid out of 2), first error is: unsupported metric source type \"Magic\"", o.error());
        assertEquals("InvalidMetricSourceType", condition(o, "ScalingActive").reason());
    }

    @Test
    void behaviorIsAppliedPerHpAndForgotten() {
        // External AverageValue: 20 / 1 -> 20 replicas whatever the current count
        FixedMetrics m = new FixedMetrics();
        m.other = q -> Future.succeededFuture(List.of(new Sample(NOW.toEpochMilli(), 20, Map.of(), null)));
        String algorithm = KUBE_HPA + "\nkubeHPA:\n  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n"
                + "      selectPolicy: Max\n      policies:\n      - {type: Pods, value: 4, periodSeconds: 30}\n"
                + "      - {type: Percent, value: 10, periodSeconds: 60}";
        HorizontalPortrait hp = hp("behaved", algorithm,
                "- type: External\n  external: {metric: {name: load}, target: {type: AverageValue, averageValue: '1'}}");
        ReactiveGenerator g = new ReactiveGenerator(m, pods);
        ReplicaBounds bounds = new ReplicaBounds(20, 100);
        int current = 80;
        List<Integer> got = new ArrayList<>();
        for (int t = 0; t <= 60; t += 15) {
            ReactiveOutcome o = run(g, hp, new ScaleInfo(current, current, "app=web"), bounds, NOW.plusSeconds(t));
            current = o.replicas();
            got.add(current);
        }
        assertEquals(List.of(72, 72, 68, 68, 64), got);
        ReactiveOutcome o = run(g, hp, new ScaleInfo(64, 64, "app=web"), bounds, NOW.plusSeconds(75));
        assertEquals(new HpaCondition("ScalingLimited", true, "ScaleDownLimit",
                "the desired replica count is decreasing faster than the maximum scale rate"), condition(o, "ScalingLimited"));
        assertEquals(new HpaCondition("AbleToScale", true, "ReadyForNewScale", "recommended size matches current size"),
                condition(o, "AbleToScale"));
        assertEquals(1, g.historySize());
        g.forget(ObjectKey.of(hp));
        assertEquals(0, g.historySize());
        // without history the first step is the 10 % again
        assertEquals(57, run(g, hp, new ScaleInfo(64, 64, "app=web"), bounds, NOW.plusSeconds(90)).replicas());
    }

    @Test
    void batchingIssuesOneProviderQueryPerNamespaceAndSync() {
        FixedMetrics m = new FixedMetrics();
        for (int i = 0; i < TEAM_HPS; i++) {
            m.cpu("team", "svc-" + i, Map.of("app", "svc-" + i, "tier", "team"), 0.1 * (i % 10 + 1));
        }
        ReactiveGenerator batched = new ReactiveGenerator(m, pods);
        ReactiveGenerator unbatched = new ReactiveGenerator(m, pods, null);
        List<HorizontalPortrait> hps = new ArrayList<>();
        for (int i = 0; i < TEAM_HPS; i++) {
            hps.add(hp("team", "svc-" + i, KUBE_HPA,
                    "- type: Resource\n  resource: {name: cpu, target: {type: Utilization, averageUtilization: 10}}"));
        }
        for (int sync = 0; sync < 3; sync++) {
            Instant now = NOW.plusSeconds(15L * sync);
            List<Future<ReactiveOutcome>> batchedOut = new ArrayList<>();
            List<Future<ReactiveOutcome>> unbatchedOut = new ArrayList<>();
            for (int i = 0; i < TEAM_HPS; i++) {
                ScaleInfo scale = new ScaleInfo(1, 1, "app=svc-" + i);
                batchedOut.add(batched.generate(hps.get(i), scale, null, now.plusMillis(i * 10L)));
                unbatchedOut.add(unbatched.generate(hps.get(i), scale, null, now));
            }
            for (int i = 0; i < TEAM_HPS; i++) {
                ReactiveOutcome b = Await.result(batchedOut.get(i), WAIT);
                ReactiveOutcome u = Await.result(unbatchedOut.get(i), WAIT);
                // each HP sees only its own pod: 10 %..100 % of a 10 % target -> 1..10 replicas, same as unbatched
                assertEquals(i % 10 + 1, b.replicas(), "svc-" + i);
                assertEquals(u, b);
            }
            assertEquals(sync + 1, batched.batcher().providerQueries(), "batched queries after sync " + sync);
        }
        long teamWide = m.queries.stream().filter(q -> q instanceof MetricQuery.PodResource p
                && p.selector().isEmpty() && p.namespace().equals("team")).count();
        assertEquals(3, teamWide);
        assertEquals(3 * TEAM_HPS + 3, m.count(MetricQuery.PodResource.class));
    }
}
