package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
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
import io.kapacitystack.kapacity.kube.Finalizers;
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
    /** pod-deletion-cost is an int32; pods on their way out get the lowest value. */
    static final String LOWEST_DELETION_COST = "-2147483648";
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
    private volatile io.fabric8.kubernetes.api.model.Quantity standbyCpuFloor = StandbyResources.DEFAULT_CPU_FLOOR;
    private volatile io.fabric8.kubernetes.api.model.Quantity standbyMemoryFloor = StandbyResources.DEFAULT_MEMORY_FLOOR;

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

    /** Floors of a Standby pod's requests (--standby-cpu-floor, --standby-memory-floor). */
    public void standbyFloors(io.fabric8.kubernetes.api.model.Quantity cpu, io.fabric8.kubernetes.api.model.Quantity memory) {
        this.standbyCpuFloor = cpu;
        this.standbyMemoryFloor = memory;
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
            return releasePods(ctx, rp)
                    .compose(v -> {
                        selectors.remove(ctx.key());
                        return patchFinalizers(raw, false);
                    })
                    .map(ReconcileResult.done());
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
        Future<Void> done = Future.succeededFuture();
        if (plan.stateChange != null && !plan.stateChange.isEmpty()) {
            done = applyStateChange(ctx, rp, plan.stateChange);
        }
        if (plan.scaleTo != null) {
            int replicas = plan.scaleTo;
            done = done.compose(v -> scales.update(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef, replicas)
                    .onSuccess(s -> metrics.scalingAction("scale"))
                    .<Void>mapEmpty()
                    .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedUpdateScale",
                            "failed to update the target's scale: " + KubeObjects.shortMessage(e))));
        }
        return done.compose(v -> {
                    Future<Void> f = Future.succeededFuture();
                    for (PlannedEvent e : plan.events) {
                        f = f.compose(x -> recorder.record(rp, e));
                    }
                    return f;
                })
                .compose(v -> writeStatus(rp, plan.status))
                // The pods' new states reach the cache with our own writes, so no watch event will bring them back
                // here: look once more now, so the status (what a gray step waits for) shows them.
                .map(plan.stateChange != null && !plan.stateChange.isEmpty()
                        ? ReconcileResult.requeueAt(ctx.now()) : ReconcileResult.done());
    }

    /**
     * Moves pods between states: traffic first (the readiness-gate condition), then the state label, so a pod is
     * never labelled Online while its traffic is still cut. Pods that will be deleted by a ReplicaSet get the lowest
     * deletion cost, so the ReplicaSet controller removes exactly them when the scale drops.
     */
    private Future<Void> applyStateChange(ReconcileContext ctx, ReplicaProfile rp, PodStateChange change) {
        Future<Void> f = Future.succeededFuture();
        for (Pod pod : change.to(PodState.Online)) {
            f = f.compose(v -> restoreResources(ctx, rp, pod).compose(x -> setTraffic(pod, true, ctx.now()))
                    .compose(x -> setState(pod, null))
                    .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedOnlinePods",
                            "failed to online pods: " + KubeObjects.shortMessage(e))));
        }
        for (Pod pod : change.to(PodState.Cutoff)) {
            f = f.compose(v -> setTraffic(pod, false, ctx.now()).compose(x -> setState(pod, "Cutoff"))
                    .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedCutoffPods",
                            "failed to cutoff pods: " + KubeObjects.shortMessage(e))));
        }
        for (Pod pod : change.to(PodState.Standby)) {
            f = f.compose(v -> setTraffic(pod, false, ctx.now()).compose(x -> setState(pod, "Standby"))
                    .compose(x -> shrinkResources(ctx, rp, pod))
                    .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedStandbyPods",
                            "failed to standby pods: " + KubeObjects.shortMessage(e))));
        }
        String kind = rp.getSpec().scaleTargetRef == null ? "" : rp.getSpec().scaleTargetRef.kind;
        if ("ReplicaSet".equals(kind) || "Deployment".equals(kind)) {
            for (Pod pod : change.to(PodState.Deleted)) {
                f = f.compose(v -> patchPod(pod, serialization.asJson(Map.of("metadata", Map.of("annotations",
                                Map.of(PodSorter.DELETION_COST, LOWEST_DELETION_COST)))))
                        .recover(e -> errorOut(ctx, rp, ReplicaProfilePlanner.APPLIED, "FailedSelectPodsToDelete",
                                "failed to select pods to delete: " + KubeObjects.shortMessage(e))));
            }
        }
        return f.onSuccess(v -> metrics.scalingAction("podstate"));
    }

    /**
     * A profile that goes (its IHPA deleted or put in Preview) leaves no pod behind in Cutoff or Standby: without it
     * nothing would ever bring them back, and they would idle out of the endpoints, shrunk, for good. Upstream leaves
     * them. A target that cannot be read any more (deleted with its pods) needs nothing.
     */
    private Future<Void> releasePods(ReconcileContext ctx, ReplicaProfile rp) {
        return scales.get(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef)
                .map(scale -> {
                    LabelSelectors.Selector selector = LabelSelectors.parse(scale.selector);
                    List<Pod> parked = new ArrayList<>();
                    for (Pod p : pods.list(rp.getMetadata().getNamespace())) {
                        if (!selector.isEmpty() && selector.matches(p.getMetadata().getLabels()) && PodStates.isRunning(p)
                                && PodStates.stateOf(p) != PodState.Online) {
                            parked.add(p);
                        }
                    }
                    return parked;
                })
                .compose(parked -> {
                    Future<Void> f = Future.succeededFuture();
                    for (Pod pod : parked) {
                        f = f.compose(v -> restoreResources(ctx, rp, pod).compose(x -> setTraffic(pod, true, ctx.now()))
                                .compose(x -> setState(pod, null)));
                    }
                    if (!parked.isEmpty()) {
                        ctx.info("profile deleted: {} pod(s) back Online: {}", parked.size(),
                                parked.stream().map(p -> p.getMetadata().getName()).sorted().collect(Collectors.toList()));
                    }
                    return f;
                })
                .recover(e -> {
                    if (e instanceof ScaleClient.TargetNotFound) {
                        ctx.info("profile deleted with its target: no pod to put back Online");
                    } else {
                        ctx.warn("profile deleted; its pods were not put back Online: {}", KubeObjects.shortMessage(e));
                    }
                    return Future.succeededFuture();
                });
    }

    private Future<Void> setTraffic(Pod cached, boolean on, java.time.Instant now) {
        Pod pod = pods.get(ObjectKey.of(cached));
        Pod current = pod == null ? cached : pod;
        List<PodCondition> conditions = new ArrayList<>(current.getStatus() == null || current.getStatus().getConditions() == null
                ? List.of() : current.getStatus().getConditions());
        String status = on ? "True" : "False";
        PodCondition existing = conditions.stream().filter(c -> Constants.READINESS_GATE_CONDITION.equals(c.getType()))
                .findFirst().orElse(null);
        if (existing != null && status.equals(existing.getStatus())) {
            return Future.succeededFuture();
        }
        PodCondition updated = new PodConditionBuilder().withType(Constants.READINESS_GATE_CONDITION).withStatus(status)
                .withLastTransitionTime(io.kapacitystack.kapacity.api.v1alpha1.KubeTime.format(now)).build();
        if (existing != null) {
            conditions.set(conditions.indexOf(existing), updated);
        } else {
            conditions.add(updated);
        }
        String patch = serialization.asJson(Map.of("status", Map.of("conditions", conditions)));
        return executor.call(() -> client.pods().inNamespace(current.getMetadata().getNamespace())
                        .withName(current.getMetadata().getName()).subresource("status")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch))
                .onSuccess(pods::wrote)
                .mapEmpty();
    }

    /**
     * Standby gives the pod's CPU back through an in-place resize; the original values are saved on the pod first so
     * they are never lost. Where the cluster cannot resize (no {@code pods/resize}, or it refuses), the pod stays
     * in Standby without traffic but with its resources, and a Warning says so.
     */
    private Future<Void> shrinkResources(ReconcileContext ctx, ReplicaProfile rp, Pod cached) {
        Pod pod = Objects.requireNonNullElse(pods.get(ObjectKey.of(cached)), cached);
        if (pod.getMetadata().getAnnotations() != null && pod.getMetadata().getAnnotations().containsKey(StandbyResources.ORIGINAL_ANNOTATION)) {
            return Future.succeededFuture();
        }
        StandbyResources.Shrink shrink = StandbyResources.shrink(pod, standbyCpuFloor, standbyMemoryFloor);
        if (shrink == null) {
            return Future.succeededFuture();
        }
        String save = serialization.asJson(Map.of("metadata", Map.of("annotations",
                Map.of(StandbyResources.ORIGINAL_ANNOTATION, shrink.original))));
        return patchPod(pod, save)
                .compose(v -> resize(pod, shrink.resizePatch))
                .recover(e -> patchPod(pod, "{\"metadata\":{\"annotations\":{\"" + StandbyResources.ORIGINAL_ANNOTATION + "\":null}}}")
                        .compose(v -> recorder.record(rp, PlannedEvent.warning("StandbyResizeUnavailable",
                                "in-place resize of pod \"" + pod.getMetadata().getName() + "\" failed (" + KubeObjects.shortMessage(e)
                                        + "); it stays in Standby without traffic but keeps its resources, like a Cutoff pod"))));
    }

    private Future<Void> restoreResources(ReconcileContext ctx, ReplicaProfile rp, Pod cached) {
        Pod pod = Objects.requireNonNullElse(pods.get(ObjectKey.of(cached)), cached);
        String restore = StandbyResources.restore(pod);
        if (restore == null) {
            return Future.succeededFuture();
        }
        return resize(pod, restore)
                .compose(v -> patchPod(pod, "{\"metadata\":{\"annotations\":{\"" + StandbyResources.ORIGINAL_ANNOTATION + "\":null}}}"));
    }

    private Future<Void> resize(Pod pod, String strategicPatch) {
        return executor.call(() -> client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .subresource("resize").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), strategicPatch))
                .onSuccess(pods::wrote)
                .mapEmpty();
    }

    /** Online is the absence of the label, as in Kapacity. */
    private Future<Void> setState(Pod pod, String state) {
        String value = state == null ? "null" : "\"" + state + "\"";
        return patchPod(pod, "{\"metadata\":{\"labels\":{\"" + Constants.POD_STATE_LABEL + "\":" + value + "}}}");
    }

    private Future<Void> patchPod(Pod pod, String json) {
        return executor.call(() -> client.pods().inNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), json))
                .onSuccess(pods::wrote)
                .mapEmpty();
    }

    private <T> Future<T> errorOut(ReconcileContext ctx, ReplicaProfile rp, String condition, String reason, String message) {
        ReplicaProfileStatus status = ReplicaProfilePlanner.copy(rp.getStatus());
        Conditions.set(status.conditions, condition, false, rp.getMetadata().getGeneration(), reason, message, ctx.now());
        return recorder.record(rp, PlannedEvent.warning(reason, message))
                .compose(v -> writeStatus(rp, status).recover(e -> Future.succeededFuture()))
                .compose(v -> Future.failedFuture(message));
    }

    private Future<Void> writeStatus(ReplicaProfile rp, ReplicaProfileStatus status) {
        return io.kapacitystack.kapacity.kube.StatusWriter.write(client, executor, profiles, ReplicaProfile.class,
                ReplicaProfile::new, ReplicaProfileStatus::new, rp, status);
    }

    private Future<Void> patchFinalizers(GenericKubernetesResource raw, boolean present) {
        return Finalizers.set(client, executor, RP_CONTEXT, profiles, raw, present);
    }
}
