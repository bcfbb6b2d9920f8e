package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.reactive.BehaviorHistory;
import io.kapacitystack.kapacity.reactive.BehaviorNormalizer;
import io.kapacitystack.kapacity.reactive.PodMetric;
import io.kapacitystack.kapacity.reactive.ReplicaCalculator;
import io.kapacitystack.kapacity.reactive.HpaBehavior;
import io.kapacitystack.kapacity.testing.Pods;
import io.kapacitystack.kapacity.testing.ReferenceHpa;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code migrate}: an HPA becomes an IHPA that scales as the HPA did. The last test runs the IHPA's reactive
 * decision path (the KubeHPA calculator and behavior, configured from the converted IHPA as the generator configures
 * them) and an independent transcription of the HPA controller's algorithm (Kubernetes pkg/controller/podautoscaler:
 * replica_calculator.go, horizontal.go; {@link ReferenceHpa}) on the same metrics, step by step.
 */
class HpaConversionTest {

    private static final String HPA = """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: web
              namespace: shop
            spec:
              scaleTargetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: web
              minReplicas: 2
              maxReplicas: 12
              metrics:
              - type: Resource
                resource:
                  name: cpu
                  target:
                    type: Utilization
                    averageUtilization: 50
              - type: Pods
                pods:
                  metric:
                    name: requests_per_second
                  target:
                    type: AverageValue
                    averageValue: "100"
              behavior:
                scaleUp:
                  stabilizationWindowSeconds: 0
                  tolerance: "0.05"
                  policies:
                  - type: Pods
                    value: 2
                    periodSeconds: 60
                scaleDown:
                  stabilizationWindowSeconds: 120
                  policies:
                  - type: Percent
                    value: 50
                    periodSeconds: 60
            """;

    @Test
    void metricsMinMaxBehaviorAndToleranceCarryOverAsTheyAre() {
        HorizontalPodAutoscaler hpa = Serialization.unmarshal(HPA, HorizontalPodAutoscaler.class);
        IntelligentHorizontalPodAutoscaler ihpa = HpaConversion.toIhpa(hpa, "0.08");
        assertEquals("web", ihpa.getMetadata().getName());
        assertEquals("shop", ihpa.getMetadata().getNamespace());
        assertEquals("Deployment", ihpa.getSpec().scaleTargetRef.kind);
        assertEquals("apps/v1", ihpa.getSpec().scaleTargetRef.apiVersion);
        assertEquals(2, ihpa.getSpec().minReplicas);
        assertEquals(12, ihpa.getSpec().maxReplicas);
        PortraitProvider p = ihpa.getSpec().portraitProviders.get(0);
        assertEquals("Reactive", p.dynamic.portraitType);
        assertEquals(2, p.dynamic.metrics.size());
        assertEquals(hpa.getSpec().getMetrics().get(0).getResource(), p.dynamic.metrics.get(0).resource);
        assertEquals(hpa.getSpec().getMetrics().get(1).getPods(), p.dynamic.metrics.get(1).pods);
        PortraitAlgorithm.KubeHPA kube = p.dynamic.algorithm.kubeHPA;
        assertEquals("0.08", kube.tolerance);
        assertEquals(hpa.getSpec().getBehavior(), kube.behavior, "behavior, per-direction tolerance included, as is");
        assertEquals(new Quantity("0.05"), kube.behavior.getScaleUp().getTolerance());
    }

    @Test
    void withoutBehaviorTheHpaControllersDefaultsAreWrittenOut() {
        HorizontalPodAutoscaler hpa = Serialization.unmarshal(HPA, HorizontalPodAutoscaler.class);
        hpa.getSpec().setBehavior(null);
        hpa.getSpec().setMinReplicas(null);
        IntelligentHorizontalPodAutoscaler ihpa = HpaConversion.toIhpa(hpa, null);
        var kube = ihpa.getSpec().portraitProviders.get(0).dynamic.algorithm.kubeHPA;
        assertEquals(1, ihpa.getSpec().minReplicas, "the API server's default minReplicas");
        assertEquals(HpaConversion.DEFAULT_TOLERANCE, kube.tolerance);
        assertNotNull(kube.behavior, "a KubeHPA portrait without behavior would skip the HPA's 300 s scale-down window");
        assertEquals(new HpaBehavior(HpaBehavior.DEFAULT_SCALE_UP, HpaBehavior.DEFAULT_SCALE_DOWN),
                HpaBehavior.of(kube.behavior));
    }

