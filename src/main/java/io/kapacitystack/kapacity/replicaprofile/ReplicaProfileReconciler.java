package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;
import io.kapacitystack.kapacity.runtime.ReconcileResult;
import io.kapacitystack.kapacity.runtime.Reconciler;
import io.kapacitystack.kapacity.workload.ScaleClient;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Makes a workload match its ReplicaProfile: reads the target's scale (fresh, never cached, so a replica count is
 * never applied twice from stale data), counts its running pods by state from the pod cache, rescales the target,
 * and keeps the profile's status and its {@code Applied}/{@code Ensured} conditions current.
 */
public final class ReplicaProfileReconciler implements Reconciler {

    public static final String COMPONENT = "replica_profile_controller";
    public static final ResourceDefinitionContext RP_CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(Constants.GROUP).withVersion(Constants.VERSION).withKind("ReplicaProfile")
            .withPlural("replicaprofiles").withNamespaced(true).build();

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final KubeExecutor executor;
    private final ResourceCache<GenericKubernetesResource> profiles;
    private final ResourceCache<Pod> pods;
    private final ScaleClient scales;
    private final EventRecorder recorder;
    private final ControllerMetrics metrics;
    /** Pod selector of each profile's target, learnt from its scale; maps pod events to profiles. */
    private final Map<ObjectKey, LabelSelectors.Selector> selectors = new ConcurrentHashMap<>();

