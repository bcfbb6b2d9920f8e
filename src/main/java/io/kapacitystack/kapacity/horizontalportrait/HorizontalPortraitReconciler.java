package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.Reasons;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.reactive.ReactiveGenerator;
import io.kapacitystack.kapacity.reactive.ReplicaBounds;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;
import io.kapacitystack.kapacity.runtime.ReconcileResult;
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceKind;
import io.kapacitystack.kapacity.runtime.reconcile.CustomResourceReconciler;
import io.kapacitystack.kapacity.workload.CachedScales;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import static io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.HP_CONTEXT;

/**
 * The HorizontalPortrait control loop (upstream controllers/autoscaling/horizontalportrait_controller.go):
 * runs the portrait's generator and writes what {@link HorizontalPortraitPlanner} makes of its result. The generators
 * sit side by side: a {@code Reactive} portrait with the {@code KubeHPA} algorithm runs {@link ReactiveGenerator}
 * every {@code syncPeriod} and publishes its recommendation as {@code Static} data; an {@code ExternalJob} portrait
 * keeps its CronJob ({@link ExternalAlgorithmJobs}) and publishes the job's result as {@code TimeSeries} data. The
 * owning IHPA's Dynamic provider reads either. Portraits with {@code externalGeneratorName} belong to someone else
 * and are never written.
 *
 * <p>A failed generation is tried again after the sync period rather than with a growing backoff, because the usual
 * causes (a metric not scraped yet, Prometheus restarting) clear up by themselves.
 */
public final class HorizontalPortraitReconciler extends CustomResourceReconciler<HorizontalPortrait, HorizontalPortraitStatus> {

    public static final String COMPONENT = "horizontal_portrait_controller";
    /** An unreadable portrait is reported by a Warning event only. */
    static final CustomResourceKind<HorizontalPortrait, HorizontalPortraitStatus> KIND = new CustomResourceKind<>(
            HorizontalPortrait.class, HP_CONTEXT, HorizontalPortrait::new, HorizontalPortraitStatus::copyOf,
            status -> status.conditions, null);
    static final String EXTERNAL_JOB = "ExternalJob";
    static final String REACTIVE = "Reactive";

    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final CachedScales scales;
    private final HorizontalPortraitPlanner planner;
    private volatile ReactiveGenerator reactive;
    private volatile ExternalAlgorithmJobs externalJobs;
    private volatile PortraitResultListener resultListener = PortraitResultListener.NONE;
    /** When each portrait's metric values were last written (they are held back in between, see the planner). */
    private final ConcurrentHashMap<ObjectKey, Instant> metricsWritten = new ConcurrentHashMap<>();

    public HorizontalPortraitReconciler(KubernetesClient client, KubeExecutor executor,
                                        ResourceCache<GenericKubernetesResource> portraits,
                                        ResourceCache<GenericKubernetesResource> ihpas, CachedScales scales,
                                        EventRecorder recorder) {
        super(KIND, client, executor, portraits, recorder);
        this.ihpas = ihpas;
        this.scales = scales;
        this.planner = new HorizontalPortraitPlanner((a, b) -> Objects.equals(
                serialization.convertValue(a, Map.class), serialization.convertValue(b, Map.class)));
    }

    /** Enables Reactive portraits; without a generator they report that no metrics provider is configured. */
    public void reactiveGenerator(ReactiveGenerator generator) {
        this.reactive = generator;
    }

    /** Enables the ExternalJob algorithm (CronJobs in the algorithm-job namespace, results from ConfigMaps). */
    public void externalJobs(ExternalAlgorithmJobs jobs) {
        this.externalJobs = jobs;
    }

    /** Told of each changed ExternalJob result once it is written (the scaling-event stream). */
    public void resultListener(PortraitResultListener listener) {
        this.resultListener = listener == null ? PortraitResultListener.NONE : listener;
    }

    /** Whether a watched change concerns this controller: its own portraits' spec or deletion. */
    public static boolean generatedByThisController(GenericKubernetesResource hp) {
        Object spec = hp.getAdditionalProperties().get("spec");
        Object external = spec instanceof Map ? ((Map<?, ?>) spec).get("externalGeneratorName") : null;
        return external == null || "".equals(external);
    }

