package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;

import java.time.Instant;

/** A fixed replica number; 0 is a valid value. */
public final class StaticPortraitEvaluator implements PortraitProviderEvaluator {

    public static final String PROVIDER = "Static";

    @Override
    public ProviderOutcome evaluate(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider provider, Instant now) {
        if (provider._static == null || provider._static.replicas == null) {
            return ProviderOutcome.error("a Static provider needs static.replicas");
        }
        return ProviderOutcome.value(new HorizontalPortraitValue(PROVIDER, provider._static.replicas, null), null);
    }
}