    @Test
    void autoscalingV1TargetCpuBecomesAUtilizationMetric() {
        var v1 = Serialization.unmarshal("""
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata: {name: rc-web, namespace: shop}
                spec:
                  scaleTargetRef: {apiVersion: v1, kind: ReplicationController, name: frontend}
                  maxReplicas: 5
                  targetCPUUtilizationPercentage: 75
                """, io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler.class);
        IntelligentHorizontalPodAutoscaler ihpa = HpaConversion.toIhpa(HpaConversion.fromV1(v1), null);
        var metric = ihpa.getSpec().portraitProviders.get(0).dynamic.metrics.get(0);
        assertEquals("cpu", metric.resource.getName());
        assertEquals(75, metric.resource.getTarget().getAverageUtilization());
        assertEquals("ReplicationController", ihpa.getSpec().scaleTargetRef.kind);
        assertEquals("v1", ihpa.getSpec().scaleTargetRef.apiVersion);
    }

    @Test
    void theMigratedIhpaDecidesAsTheHpaAlgorithmOnTheSameMetrics() {
        HorizontalPodAutoscaler hpa = Serialization.unmarshal(HPA, HorizontalPodAutoscaler.class);
        hpa.getSpec().setMetrics(List.of(hpa.getSpec().getMetrics().get(0)));   // CPU utilization only
        hpa.getSpec().getBehavior().getScaleUp().setTolerance(null);             // the cluster-wide tolerance only
        String clusterTolerance = "0.05";
        IntelligentHorizontalPodAutoscaler ihpa = HpaConversion.toIhpa(hpa, clusterTolerance);
        PortraitAlgorithm.KubeHPA kube = ihpa.getSpec().portraitProviders.get(0).dynamic.algorithm.kubeHPA;

        // the IHPA's reactive path, configured from the converted IHPA as ReactiveGenerator configures it
        ReplicaCalculator calculator = new ReplicaCalculator(Double.parseDouble(kube.tolerance), Duration.ofMinutes(5),
                Duration.ofSeconds(30));
        HpaBehavior behavior = HpaBehavior.of(kube.behavior);
        BehaviorHistory history = new BehaviorHistory();
        int target = ihpa.getSpec().portraitProviders.get(0).dynamic.metrics.get(0).resource.getTarget().getAverageUtilization();

        ReferenceHpa reference = new ReferenceHpa(hpa, 0.05);
        int ihpaReplicas = 2;
        int hpaReplicas = 2;
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        // per-pod CPU use (milli-cores, request 100m) every 15 s: up, a plateau inside the tolerance, a dip, back up
        long[] usage = {40, 52, 90, 120, 150, 150, 100, 52, 48, 30, 30, 30, 30, 30, 30, 30, 30, 30, 10, 10, 10, 10,
                10, 10, 10, 80, 200, 200, 200, 60, 53, 47, 20, 20, 20, 20, 20, 20, 20, 20};
        List<Integer> decisions = new ArrayList<>();
        for (int step = 0; step < usage.length; step++) {
            Instant now = t0.plusSeconds(15L * step);
            List<Pod> pods = new ArrayList<>();
            Map<String, PodMetric> metrics = new HashMap<>();
            for (int i = 0; i < ihpaReplicas; i++) {
                pods.add(Pods.running("shop", "web-" + i, "web", "100m", t0.minus(Duration.ofHours(1))));
                metrics.put("web-" + i, new PodMetric(usage[step], now, Duration.ofMinutes(1)));
            }
            int desired = calculator.resourceUtilizationReplicas(ihpaReplicas, target, "cpu", "", pods, metrics, now);
            int next = BehaviorNormalizer.normalize(history, behavior, ihpaReplicas, desired,
                    ihpa.getSpec().minReplicas, ihpa.getSpec().maxReplicas, now).replicas();
            int hpaNext = reference.step(hpaReplicas, usage[step], 100, now);
            assertEquals(hpaNext, next, "step " + step + " at " + usage[step] + "m per pod: HPA " + hpaReplicas
                    + " -> " + hpaNext + ", IHPA " + ihpaReplicas + " -> " + next + "; so far " + decisions);
            ihpaReplicas = next;
            hpaReplicas = hpaNext;
            decisions.add(next);
        }
        // the run went through limited scale-ups, a held scale-down and a rate-limited scale-down
        assertTrue(decisions.contains(12) || decisions.stream().anyMatch(d -> d >= 8), decisions.toString());
        assertTrue(decisions.get(decisions.size() - 1) < decisions.stream().max(Integer::compare).orElseThrow(),
                decisions.toString());
    }
}
