package io.kapacitystack.kapacity.autoscaler;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Decides which HorizontalPortraits an IHPA's Dynamic providers need (upstream
 * controllers/autoscaling/intelligenthorizontalpodautoscaler_controller.go): one per portrait type, named
 * {@code <ihpa>-<portraitType>} in lower case, owned by the IHPA. Pure: given the IHPA and the portraits that exist,
 * it says what to create, which specs to replace and which to delete.
 *
 * <p>Unlike upstream, which remembers the providers it saw in memory, removed portraits are found by their owner
 * reference, so a provider removed while the controller was down is still cleaned up.
 */
public final class PortraitSync {

    /** What to write. {@code replace} maps a portrait name to its desired spec. */
    public record Plan(List<HorizontalPortraitSpec> create, Map<String, HorizontalPortraitSpec> replace,
                       List<String> delete, List<String> warnings) {
        public boolean isEmpty() {
            return create.isEmpty() && replace.isEmpty() && delete.isEmpty();
        }
    }

    /** The client's JSON conversion of a spec to plain maps and lists (kept as a function: planners hold no client). */
    private final Function<Object, Object> toPlainJson;

    public PortraitSync(Function<Object, Object> toPlainJson) {
        this.toPlainJson = toPlainJson;
    }

    /** The portraits the IHPA wants, by name, in provider order. The first provider of a portrait type wins. */
    public Map<String, HorizontalPortraitSpec> desired(IntelligentHorizontalPodAutoscaler ihpa, List<String> warnings) {
        Map<String, HorizontalPortraitSpec> desired = new LinkedHashMap<>();
        if (ihpa.getSpec().portraitProviders == null) {
            return desired;
        }
        for (PortraitProvider p : ihpa.getSpec().portraitProviders) {
            if (p.type != PortraitProvider.Type.Dynamic || p.dynamic == null || p.dynamic.portraitType == null
                    || p.dynamic.portraitType.isEmpty()) {
                continue;
            }
            String name = DynamicPortraitProviderEvaluator.portraitName(ihpa, p.dynamic.portraitType);
            if (desired.containsKey(name)) {
                warnings.add("more than one Dynamic provider of portrait type \"" + p.dynamic.portraitType
                        + "\": HorizontalPortrait \"" + name + "\" follows the first");
                continue;
            }
            HorizontalPortraitSpec spec = new HorizontalPortraitSpec();
            spec.scaleTargetRef = ihpa.getSpec().scaleTargetRef;
            spec.portraitType = p.dynamic.portraitType;
            spec.metrics = p.dynamic.metrics;
            spec.algorithm = p.dynamic.algorithm;
            desired.put(name, spec);
        }
        return desired;
    }

    /**
     * @param desired  what {@link #desired} returned, with its {@code warnings}
     * @param existing the HorizontalPortraits in the IHPA's namespace that either carry a desired name or are
     *                 controlled by this IHPA
     */
    public Plan plan(IntelligentHorizontalPodAutoscaler ihpa, Map<String, HorizontalPortraitSpec> desired,
                     List<String> warnings, List<GenericKubernetesResource> existing) {
        Map<String, GenericKubernetesResource> byName = new LinkedHashMap<>();
        for (GenericKubernetesResource hp : existing) {
            byName.put(hp.getMetadata().getName(), hp);
        }
        List<HorizontalPortraitSpec> create = new ArrayList<>();
        Map<String, HorizontalPortraitSpec> replace = new LinkedHashMap<>();
        List<String> delete = new ArrayList<>();
        for (Map.Entry<String, HorizontalPortraitSpec> e : desired.entrySet()) {
            GenericKubernetesResource current = byName.get(e.getKey());
            if (current == null) {
                create.add(e.getValue());
            } else if (KubeObjects.isDeleting(current)) {
                // Created again once the old one is gone (its deletion event requeues the IHPA).
                continue;
            } else if (!sameSpec(e.getValue(), current.getAdditionalProperties().get("spec"))) {
                replace.put(e.getKey(), e.getValue());
            }
        }
        String uid = ihpa.getMetadata().getUid();
        for (GenericKubernetesResource hp : existing) {
            OwnerReference owner = KubeObjects.controllerOf(hp, ihpa.getKind());
            boolean ours = owner != null && Objects.equals(owner.getUid(), uid);
            if (ours && !desired.containsKey(hp.getMetadata().getName()) && !KubeObjects.isDeleting(hp)) {
                delete.add(hp.getMetadata().getName());
            }
        }
        return new Plan(create, replace, delete, warnings);
    }

    /**
     * Compares with what the API server stores, which carries the CRD's defaults: the desired spec gets the same
     * defaults first, so a defaulted portrait is not rewritten on every reconcile (upstream's CronJob quirk).
     */
    boolean sameSpec(HorizontalPortraitSpec desired, Object stored) {
        Object want = toPlainJson.apply(withDefaults(desired));
        Object have = stored == null ? Map.of() : toPlainJson.apply(stored);
        return Objects.equals(want, have);
    }

    static HorizontalPortraitSpec withDefaults(HorizontalPortraitSpec spec) {
        if (spec.algorithm == null || spec.algorithm.kubeHPA == null) {
            return spec;
        }
        PortraitAlgorithm.KubeHPA given = spec.algorithm.kubeHPA;
        PortraitAlgorithm.KubeHPA k = new PortraitAlgorithm.KubeHPA();
        k.syncPeriod = given.syncPeriod != null ? given.syncPeriod : "15s";
        k.tolerance = given.tolerance != null ? given.tolerance : "0.1";
        k.cpuInitializationPeriod = given.cpuInitializationPeriod != null ? given.cpuInitializationPeriod : "5m";
        k.initialReadinessDelay = given.initialReadinessDelay != null ? given.initialReadinessDelay : "30s";
        k.behavior = given.behavior;
        PortraitAlgorithm a = new PortraitAlgorithm();
        a.type = spec.algorithm.type;
        a.kubeHPA = k;
        a.externalJob = spec.algorithm.externalJob;
        a.config = spec.algorithm.config;
        HorizontalPortraitSpec copy = new HorizontalPortraitSpec();
        copy.scaleTargetRef = spec.scaleTargetRef;
        copy.externalGeneratorName = spec.externalGeneratorName;
        copy.portraitType = spec.portraitType;
        copy.metrics = spec.metrics;
        copy.algorithm = a;
        return copy;
    }
}
