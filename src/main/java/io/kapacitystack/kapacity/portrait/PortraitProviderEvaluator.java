package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;

import java.time.Instant;

/** Turns one provider of an IHPA into a portrait value at an instant. Pure: reads only what it is given. */
public interface PortraitProviderEvaluator {

    ProviderOutcome evaluate(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider provider, Instant now);
}
