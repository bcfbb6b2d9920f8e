package io.kapacitystack.kapacity.portrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.kube.ResourceCache;

import java.util.EnumMap;
import java.util.Map;

/**
 * The one wiring of the portrait provider evaluators: Static, Cron, and Dynamic read from the HorizontalPortraits.
 * The IHPA controller's planner and the console (its provider verdicts and the editor's preview) use the same
 * selector, so the console never shows a choice the controller would not make.
 */
public final class PortraitEvaluators {

    private PortraitEvaluators() {
    }

    /** The evaluator of each provider type; Dynamic providers read their portrait from {@code horizontalPortraits}. */
    public static Map<PortraitProvider.Type, PortraitProviderEvaluator> of(
            ResourceCache<GenericKubernetesResource> horizontalPortraits, KubernetesSerialization serialization) {
        Map<PortraitProvider.Type, PortraitProviderEvaluator> evaluators = new EnumMap<>(PortraitProvider.Type.class);
        evaluators.put(PortraitProvider.Type.Static, new StaticPortraitEvaluator());
        evaluators.put(PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator());
        evaluators.put(PortraitProvider.Type.Dynamic,
                new DynamicPortraitProviderEvaluator(horizontalPortraits, serialization));
        return evaluators;
    }

    /** A selector over {@link #of}: the priority merge of every provider of an IHPA. */
    public static PortraitSelector selector(ResourceCache<GenericKubernetesResource> horizontalPortraits,
                                            KubernetesSerialization serialization) {
        return new PortraitSelector(of(horizontalPortraits, serialization));
    }
}
