package io.kapacitystack.kapacity.autoscaler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler.Reasons;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;
import io.kapacitystack.kapacity.runtime.ReconcileResult;
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceKind;
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceReconciler;
import io.kapacitystack.kapacity.workload.ScaleClient;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.HP_CONTEXT;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE;

/**
 * The IHPA control loop as a chain of small steps: read from the cache, plan (pure), write the status, write the
 * ReplicaProfile, record events, ask to be woken at the next instant the plan can change.
 *
 * <p>Write order is what makes restarts safe: the status (current portrait value and gray progress) is written
 * before the ReplicaProfile, so a controller that dies between the two recomputes the same numbers on restart and
 * applies them once; the ReplicaProfile is read fresh from the API, so a stale cache never repeats a step or its
 * event.
 */
public final class IhpaReconciler
        extends CustomResourceReconciler<IntelligentHorizontalPodAutoscaler, IntelligentHorizontalPodAutoscalerStatus> {

    public static final String COMPONENT = "ihpa_controller";
    static final CustomResourceKind<IntelligentHorizontalPodAutoscaler, IntelligentHorizontalPodAutoscalerStatus> KIND =
            new CustomResourceKind<>(IntelligentHorizontalPodAutoscaler.class, IHPA_CONTEXT,
                    IntelligentHorizontalPodAutoscaler::new, IntelligentHorizontalPodAutoscalerStatus::copyOf,
                    status -> status.conditions, SCALING_ACTIVE);

    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final ScaleClient scales;
    private final IhpaPlanner planner;
    private final ControllerMetrics metrics;
    private final ResourceCache<GenericKubernetesResource> portraits;
    private final PortraitSync portraitSync;
    private ResourceCache<GenericKubernetesResource> profiles;
    private ResourceCache<HorizontalPodAutoscaler> hpas;
    private volatile IhpaScalingListener scalingListener = IhpaScalingListener.NONE;

    /**
     * @param portraits the HorizontalPortrait cache, indexed by controller ({@link ResourceCache#indexByController()})
     */
    public IhpaReconciler(KubernetesClient client, KubeExecutor executor, ResourceCache<GenericKubernetesResource> ihpas,
                          ResourceCache<GenericKubernetesResource> portraits,
                          ScaleClient scales, EventRecorder recorder, IhpaPlanner planner, ControllerMetrics metrics) {
        super(KIND, client, executor, ihpas, recorder);
        this.ihpas = ihpas;
        this.scales = scales;
        this.planner = planner;
        this.metrics = metrics;
        this.portraits = portraits;
        this.portraitSync = new PortraitSync(spec -> serialization.convertValue(spec, Map.class));
    }

    /**
     * The caches that tell which other autoscalers scale an IHPA's target ({@link ScaleTargetClaims}): the
     * ReplicaProfiles and the {@code autoscaling/v2} HorizontalPodAutoscalers. Without them (null) no rival is seen.
     */
    public IhpaReconciler rivals(ResourceCache<GenericKubernetesResource> profiles, ResourceCache<HorizontalPodAutoscaler> hpas) {
        this.profiles = profiles;
        this.hpas = hpas;
        return this;
    }

    /** Who hears of each status and ReplicaProfile write (the scaling-event stream). */
    public void scalingListener(IhpaScalingListener listener) {
        this.scalingListener = listener == null ? IhpaScalingListener.NONE : listener;
    }

    @Override
    protected Future<ReconcileResult> reconcileResource(ReconcileContext ctx, IntelligentHorizontalPodAutoscaler ihpa) {
        return syncPortraits(ctx, ihpa)
                .compose(v -> fetchReplicaProfile(ctx.key()))
                .compose(rp -> checkTarget(ihpa, rp)
                        .map(targetError -> planner.plan(ihpa, rp, targetError, otherClaims(ihpa), ctx.now()))
                        .compose(plan -> apply(ctx, ihpa, rp, plan, System.nanoTime())));
    }

    /** A deleted IHPA takes its portraits with it, also where no garbage collector runs. */
    @Override
    protected Future<Void> cleanup(ReconcileContext ctx, GenericKubernetesResource ihpa) {
        List<Future<Void>> deletes = new ArrayList<>();
        for (GenericKubernetesResource hp : portraits.controlledBy(ihpa.getMetadata().getUid())) {
            if (!KubeObjects.isDeleting(hp)) {
                deletes.add(deletePortrait(hp.getMetadata().getNamespace(), hp.getMetadata().getName()));
            }
        }
        return Future.all(deletes).mapEmpty();
    }

    private Future<ReconcileResult> apply(ReconcileContext ctx, IntelligentHorizontalPodAutoscaler ihpa,
                                          ReplicaProfile rp, IhpaPlan plan, long decidedNanos) {
        List<PlannedEvent> warnings = new ArrayList<>();
        List<PlannedEvent> normals = new ArrayList<>();
        for (PlannedEvent e : plan.events()) {
            (e.type() == PlannedEvent.Type.Warning ? warnings : normals).add(e);
        }
        ctx.debug("plan: rp {} {}, wake at {}, events {}", plan.rpAction(), plan.rpSpec(), plan.wakeAt(), plan.events());
        IhpaScalingListener listener = scalingListener;
        return recordAll(ihpa, warnings)
                .compose(v -> writeStatus(ihpa, plan.status()))
                .onSuccess(v -> listener.statusWritten(ihpa, ihpa.getStatus(), plan.status(), plan.rpSpec(), ctx.now(), decidedNanos))
                .compose(v -> applyReplicaProfile(ctx, ihpa, rp, plan))
                .onSuccess(v -> {
                    if (plan.rpAction() == IhpaPlan.RpAction.CREATE || plan.rpAction() == IhpaPlan.RpAction.UPDATE) {
                        listener.replicaProfileWritten(ihpa, rp == null ? null : rp.getSpec(), plan.rpSpec(), ctx.now(), decidedNanos);
                    }
                })
                .compose(v -> recordAll(ihpa, normals))
                .compose(v -> plan.retryableError() != null
                        ? Future.failedFuture(plan.retryableError())
                        : Future.succeededFuture(ReconcileResult.requeueAt(plan.wakeAt())));
    }

    private Future<Void> applyReplicaProfile(ReconcileContext ctx, IntelligentHorizontalPodAutoscaler ihpa,
                                             ReplicaProfile rp, IhpaPlan plan) {
        String ns = ihpa.getMetadata().getNamespace();
        String name = ihpa.getMetadata().getName();
        switch (plan.rpAction()) {
            case CREATE: {
                ReplicaProfile created = new ReplicaProfile();
                created.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
                        .withOwnerReferences(KubeObjects.controllerRef(ihpa)).build());
                created.setSpec(plan.rpSpec());
                return executor.call(() -> client.resources(ReplicaProfile.class).inNamespace(ns).resource(created).create())
                        .onSuccess(r -> metrics.scalingAction("replicaprofile"))
                        .recover(e -> failWith(ctx, ihpa, plan, Reasons.FAILED_CREATE_REPLICA_PROFILE, "failed to create ReplicaProfile: ", e))
                        .mapEmpty();
            }
            case UPDATE: {
                String patch = serialization.asJson(Map.of("spec", plan.rpSpec()));
                return executor.call(() -> client.resources(ReplicaProfile.class).inNamespace(ns).withName(name)
                                .patch(PatchContext.of(PatchType.JSON_MERGE), patch))
                        .onSuccess(r -> metrics.scalingAction("replicaprofile"))
                        .recover(e -> failWith(ctx, ihpa, plan, Reasons.FAILED_UPDATE_REPLICA_PROFILE, "failed to patch ReplicaProfile: ", e))
                        .mapEmpty();
            }
            case DELETE:
                return executor.call(() -> client.resources(ReplicaProfile.class).inNamespace(ns).withName(name).delete())
                        .recover(e -> KubeObjects.isNotFound(e) ? Future.succeededFuture()
                                : failWith(ctx, ihpa, plan, Reasons.FAILED_DELETE_REPLICA_PROFILE, "failed to delete ReplicaProfile: ", e))
                        .mapEmpty();
            default:
                return Future.succeededFuture();
        }
    }

    /**
     * Reports a failed ReplicaProfile write on the planned status (its portrait value and gray progress are kept),
     * then fails the reconcile so it is retried.
     */
    private <T> Future<T> failWith(ReconcileContext ctx, IntelligentHorizontalPodAutoscaler ihpa, IhpaPlan plan,
                                   String reason, String prefix, Throwable e) {
        return failAndRetry(ctx, ihpa, plan.status(), SCALING_ACTIVE, reason, prefix + KubeObjects.shortMessage(e));
    }

    /**
     * Creates, replaces and deletes the HorizontalPortraits of the Dynamic providers (docs/architecture.md, upstream controllers/autoscaling/intelligenthorizontalpodautoscaler_controller.go). A failed write is
     * reported like upstream's failed portrait update and retried; the other portraits are written anyway.
     */
    private Future<Void> syncPortraits(ReconcileContext ctx, IntelligentHorizontalPodAutoscaler ihpa) {
        if (ihpa.getSpec().isPaused()) {
            return Future.succeededFuture();
        }
        String ns = ihpa.getMetadata().getNamespace();
        Map<String, GenericKubernetesResource> existing = new LinkedHashMap<>();
        for (GenericKubernetesResource hp : portraits.controlledBy(ihpa.getMetadata().getUid())) {
            existing.put(hp.getMetadata().getName(), hp);
        }
        List<String> warnings = new ArrayList<>();
        Map<String, HorizontalPortraitSpec> desired = portraitSync.desired(ihpa, warnings);
        for (String name : desired.keySet()) {
            GenericKubernetesResource hp = portraits.get(new ObjectKey(ns, name));
            if (hp != null) {
                existing.put(name, hp);
            }
        }
        PortraitSync.Plan plan = portraitSync.plan(ihpa, desired, warnings, new ArrayList<>(existing.values()));
        if (plan.warnings().isEmpty()) {
            failureLog.recovered(ctx);
        } else {
            failureLog.failed(ctx, String.join("; ", plan.warnings()));
        }
        if (plan.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Future<?>> writes = new ArrayList<>();
        for (HorizontalPortraitSpec spec : plan.create()) {
            String name = DynamicPortraitProviderEvaluator.portraitName(ihpa, spec.portraitType);
            HorizontalPortrait hp = new HorizontalPortrait();
            hp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
                    .withOwnerReferences(KubeObjects.controllerRef(ihpa)).build());
            hp.setSpec(spec);
            writes.add(executor.call(() -> client.resources(HorizontalPortrait.class).inNamespace(ns).resource(hp).create())
                    .onSuccess(created -> portraits.wrote(serialization.convertValue(created, GenericKubernetesResource.class)))
                    .recover(e -> Future.failedFuture("failed to create HorizontalPortrait \"" + name + "\": " + KubeObjects.shortMessage(e))));
        }
        for (Map.Entry<String, HorizontalPortraitSpec> e : plan.replace().entrySet()) {
            String patch = serialization.asJson(List.of(Map.of("op", "replace", "path", "/spec",
                    "value", serialization.convertValue(e.getValue(), Map.class))));
            writes.add(executor.call(() -> client.genericKubernetesResources(HP_CONTEXT)
                            .inNamespace(ns).withName(e.getKey()).patch(PatchContext.of(PatchType.JSON), patch))
                    .onSuccess(portraits::wrote)
                    .recover(x -> Future.failedFuture("failed to patch HorizontalPortrait \"" + e.getKey() + "\": " + KubeObjects.shortMessage(x))));
        }
        for (String name : plan.delete()) {
            writes.add(deletePortrait(ns, name));
        }
        return Future.join(writes).<Void>mapEmpty().recover(e -> failAndRetry(ctx, ihpa, SCALING_ACTIVE,
                Reasons.FAILED_UPDATE_AND_FETCH_PORTRAIT_VALUE,
                "failed to update and fetch portrait value: failed to update portrait spec: " + firstCause(writes, e)));
    }

    private static String firstCause(List<Future<?>> writes, Throwable fallback) {
        for (Future<?> f : writes) {
            if (f.failed()) {
                return f.cause().getMessage();
            }
        }
        return fallback.getMessage();
    }

    private Future<Void> deletePortrait(String ns, String name) {
        return executor.call(() -> client.genericKubernetesResources(HP_CONTEXT)
                        .inNamespace(ns).withName(name).delete())
                .<Void>mapEmpty()
                .recover(e -> KubeObjects.isNotFound(e) ? Future.succeededFuture()
                        : Future.failedFuture("failed to delete HorizontalPortrait \"" + name + "\": " + KubeObjects.shortMessage(e)));
    }

    /**
     * The other autoscalers scaling this IHPA's target, from the caches: HPAs naming it, and IHPAs (not paused, not
     * in Preview, not being deleted) whose own ReplicaProfile scales it. An IHPA without a profile claims nothing.
     */
    List<ScaleTargetClaims.Claim> otherClaims(IntelligentHorizontalPodAutoscaler ihpa) {
        CrossVersionObjectReference target = ihpa.getSpec().scaleTargetRef;
        String ns = ihpa.getMetadata().getNamespace();
        List<ScaleTargetClaims.Claim> claims = new ArrayList<>();
        if (target == null) {
            return claims;
        }
        if (hpas != null) {
            for (HorizontalPodAutoscaler hpa : hpas.list(ns)) {
                var ref = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
                if (ref != null && !KubeObjects.isDeleting(hpa)
                        && ScaleTargetClaims.sameTarget(target, ref.getApiVersion(), ref.getKind(), ref.getName())) {
                    claims.add(new ScaleTargetClaims.Claim(ScaleTargetClaims.HPA_KIND, hpa.getMetadata().getName(),
                            KubeTime.parse(hpa.getMetadata().getCreationTimestamp())));
                }
            }
        }
        if (profiles != null) {
            for (GenericKubernetesResource raw : ihpas.list(ns)) {
                if (raw.getMetadata().getName().equals(ihpa.getMetadata().getName()) || KubeObjects.isDeleting(raw)) {
                    continue;
                }
                GenericKubernetesResource rawProfile = profiles.get(new ObjectKey(ns, raw.getMetadata().getName()));
                // the profile's target is read before anything is converted: converting every IHPA of the namespace
                // and its profile on each reconcile made a boundary of N IHPAs cost N^2 conversions
                // (docs/benchmarks.md, "Scaling-event stream"); a profile that names no target claims nothing
                if (rawProfile == null || KubeObjects.isDeleting(rawProfile) || !ownedBy(rawProfile, raw)
                        || !ScaleTargetClaims.sameTarget(target, targetOf(rawProfile))) {
                    continue;
                }
                IntelligentHorizontalPodAutoscaler other;
                ReplicaProfile profile;
                try {
                    other = KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
                    profile = KubeObjects.convert(serialization, rawProfile, ReplicaProfile.class);
                } catch (KubeObjects.InvalidObjectException e) {
                    continue; // reported on that object; it scales nothing it cannot read
                }
                boolean scales = !other.getSpec().isPaused() && profile.getSpec() != null && !profile.getSpec().isPaused()
                        && other.getSpec().effectiveScaleMode() != IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
                if (scales && ScaleTargetClaims.sameTarget(target, profile.getSpec().scaleTargetRef)) {
                    Instant since = KubeTime.parse(rawProfile.getMetadata().getCreationTimestamp());
                    claims.add(new ScaleTargetClaims.Claim(ScaleTargetClaims.IHPA_KIND, raw.getMetadata().getName(),
                            since == null ? Instant.EPOCH : since));
                }
            }
        }
        return claims;
    }

    private static boolean ownedBy(GenericKubernetesResource profile, GenericKubernetesResource ihpa) {
        return profile.getMetadata().getOwnerReferences() != null && profile.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Objects.equals(o.getUid(), ihpa.getMetadata().getUid()));
    }

    /**
     * The IHPAs in {@code namespace} whose target is {@code kind}/{@code name} in the group of {@code apiVersion}:
     * the ones to look again when another autoscaler on that target comes, changes or goes.
     */
    public List<ObjectKey> ihpasTargeting(String namespace, String apiVersion, String kind, String name) {
        List<ObjectKey> keys = new ArrayList<>();
        for (GenericKubernetesResource raw : ihpas.list(namespace)) {
            CrossVersionObjectReference ref = targetOf(raw);
            if (ScaleTargetClaims.sameTarget(ref, apiVersion, kind, name)) {
                keys.add(ObjectKey.of(raw));
            }
        }
        return keys;
    }

    /** The IHPAs sharing the target that {@code object} (an IHPA or a ReplicaProfile) names in its spec. */
    public List<ObjectKey> ihpasSharingTarget(GenericKubernetesResource object) {
        CrossVersionObjectReference ref = targetOf(object);
        if (ref == null) {
            return List.of();
        }
        return ihpasTargeting(object.getMetadata().getNamespace(), ref.apiVersion, ref.kind, ref.name);
    }

    /** {@code spec.scaleTargetRef} of a raw IHPA or profile; null if it has none that can be read. */
    private CrossVersionObjectReference targetOf(GenericKubernetesResource raw) {
        Object spec = raw.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map) || !(((Map<?, ?>) spec).get("scaleTargetRef") instanceof Map)) {
            return null;
        }
        Map<?, ?> ref = (Map<?, ?>) ((Map<?, ?>) spec).get("scaleTargetRef");
        return new CrossVersionObjectReference(stringOrNull(ref.get("apiVersion")), stringOrNull(ref.get("kind")),
                stringOrNull(ref.get("name")));
    }

    private static String stringOrNull(Object o) {
        return o instanceof String ? (String) o : null;
    }

    private Future<ReplicaProfile> fetchReplicaProfile(ObjectKey key) {
        return executor.call(() -> client.resources(ReplicaProfile.class).inNamespace(key.namespace())
                .withName(key.name()).get());
    }

    /**
     * Checks the scale target when it matters (no profile yet, a changed spec, a target that failed before, or a
     * profile that can no longer read it, e.g. after the workload was deleted); returns why it cannot be scaled, or null.
     */
    private Future<String> checkTarget(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfile rp) {
        if (ihpa.getSpec().isPaused() || ihpa.getSpec().scaleTargetRef == null) {
            return Future.succeededFuture(null);
        }
        Condition active = ihpa.getStatus() == null ? null
                : Conditions.find(ihpa.getStatus().conditions, SCALING_ACTIVE);
        boolean needed = rp == null || active == null
                || !Objects.equals(active.getObservedGeneration(), ihpa.getMetadata().getGeneration())
                || Reasons.FAILED_GET_SCALE.equals(active.getReason())
                || rp.getStatus() != null && rp.getStatus().conditions.stream()
                        .anyMatch(c -> ReplicaProfile.Reasons.FAILED_GET_SCALE.equals(c.getReason()));
        if (!needed) {
            return Future.succeededFuture(null);
        }
        return scales.get(ihpa.getMetadata().getNamespace(), ihpa.getSpec().scaleTargetRef)
                .map(s -> (String) null)
                .recover(e -> Future.succeededFuture(KubeObjects.shortMessage(e)));
    }
}
