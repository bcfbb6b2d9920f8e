package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IntelligentHorizontalPodAutoscalerSpec {
    @Required
    public CrossVersionObjectReference scaleTargetRef;
    public Boolean paused;
    @Required
    @Min(0)
    public Integer minReplicas;
    @Required
    @Min(0)
    public Integer maxReplicas;
    @Default("Auto")
    public ScaleMode scaleMode;
    @Required
    public List<PortraitProvider> portraitProviders;
    public IntelligentHorizontalPodAutoscalerBehavior behavior;
    public List<StabilityChecker> stabilityCheckers;

    public enum ScaleMode { Auto, Preview }

    public boolean isPaused() {
        return Boolean.TRUE.equals(paused);
    }

    public ScaleMode effectiveScaleMode() {
        return scaleMode == null ? ScaleMode.Auto : scaleMode;
    }
}
