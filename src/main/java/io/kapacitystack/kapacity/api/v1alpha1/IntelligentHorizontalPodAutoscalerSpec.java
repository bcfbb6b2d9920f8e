package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IntelligentHorizontalPodAutoscalerSpec {
    @Required
    @JsonPropertyDescription("The workload to scale (apiVersion, kind and name of an object with a scale subresource, in the IHPA's namespace).")
    public CrossVersionObjectReference scaleTargetRef;
    @JsonPropertyDescription("When true, the IHPA keeps evaluating its portraits but changes nothing on the workload.")
    public Boolean paused;
    @Required
    @Min(0)
    @JsonPropertyDescription("The fewest replicas the IHPA sets. 0 allows scaling to zero (with a Reactive portrait only when it has an Object or External metric).")
    public Integer minReplicas;
    @Required
    @Min(0)
    @JsonPropertyDescription("The most replicas the IHPA sets.")
    public Integer maxReplicas;
    @Default("Auto")
    @JsonPropertyDescription("Auto scales the workload; Preview only computes and reports the replicas it would set.")
    public ScaleMode scaleMode;
    @Required
    @JsonPropertyDescription("Where replica recommendations come from. Each provider is Static, Cron or Dynamic; among the providers with a valid value the highest priority wins.")
    public List<PortraitProvider> portraitProviders;
    @JsonPropertyDescription("How a change is carried out: gray (step by step) scale-up and scale-down, and the ReplicaProfile behavior for pods.")
    public IntelligentHorizontalPodAutoscalerBehavior behavior;
    @JsonPropertyDescription("Checks meant to watch a gray step (stored; not evaluated yet).")
    public List<StabilityChecker> stabilityCheckers;

    public enum ScaleMode { Auto, Preview }

    public boolean isPaused() {
        return Boolean.TRUE.equals(paused);
    }

    public ScaleMode effectiveScaleMode() {
        return scaleMode == null ? ScaleMode.Auto : scaleMode;
    }
}
