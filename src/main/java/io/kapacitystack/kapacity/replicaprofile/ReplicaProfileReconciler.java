package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile.Reasons;
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
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceKind;
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceReconciler;
import io.kapacitystack.kapacity.workload.ScaleClient;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile.RP_CONTEXT;
import static io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus.APPLIED;
import static io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus.ENSURED;

/**
 * Makes a workload match its ReplicaProfile: reads the target's scale (fresh, never cached, so a replica count is
 * never applied twice from stale data), counts its running pods by state from the pod cache, rescales the target,
 * and keeps the profile's status and its {@code Applied}/{@code Ensured} conditions current.
 */
public final class ReplicaProfileReconciler extends CustomResourceReconciler<ReplicaProfile, ReplicaProfileStatus> {

    public static final String COMPONENT = "replica_profile_controller";
    /** pod-deletion-cost is an int32; pods on their way out get the lowest value. */
    static final String LOWEST_DELETION_COST = "-2147483648";
    /** An unreadable profile is reported by a Warning event only, as upstream's controller did. */
    static final CustomResourceKind<ReplicaProfile, ReplicaProfileStatus> KIND = new CustomResourceKind<>(
            ReplicaProfile.class, RP_CONTEXT, ReplicaProfile::new, ReplicaProfileStatus::copyOf,
            status -> status.conditions, null);

    /**
     * An empty {@code status.selector}: upstream parses it as "every pod in the namespace" (docs/compatibility.md);
     * the usual cause is a CRD whose scale subresource has no labelSelectorPath, so the message names the fix.
     */
    static final String NO_POD_SELECTOR = "the target's scale reports no pod selector (status.selector is empty;"
            + " a custom resource's CRD must declare subresources.scale.labelSelectorPath and its controller fill it)";

    private final ResourceCache<Pod> pods;
    private final ScaleClient scales;
    private final ControllerMetrics metrics;
    /** Pod selector of each profile's target, learnt from its scale; maps pod events to profiles. */
    private final Map<ObjectKey, LabelSelectors.Selector> selectors = new ConcurrentHashMap<>();
    private volatile Quantity standbyCpuFloor = StandbyResources.DEFAULT_CPU_FLOOR;
    private volatile Quantity standbyMemoryFloor = StandbyResources.DEFAULT_MEMORY_FLOOR;

    public ReplicaProfileReconciler(KubernetesClient client, KubeExecutor executor,
                                    ResourceCache<GenericKubernetesResource> profiles, ResourceCache<Pod> pods,
                                    ScaleClient scales, EventRecorder recorder, ControllerMetrics metrics) {
        super(KIND, client, executor, profiles, recorder);
        this.pods = pods;
        this.scales = scales;
        this.metrics = metrics;
    }