    public ReplicaProfileReconciler(KubernetesClient client, KubeExecutor executor,
                                    ResourceCache<GenericKubernetesResource> profiles, ResourceCache<Pod> pods,
                                    ScaleClient scales, EventRecorder recorder, ControllerMetrics metrics) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.executor = executor;
        this.profiles = profiles;
        this.pods = pods;
        this.scales = scales;
        this.recorder = recorder;
        this.metrics = metrics;
    }

    /** The profiles whose target owns {@code pod}, for enqueueing on pod events. */
    public List<ObjectKey> profilesSelecting(Pod pod) {
        return selectors.entrySet().stream()
                .filter(e -> e.getKey().namespace().equals(pod.getMetadata().getNamespace())
                        && e.getValue().matches(pod.getMetadata().getLabels()))
                .map(Map.Entry::getKey).collect(Collectors.toList());
    }

    @Override
    public Future<ReconcileResult> reconcile(ReconcileContext ctx) {
        GenericKubernetesResource raw = profiles.get(ctx.key());
        if (raw == null) {
            selectors.remove(ctx.key());
            return Future.succeededFuture(ReconcileResult.done());
        }
        ReplicaProfile rp;
        try {
            rp = KubeObjects.convert(serialization, raw, ReplicaProfile.class);
        } catch (KubeObjects.InvalidObjectException e) {
            ctx.warn("cannot read ReplicaProfile: {}", e.getMessage());
            return recorder.record(raw, PlannedEvent.warning("InvalidSpec", "invalid spec: " + e.getMessage()))
                    .map(ReconcileResult.done());
        }
        if (KubeObjects.isDeleting(rp)) {
            selectors.remove(ctx.key());
            return patchFinalizers(raw, false).map(ReconcileResult.done());
        }
        Future<Void> ready = patchFinalizers(raw, true);
        if (rp.getSpec().isPaused()) {
            return ready.compose(v -> writeStatus(rp, ReplicaProfilePlanner.plan(rp, null, null, ctx.now()).status))
                    .map(ReconcileResult.done());
        }
        return ready
                .compose(v -> scales.get(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef)
                        .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.ENSURED, "FailedGetScale",
                                "failed to get the target's current scale: " + KubeObjects.shortMessage(e))))
                .compose(scale -> {
                    LabelSelectors.Selector selector;
                    try {
                        selector = LabelSelectors.parse(scale.selector);
                    } catch (IllegalArgumentException e) {
                        return errorOut(ctx, rp, ReplicaProfilePlanner.ENSURED, "InvalidSelector",
                                "failed to parse label selector \"" + scale.selector + "\" of scale: " + e.getMessage());
                    }
                    if (selector.isEmpty()) {
                        return errorOut(ctx, rp, ReplicaProfilePlanner.ENSURED, "InvalidSelector",
                                "the target's scale reports no pod selector");
                    }
                    selectors.put(ctx.key(), selector);
                    List<Pod> owned = new ArrayList<>();
                    for (Pod p : pods.list(rp.getMetadata().getNamespace())) {
                        if (selector.matches(p.getMetadata().getLabels())) {
                            owned.add(p);
                        }
                    }
                    ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, scale, PodStates.classify(owned), ctx.now());
                    return apply(ctx, rp, plan);
                });
    }

    private Future<ReconcileResult> apply(ReconcileContext ctx, ReplicaProfile rp, ReplicaProfilePlan plan) {
        Future<Void> scaled = Future.succeededFuture();
        if (plan.scaleTo != null) {
            int replicas = plan.scaleTo;
            scaled = scales.update(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef, replicas)
                    .onSuccess(s -> metrics.scalingAction("scale"))
                    .<Void>mapEmpty()
                    .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedUpdateScale",
                            "failed to update the target's scale: " + KubeObjects.shortMessage(e)))
                    .compose(v -> {
                        Future<Void> f = Future.succeededFuture();
                        for (PlannedEvent e : plan.events) {
                            f = f.compose(x -> recorder.record(rp, e));
                        }
                        return f;
                    });
        }
        return scaled.compose(v -> writeStatus(rp, plan.status)).map(ReconcileResult.done());
    }

    private <T> Future<T> errorOut(ReconcileContext ctx, ReplicaProfile rp, String condition, String reason, String message) {
        ReplicaProfileStatus status = ReplicaProfilePlanner.copy(rp.getStatus());
        Conditions.set(status.conditions, condition, false, rp.getMetadata().getGeneration(), reason, message, ctx.now());
        return recorder.record(rp, PlannedEvent.warning(reason, message))
                .compose(v -> writeStatus(rp, status).recover(e -> Future.succeededFuture()))
                .compose(v -> Future.failedFuture(message));
    }

    private Future<Void> writeStatus(ReplicaProfile rp, ReplicaProfileStatus status) {
        ReplicaProfileStatus stored = rp.getStatus() == null ? new ReplicaProfileStatus() : rp.getStatus();
        if (Objects.equals(serialization.convertValue(stored, Map.class), serialization.convertValue(status, Map.class))) {
            return Future.succeededFuture();
        }
        ReplicaProfile updated = new ReplicaProfile();
        updated.setMetadata(rp.getMetadata());
        updated.setSpec(rp.getSpec());
        updated.setStatus(status);
        return executor.call(() -> client.resources(ReplicaProfile.class).inNamespace(rp.getMetadata().getNamespace())
                        .resource(updated).updateStatus())
                .onSuccess(w -> profiles.wrote(serialization.convertValue(w, GenericKubernetesResource.class)))
                .mapEmpty();
    }

    private Future<Void> patchFinalizers(GenericKubernetesResource raw, boolean present) {
        List<String> finalizers = new ArrayList<>(raw.getMetadata().getFinalizers() == null ? List.of() : raw.getMetadata().getFinalizers());
        if (present == finalizers.contains(Constants.FINALIZER)) {
            return Future.succeededFuture();
        }
        if (present) {
            finalizers.add(Constants.FINALIZER);
        } else {
            finalizers.remove(Constants.FINALIZER);
        }
        String patch = serialization.asJson(Map.of("metadata", Map.of("finalizers", finalizers,
                "resourceVersion", raw.getMetadata().getResourceVersion())));
        return executor.call(() -> client.genericKubernetesResources(RP_CONTEXT).inNamespace(raw.getMetadata().getNamespace())
                        .withName(raw.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch))
                .onSuccess(profiles::wrote)
                .mapEmpty();
    }
}