    /** Filled by an external generator: not ours to write (upstream still did through its ConfigMap channel). */
    @Override
    protected boolean handles(GenericKubernetesResource raw) {
        return generatedByThisController(raw);
    }

    @Override
    protected Future<ReconcileResult> reconcileResource(ReconcileContext ctx, HorizontalPortrait hp) {
        String algorithm = hp.getSpec().algorithm == null ? "" : hp.getSpec().algorithm.type;
        if (EXTERNAL_JOB.equals(algorithm)) {
            return externalJob(ctx, hp);
        }
        return removeExternalJob(ctx, hp)
                .compose(v -> inProcess(ctx, hp))
                .compose(plan -> apply(ctx, hp, plan));
    }

    /**
     * The ExternalJob algorithm: the CronJob kept as the portrait describes it, and its latest result published as
     * TimeSeries portrait data. No periodic resync: the CronJob and ConfigMap watches wake the portrait.
     */
    private Future<ReconcileResult> externalJob(ReconcileContext ctx, HorizontalPortrait hp) {
        ExternalAlgorithmJobs jobs = externalJobs;
        if (jobs == null) {
            return apply(ctx, hp, planner.failed(hp, Reasons.FAILED_RECONCILE_EXTERNAL_ALGORITHM_JOB,
                    "failed to reconcile external algorithm job: this controller runs no algorithm jobs", null, ctx.now()));
        }
        return jobs.reconcile(hp).compose(outcome -> {
            if (outcome instanceof ExternalAlgorithmJobs.JobFailed f) {
                return apply(ctx, hp, planner.jobFailed(hp, f.message(), ctx.now()));
            }
            if (outcome instanceof ExternalAlgorithmJobs.ResultFailed f) {
                return apply(ctx, hp, planner.resultFailed(hp, f.message(), ctx.now()));
            }
            AlgorithmResult.Parsed parsed = ((ExternalAlgorithmJobs.Result) outcome).parsed();
            HorizontalPortraitPlanner.Plan plan = planner.timeSeries(hp, parsed, ctx.now());
            HorizontalPortraitStatus stored = hp.getStatus();
            boolean changed = plan.dataChange() != null
                    || !Objects.equals(stored == null ? null : stored.jobReport, plan.status().jobReport);
            HorizontalPortraitStatus.PortraitData before = stored == null ? null : stored.portraitData;
            PortraitResultListener listener = resultListener;
            return apply(ctx, hp, plan).onSuccess(r -> {
                if (changed) {
                    listener.timeSeriesWritten(hp, before, parsed.data(), parsed.report(), ctx.now());
                }
            });
        });
    }

    /** A portrait that no longer uses the ExternalJob algorithm keeps no CronJob; one that cannot go is retried. */
    private Future<Void> removeExternalJob(ReconcileContext ctx, HorizontalPortrait hp) {
        ExternalAlgorithmJobs jobs = externalJobs;
        if (jobs == null) {
            return Future.succeededFuture();
        }
        return jobs.cleanup(hp.getMetadata().getNamespace(), hp.getMetadata().getName())
                .recover(e -> apply(ctx, hp, planner.failed(hp, Reasons.FAILED_CLEANUP_EXTERNAL_ALGORITHM_JOB,
                        e.getMessage(), null, ctx.now()))
                        .compose(v -> Future.failedFuture(e)));
    }

    /** The generators that run in this process: the reactive one (Kubernetes HPA arithmetic on live metrics). */
    private Future<HorizontalPortraitPlanner.Plan> inProcess(ReconcileContext ctx, HorizontalPortrait hp) {
        if (!REACTIVE.equals(hp.getSpec().portraitType)) {
            return Future.succeededFuture(planner.failed(hp, Reasons.FAILED_GET_PORTRAIT_GENERATOR,
                    "failed to get portrait generator: unknown portrait type \"" + hp.getSpec().portraitType + "\"",
                    null, ctx.now()));
        }
        ReactiveGenerator generator = reactive;
        if (generator == null) {
            return Future.succeededFuture(planner.failed(hp, Reasons.FAILED_GENERATE_PORTRAIT,
                    "failed to generate portrait: no metrics provider is configured (--metric-provider, --prometheus-address)",
                    null, ctx.now()));
        }
        return scales.get(hp.getMetadata().getNamespace(), hp.getSpec().scaleTargetRef)
                .compose(scale -> generator.generate(hp, scale, boundsOf(hp), ctx.now()),
                        e -> Future.succeededFuture(HorizontalPortraitPlanner.scaleUnreadable(KubeObjects.shortMessage(e))))
                .map(outcome -> planner.reactive(hp, outcome, metricsWritten.get(ctx.key()), ctx.now()));
    }