    /** Floors of a Standby pod's requests (--standby-cpu-floor, --standby-memory-floor). */
    public void standbyFloors(Quantity cpu, Quantity memory) {
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
    protected void forget(ObjectKey key) {
        selectors.remove(key);
    }

    /** A paused profile only says so; otherwise: read the target's scale, find its pods, plan, apply. */
    @Override
    protected Future<ReconcileResult> reconcileResource(ReconcileContext ctx, ReplicaProfile rp) {
        if (rp.getSpec().isPaused()) {
            return writeStatus(rp, ReplicaProfilePlanner.plan(rp, null, null, ctx.now()).status())
                    .map(ReconcileResult.done());
        }
        return scales.get(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef)
                .recover(e -> failAndRetry(ctx, rp, ENSURED, Reasons.FAILED_GET_SCALE,
                        "failed to get the target's current scale: " + KubeObjects.shortMessage(e)))
                .compose(scale -> podSelector(ctx, rp, scale)
                        .map(selector -> ReplicaProfilePlanner.plan(rp, scale, PodStates.classify(podsOf(rp, selector)), ctx.now())))
                .compose(plan -> apply(ctx, rp, plan));
    }

    /** The target's pod selector from its scale, remembered so pod events find this profile. */
    private Future<LabelSelectors.Selector> podSelector(ReconcileContext ctx, ReplicaProfile rp, ScaleInfo scale) {
        LabelSelectors.Selector selector;
        try {
            selector = LabelSelectors.parse(scale.selector);
        } catch (IllegalArgumentException e) {
            return failAndRetry(ctx, rp, ENSURED, Reasons.INVALID_SELECTOR,
                    "failed to parse label selector \"" + scale.selector + "\" of scale: " + e.getMessage());
        }
        if (selector.isEmpty()) {
            return failAndRetry(ctx, rp, ENSURED, Reasons.INVALID_SELECTOR, NO_POD_SELECTOR);
        }
        selectors.put(ObjectKey.of(rp), selector);
        return Future.succeededFuture(selector);
    }

    private List<Pod> podsOf(ReplicaProfile rp, LabelSelectors.Selector selector) {
        List<Pod> owned = new ArrayList<>();
        for (Pod p : pods.list(rp.getMetadata().getNamespace())) {
            if (selector.matches(p.getMetadata().getLabels())) {
                owned.add(p);
            }
        }
        return owned;
    }

    private Future<ReconcileResult> apply(ReconcileContext ctx, ReplicaProfile rp, ReplicaProfilePlan plan) {
        Future<Void> done = Future.succeededFuture();
        boolean podsMove = plan.stateChange() != null && !plan.stateChange().isEmpty();
        if (podsMove) {
            done = applyStateChange(ctx, rp, plan.stateChange());
        }
        if (plan.scaleTo() != null) {
            int replicas = plan.scaleTo();
            done = done.compose(v -> scales.update(rp.getMetadata().getNamespace(), rp.getSpec().scaleTargetRef, replicas)
                    .onSuccess(s -> metrics.scalingAction("scale"))
                    .<Void>mapEmpty()
                    .recover(e -> failAndRetry(ctx, rp, APPLIED, Reasons.FAILED_UPDATE_SCALE,
                            "failed to update the target's scale: " + KubeObjects.shortMessage(e))));
        }
        return done.compose(v -> recordAll(rp, plan.events()))
                .compose(v -> writeStatus(rp, plan.status()))
                // The pods' new states reach the cache with our own writes, so no watch event will bring them back
                // here: look once more now, so the status (what a gray step waits for) shows them.
                .map(podsMove ? ReconcileResult.requeueAt(ctx.now()) : ReconcileResult.done());
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
                    .recover(e -> failAndRetry(ctx, rp, APPLIED, Reasons.FAILED_ONLINE_PODS,
                            "failed to online pods: " + KubeObjects.shortMessage(e))));
        }
        for (Pod pod : change.to(PodState.Cutoff)) {
            f = f.compose(v -> setTraffic(pod, false, ctx.now()).compose(x -> setState(pod, "Cutoff"))
                    .recover(e -> failAndRetry(ctx, rp, APPLIED, Reasons.FAILED_CUTOFF_PODS,
                            "failed to cutoff pods: " + KubeObjects.shortMessage(e))));
        }
        for (Pod pod : change.to(PodState.Standby)) {
            f = f.compose(v -> setTraffic(pod, false, ctx.now()).compose(x -> setState(pod, "Standby"))
                    .compose(x -> shrinkResources(ctx, rp, pod))
                    .recover(e -> failAndRetry(ctx, rp, APPLIED, Reasons.FAILED_STANDBY_PODS,
                            "failed to standby pods: " + KubeObjects.shortMessage(e))));
        }
        String kind = rp.getSpec().scaleTargetRef == null ? "" : rp.getSpec().scaleTargetRef.kind;
        if ("ReplicaSet".equals(kind) || "Deployment".equals(kind)) {
            for (Pod pod : change.to(PodState.Deleted)) {
                f = f.compose(v -> patchPod(pod, serialization.asJson(Map.of("metadata", Map.of("annotations",
                                Map.of(PodSorter.DELETION_COST, LOWEST_DELETION_COST)))))
                        .recover(e -> failAndRetry(ctx, rp, APPLIED, Reasons.FAILED_SELECT_PODS_TO_DELETE,
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
    @Override
    protected Future<Void> cleanup(ReconcileContext ctx, GenericKubernetesResource raw) {
        ReplicaProfile rp = readable(raw);
        if (rp == null || rp.getSpec() == null) {
            ctx.warn("profile deleted; its spec cannot be read, so its pods were not put back Online");
            return Future.succeededFuture();
        }
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

    private Future<Void> setTraffic(Pod cached, boolean on, Instant now) {
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
                .withLastTransitionTime(KubeTime.format(now)).build();
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
                Map.of(StandbyResources.ORIGINAL_ANNOTATION, shrink.original()))));
        return patchPod(pod, save)
                .compose(v -> resize(pod, shrink.resizePatch()))
                .recover(e -> patchPod(pod, "{\"metadata\":{\"annotations\":{\"" + StandbyResources.ORIGINAL_ANNOTATION + "\":null}}}")
                        .compose(v -> recorder.record(rp, PlannedEvent.warning(Reasons.STANDBY_RESIZE_UNAVAILABLE,
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
}
