package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmCronJob;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the console's pages show, read from the controllers' memory ({@link ControllerState}): the cached objects
 * converted to the model, the controller's own provider selection and planner, and the algorithm jobs' CronJobs.
 * Reads only memory, so it is safe on an event loop; the views render what it returns.
 */
final class ConsoleModel {

    private final ControllerState state;
    private final KubernetesSerialization serialization;
    private final CronPortraitEvaluator cron = new CronPortraitEvaluator();

    ConsoleModel(ControllerState state, KubernetesSerialization serialization) {
        this.state = state;
        this.serialization = serialization;
    }

    Instant now() {
        return state.clock().now();
    }

    KubernetesSerialization serialization() {
        return serialization;
    }

    IhpaPlanner planner() {
        return state.ihpaPlanner();
    }

    /** The metrics the controllers read, or null when the manager has none. */
    MetricsProvider metrics() {
        return state.metrics();
    }

    boolean exists(ObjectKey key) {
        return state.ihpaCache().get(key) != null;
    }

    GenericKubernetesResource rawIhpa(ObjectKey key) {
        return state.ihpaCache().get(key);
    }

    /** The IHPA converted to the model, or null when absent; a value the model cannot read throws InvalidObjectException. */
    IntelligentHorizontalPodAutoscaler ihpa(ObjectKey key) {
        GenericKubernetesResource raw = state.ihpaCache().get(key);
        return raw == null ? null : KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
    }

    /** The IHPA's ReplicaProfile, or null when absent or unreadable. */
    ReplicaProfile profile(ObjectKey key) {
        GenericKubernetesResource raw = state.replicaProfileCache().get(key);
        if (raw == null) {
            return null;
        }
        try {
            return KubeObjects.convert(serialization, raw, ReplicaProfile.class);
        } catch (KubeObjects.InvalidObjectException e) {
            return null;
        }
    }

    /** The HorizontalPortrait, or null when absent; a value the model cannot read throws InvalidObjectException. */
    HorizontalPortrait portrait(ObjectKey key) {
        GenericKubernetesResource raw = state.horizontalPortraitCache().get(key);
        return raw == null ? null : KubeObjects.convert(serialization, raw, HorizontalPortrait.class);
    }

    /** The CronJob running the portrait's ExternalJob algorithm, or null when there is none (or no job namespace). */
    CronJob algorithmCronJob(ObjectKey portrait) {
        ResourceCache<CronJob> jobs = state.algorithmCronJobs();
        String namespace = state.algorithmJobNamespace();
        if (jobs == null || namespace == null || namespace.isEmpty()) {
            return null;
        }
        return jobs.get(new ObjectKey(namespace, AlgorithmCronJob.name(portrait.namespace(), portrait.name())));
    }

    List<ObjectKey> keys(String namespace) {
        ResourceCache<GenericKubernetesResource> ihpas = state.ihpaCache();
        List<GenericKubernetesResource> raw = namespace == null || namespace.isEmpty() ? ihpas.list() : ihpas.list(namespace);
        List<ObjectKey> keys = new ArrayList<>();
        for (GenericKubernetesResource r : raw) {
            keys.add(ObjectKey.of(r));
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    List<String> namespaces() {
        return state.ihpaCache().list().stream().map(r -> r.getMetadata().getNamespace()).distinct().sorted().toList();
    }

    /** The controller's own selection among the IHPA's providers now (throws what the selector throws). */
    PortraitSelector.Selection selection(IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
        return state.portraitSelector().select(ihpa, now);
    }

    /** The name of the rule active now among {@code rules}, or null (none, or the rules do not evaluate). */
    String activeCronRule(List<ReplicaCron> rules, Instant now) {
        try {
            CronPortraitEvaluator.Evaluation ev = new CronPortraitProviderEvaluator(cron).evaluateRules(rules, now);
            return ev instanceof CronPortraitEvaluator.Active a ? a.name() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The next instant after {@code now} matching the cron expression in {@code zone} (throws on a bad expression). */
    Instant nextCronTime(String expression, ZoneId zone, Instant now) {
        return cron.schedule(expression, zone).next(now);
    }

    /** The chart's sample of one IHPA now: winning portrait replicas, profile online (spec, status). */
    ConsoleHub.Point sample(ObjectKey key, Instant now) {
        try {
            IntelligentHorizontalPodAutoscaler ihpa = ihpa(key);
            if (ihpa == null) {
                return null;
            }
            HorizontalPortraitValue v = ihpa.getStatus() == null ? null : ihpa.getStatus().currentPortraitValue;
            ReplicaProfile rp = profile(key);
            return new ConsoleHub.Point(now, v == null ? null : v.replicas,
                    rp == null || rp.getSpec() == null ? null : rp.getSpec().online(),
                    rp == null || rp.getStatus() == null ? null : rp.getStatus().onlineReplicas);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
