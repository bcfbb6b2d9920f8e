package io.kapacitystack.kapacity.runtime.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.events.RepeatingFailureLog;
import io.kapacitystack.kapacity.kube.Finalizers;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.kube.StatusWriter;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;
import io.kapacitystack.kapacity.runtime.ReconcileResult;
import io.kapacitystack.kapacity.runtime.Reconciler;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The part every controller of a Kapacity custom resource shares (java-operator-sdk's idea, as a chain of small
 * {@link Future} steps in Strimzi's style): read the object from the cache, take a deleted object through
 * {@link #cleanup} before its finalizer goes, report an object the model cannot read, add the finalizer, then hand
 * the typed object to {@link #reconcileResource}. A subclass writes only its own steps.
 *
 * <p>Failures reach the object through one hook, {@link #report}: a False condition, a Warning event and a
 * best-effort status write ({@link #failAndRetry} then fails the reconcile, so the controller retries with backoff;
 * the controller logs the failure).
 * Status copies follow one rule, {@link CustomResourceKind#copyStatus()}.
 *
 * <p>Deletion is seen on the object as cached, before it is converted: an object the model cannot read still has its
 * finalizer removed.
 */
public abstract class CustomResourceReconciler<T extends CustomResource<?, S>, S> implements Reconciler {

    protected final KubernetesClient client;
    protected final KubernetesSerialization serialization;
    protected final KubeExecutor executor;
    /** The cache of this controller's objects, unconverted (a bad object breaks no watch). */
    protected final ResourceCache<GenericKubernetesResource> cache;
    protected final EventRecorder recorder;
    /** A failure that repeats on every reconcile is logged at WARN once per change, not every time. */
    protected final RepeatingFailureLog failureLog = new RepeatingFailureLog();
    private final CustomResourceKind<T, S> kind;

    protected CustomResourceReconciler(CustomResourceKind<T, S> kind, KubernetesClient client, KubeExecutor executor,
                                       ResourceCache<GenericKubernetesResource> cache, EventRecorder recorder) {
        this.kind = kind;
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.executor = executor;
        this.cache = cache;
        this.recorder = recorder;
    }

    @Override
    public final Future<ReconcileResult> reconcile(ReconcileContext ctx) {
        GenericKubernetesResource raw = cache.get(ctx.key());
        if (raw == null) {
            forgetAll(ctx.key());
            return Future.succeededFuture(ReconcileResult.done());
        }
        if (KubeObjects.isDeleting(raw)) {
            forgetAll(ctx.key());
            return cleanup(ctx, raw)
                    .compose(v -> setFinalizer(raw, false))
                    .map(ReconcileResult.done());
        }
        if (!handles(raw)) {
            return setFinalizer(raw, false).map(ReconcileResult.done());
        }
        T resource;
        try {
            resource = KubeObjects.convert(serialization, raw, kind.type());
        } catch (KubeObjects.InvalidObjectException e) {
            return reportUnreadable(ctx, raw, "invalid spec: " + e.getMessage()).map(ReconcileResult.done());
        }
        return setFinalizer(raw, true).compose(v -> reconcileResource(ctx, resource));
    }

    /** This controller's own steps, for an object that exists, is readable, is not being deleted and has the finalizer. */
    protected abstract Future<ReconcileResult> reconcileResource(ReconcileContext ctx, T resource);

    /** What a deleted object takes with it before its finalizer is removed; a failure keeps the finalizer and retries. */
    protected Future<Void> cleanup(ReconcileContext ctx, GenericKubernetesResource raw) {
        return Future.succeededFuture();
    }

    /** Whether this controller acts on the object at all; one it does not handle carries no finalizer of it. */
    protected boolean handles(GenericKubernetesResource raw) {
        return true;
    }

    /** Drops what the controller remembers of an object that is gone or going. */
    protected void forget(ObjectKey key) {
    }

    /** The object's status as stored, copied so that it can be changed; an empty one if it has none. */
    protected final S copyStatus(T resource) {
        return kind.copyStatus().apply(resource.getStatus());
    }

    /** The typed object, or null if the model cannot read it (its own reconcile reports why). */
    protected final T readable(GenericKubernetesResource raw) {
        try {
            return KubeObjects.convert(serialization, raw, kind.type());
        } catch (KubeObjects.InvalidObjectException e) {
            return null;
        }
    }

    /** Writes the status with upstream's rules ({@link StatusWriter}: skipped when unchanged, retried on a conflict). */
    @SuppressWarnings("unchecked")
    protected final Future<Void> writeStatus(T resource, S status) {
        // StatusWriter names the spec type, which this class leaves open (T's is all it needs); erasure makes it one.
        Class<CustomResource<Object, S>> type = (Class<CustomResource<Object, S>>) (Class<?>) kind.type();
        Supplier<CustomResource<Object, S>> create = () -> (CustomResource<Object, S>) kind.create().get();
        return StatusWriter.write(client, executor, cache, type, create, () -> kind.copyStatus().apply(null),
                (CustomResource<Object, S>) resource, status);
    }

    /** Records the events in order, each after the previous one. */
    protected final Future<Void> recordAll(HasMetadata object, List<PlannedEvent> events) {
        Future<Void> f = Future.succeededFuture();
        for (PlannedEvent e : events) {
            f = f.compose(v -> recorder.record(object, e));
        }
        return f;
    }

    /**
     * The one error hook (upstream's errorOut): {@code conditionType} False with the reason and message on
     * {@code status}, a Warning event, and a best-effort status write (a failed write is logged, not reported again).
     */
    protected final Future<Void> report(ReconcileContext ctx, T resource, S status, String conditionType, String reason,
                                        String message) {
        Conditions.set(kind.conditions().apply(status), conditionType, false, resource.getMetadata().getGeneration(),
                reason, message, ctx.now());
        return recorder.record(resource, PlannedEvent.warning(reason, message))
                .compose(v -> writeStatus(resource, status).recover(e -> {
                    ctx.debug("status not written: {}", e.getMessage());
                    return Future.succeededFuture();
                }));
    }

    /** {@link #report} on a copy of the stored status, then a failed reconcile, retried with backoff. */
    protected final <R> Future<R> failAndRetry(ReconcileContext ctx, T resource, String conditionType, String reason,
                                               String message) {
        return failAndRetry(ctx, resource, copyStatus(resource), conditionType, reason, message);
    }

    /** {@link #report} on {@code status} (e.g. a planned one that must not be lost), then a failed reconcile. */
    protected final <R> Future<R> failAndRetry(ReconcileContext ctx, T resource, S status, String conditionType,
                                               String reason, String message) {
        return report(ctx, resource, status, conditionType, reason, message)
                .compose(v -> Future.failedFuture(message));
    }

    private void forgetAll(ObjectKey key) {
        failureLog.forget(key);
        forget(key);
    }

    private Future<Void> setFinalizer(GenericKubernetesResource raw, boolean present) {
        return Finalizers.set(client, executor, kind.context(), cache, raw, present);
    }

    /**
     * An object the model cannot read (no API server validated it): a Warning event and, where the kind names one, a
     * False condition with reason {@code InvalidSpec}, patched onto the stored conditions; nothing else is touched.
     */
    private Future<Void> reportUnreadable(ReconcileContext ctx, GenericKubernetesResource raw, String message) {
        failureLog.failed(ctx, message);
        Future<Void> recorded = recorder.record(raw, PlannedEvent.warning(Conditions.INVALID_SPEC, message));
        if (kind.invalidSpecCondition() == null) {
            return recorded;
        }
        List<Condition> conditions = new ArrayList<>();
        Object status = raw.getAdditionalProperties().get("status");
        if (status instanceof Map<?, ?> map && map.get("conditions") instanceof List<?> stored) {
            for (Object c : stored) {
                conditions.add(serialization.convertValue(c, Condition.class));
            }
        }
        Conditions.set(conditions, kind.invalidSpecCondition(), false, raw.getMetadata().getGeneration(),
                Conditions.INVALID_SPEC, message, ctx.now());
        String patch = serialization.asJson(Map.of("status", Map.of("conditions", conditions)));
        return recorded.compose(v -> executor.call(() -> client.genericKubernetesResources(kind.context())
                        .inNamespace(raw.getMetadata().getNamespace()).withName(raw.getMetadata().getName())
                        .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch)))
                .mapEmpty();
    }
}