    /**
     * Writes the plan: a failure's event, then its status best-effort (the data stays as it was either way); a
     * success's status, whose failed write fails the reconcile.
     */
    private Future<ReconcileResult> apply(ReconcileContext ctx, HorizontalPortrait hp, HorizontalPortraitPlanner.Plan plan) {
        ReconcileResult next = ReconcileResult.requeueAt(plan.wakeAt());
        if (plan.failure() != null) {
            failureLog.failed(ctx, plan.failure());
            return recordAll(hp, plan.events())
                    .compose(v -> writeStatus(hp, plan.status()).recover(e -> {
                        // best effort, the next sync writes it again: a lost race is not worth a WARN
                        if (KubeObjects.isConflict(e)) {
                            ctx.debug("status not written (conflict): {}", KubeObjects.shortMessage(e));
                        } else {
                            ctx.warn("status not written: {}", KubeObjects.shortMessage(e));
                        }
                        return Future.succeededFuture();
                    }))
                    .map(next);
        }
        failureLog.recovered(ctx);
        if (plan.metricsWritten()) {
            metricsWritten.put(ctx.key(), ctx.now());
        }
        if (plan.dataChange() != null) {
            ctx.info("{}", plan.dataChange());
        }
        return recordAll(hp, plan.events()).compose(v -> writeStatus(hp, plan.status())).map(next);
    }

    /** A deleted portrait's CronJob goes before its finalizer (it lives in another namespace: no garbage collection). */
    @Override
    protected Future<Void> cleanup(ReconcileContext ctx, GenericKubernetesResource raw) {
        ExternalAlgorithmJobs jobs = externalJobs;
        if (jobs == null) {
            return Future.succeededFuture();
        }
        return jobs.cleanup(raw.getMetadata().getNamespace(), raw.getMetadata().getName())
                .recover(e -> {
                    ctx.warn("{}", e.getMessage());
                    return recorder.record(raw, PlannedEvent.warning(Reasons.FAILED_CLEANUP_EXTERNAL_ALGORITHM_JOB,
                                    "failed to clean up external algorithm job: " + e.getMessage()))
                            .compose(v -> Future.failedFuture(e));
                });
    }

    /** The owning IHPA's replica range, which the reactive recommendation respects like the HPA's own bounds. */
    private ReplicaBounds boundsOf(HorizontalPortrait hp) {
        OwnerReference owner = KubeObjects.controllerOf(hp, IntelligentHorizontalPodAutoscaler.KIND);
        if (owner == null) {
            return null;
        }
        GenericKubernetesResource raw = ihpas.get(new ObjectKey(hp.getMetadata().getNamespace(), owner.getName()));
        if (raw == null || !Objects.equals(raw.getMetadata().getUid(), owner.getUid())) {
            return null;
        }
        try {
            IntelligentHorizontalPodAutoscaler ihpa = KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
            int min = ihpa.getSpec().minReplicas == null ? 1 : ihpa.getSpec().minReplicas;
            int max = ihpa.getSpec().maxReplicas == null ? Integer.MAX_VALUE : ihpa.getSpec().maxReplicas;
            return min <= max ? new ReplicaBounds(min, max) : null;
        } catch (KubeObjects.InvalidObjectException e) {
            return null;
        }
    }

    @Override
    protected void forget(ObjectKey key) {
        metricsWritten.remove(key);
        ReactiveGenerator generator = reactive;
        if (generator != null) {
            generator.forget(key);
        }
    }
}
