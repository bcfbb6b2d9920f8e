package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicyBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRulesBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTargetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSourceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An HPA as an IHPA that scales the same way (docs/cli.md, "migrate"): one Dynamic Reactive portrait whose KubeHPA
 * algorithm is the HPA controller's, with the HPA's metrics, min/max and behavior (per-direction tolerance included)
 * as they are. An HPA without behavior gets the behavior the HPA controller applies then (Kubernetes' defaults),
 * written out: a KubeHPA portrait without behavior would apply the raw recommendation at once, as Kapacity does.
 */
public final class HpaConversion {

    /** kube-controller-manager's {@code --horizontal-pod-autoscaler-tolerance} default. */
    public static final String DEFAULT_TOLERANCE = "0.1";

    private HpaConversion() {
    }

    /**
     * @param tolerance the cluster's {@code --horizontal-pod-autoscaler-tolerance} (not part of the HPA object)
     */
    public static IntelligentHorizontalPodAutoscaler toIhpa(HorizontalPodAutoscaler hpa, String tolerance) {
        var hs = hpa.getSpec();
        if (hs == null || hs.getScaleTargetRef() == null) {
            throw new CliException("horizontalpodautoscaler " + AutoscaleSpec.quote(hpa.getMetadata().getName())
                    + " has no scaleTargetRef");
        }
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withName(hpa.getMetadata().getName())
                .withNamespace(hpa.getMetadata().getNamespace())
                .withAnnotations(Map.of("autoscaling.kapacitystack.io/migrated-from",
                        "horizontalpodautoscaler.autoscaling/" + hpa.getMetadata().getName())).build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        var ref = hs.getScaleTargetRef();
        spec.scaleTargetRef = new CrossVersionObjectReference(ref.getApiVersion(), ref.getKind(), ref.getName());
        spec.minReplicas = hs.getMinReplicas() == null ? 1 : hs.getMinReplicas();
        spec.maxReplicas = hs.getMaxReplicas();
        PortraitSpec reactive = new PortraitSpec();
        reactive.portraitType = "Reactive";
        reactive.metrics = new ArrayList<>();
        List<io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec> metrics = hs.getMetrics();
        if (metrics == null || metrics.isEmpty()) {
            // the HPA controller's default when no metric is given: 80 % of the CPU request
            MetricSpec cpu = new MetricSpec();
            cpu.type = "Resource";
            cpu.resource = new ResourceMetricSourceBuilder().withName("cpu").withTarget(new MetricTargetBuilder()
                    .withType("Utilization").withAverageUtilization(AutoscaleSpec.DEFAULT_CPU_PERCENT).build()).build();
            reactive.metrics.add(cpu);
        } else {
            for (var m : metrics) {
                MetricSpec out = new MetricSpec();
                out.type = m.getType();
                out.resource = m.getResource();
                out.pods = m.getPods();
                out.object = m.getObject();
                out.external = m.getExternal();
                out.containerResource = m.getContainerResource();
                reactive.metrics.add(out);
            }
        }
        reactive.algorithm = new PortraitAlgorithm();
        reactive.algorithm.type = "KubeHPA";
        reactive.algorithm.kubeHPA = new PortraitAlgorithm.KubeHPA();
        reactive.algorithm.kubeHPA.tolerance = tolerance == null ? DEFAULT_TOLERANCE : tolerance;
        reactive.algorithm.kubeHPA.behavior = hs.getBehavior() == null ? defaultBehavior()
                : Serialization.clone(hs.getBehavior());
        spec.portraitProviders = new ArrayList<>(List.of(AutoscaleSpec.dynamic(AutoscaleSpec.REACTIVE_PRIORITY, reactive)));
        ihpa.setSpec(spec);
        return ihpa;
    }

    /** An autoscaling/v1 HPA as the API server serves it in autoscaling/v2. */
    public static HorizontalPodAutoscaler fromV1(io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler v1) {
        HorizontalPodAutoscaler v2 = new HorizontalPodAutoscaler();
        v2.setMetadata(v1.getMetadata());
        var spec = new HorizontalPodAutoscalerSpec();
        var ref = v1.getSpec().getScaleTargetRef();
        spec.setScaleTargetRef(new io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference(
                ref.getApiVersion(), ref.getKind(), ref.getName()));
        spec.setMinReplicas(v1.getSpec().getMinReplicas());
        spec.setMaxReplicas(v1.getSpec().getMaxReplicas());
        if (v1.getSpec().getTargetCPUUtilizationPercentage() != null) {
            var m = new io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec();
            m.setType("Resource");
            m.setResource(new ResourceMetricSourceBuilder().withName("cpu").withTarget(new MetricTargetBuilder()
                    .withType("Utilization").withAverageUtilization(v1.getSpec().getTargetCPUUtilizationPercentage())
                    .build()).build());
            spec.setMetrics(List.of(m));
        }
        v2.setSpec(spec);
        return v2;
    }

    /** What the HPA controller does without a behavior (Kubernetes' defaults, autoscaling/v2 defaults.go). */
    static HorizontalPodAutoscalerBehavior defaultBehavior() {
        HorizontalPodAutoscalerBehavior b = new HorizontalPodAutoscalerBehavior();
        b.setScaleUp(new HPAScalingRulesBuilder().withStabilizationWindowSeconds(0).withSelectPolicy("Max")
                .withPolicies(new HPAScalingPolicyBuilder().withType("Percent").withValue(100).withPeriodSeconds(15).build(),
                        new HPAScalingPolicyBuilder().withType("Pods").withValue(4).withPeriodSeconds(15).build()).build());
        b.setScaleDown(new HPAScalingRulesBuilder().withStabilizationWindowSeconds(300).withSelectPolicy("Max")
                .withPolicies(new HPAScalingPolicyBuilder().withType("Percent").withValue(100).withPeriodSeconds(15).build())
                .build());
        return b;
    }
}
