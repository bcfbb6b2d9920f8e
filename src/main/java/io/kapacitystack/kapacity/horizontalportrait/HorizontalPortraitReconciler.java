package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.events.RepeatingFailureLog;
import io.kapacitystack.kapacity.kube.Finalizers;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.reactive.HpaCondition;
import io.kapacitystack.kapacity.reactive.ReactiveGenerator;
import io.kapacitystack.kapacity.reactive.ReactiveOutcome;
import io.kapacitystack.kapacity.reactive.ReplicaBounds;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;
import io.kapacitystack.kapacity.runtime.ReconcileResult;
import io.kapacitystack.kapacity.runtime.Reconciler;
import io.kapacitystack.kapacity.workload.CachedScales;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The HorizontalPortrait control loop (spec §6): for a {@code Reactive} portrait with the {@code KubeHPA} algorithm,
 * runs the reactive generator every {@code syncPeriod} and publishes its recommendation as {@code Static} portrait
 * data, which the owning IHPA's Dynamic provider reads. Portraits with {@code externalGeneratorName} belong to
 * someone else and are never written.
 *
 * <p>A failed generation keeps the previous portrait data (the IHPA keeps using it), says why in the conditions and
 * a Warning event, and is tried again after the sync period rather than with a growing backoff, because the usual
 * causes (a metric not scraped yet, Prometheus restarting) clear up by themselves.
 */
public final class HorizontalPortraitReconciler implements Reconciler {

    public static final String COMPONENT = "horizontal_portrait_controller";
    public static final String PORTRAIT_GENERATED = "PortraitGenerated";
    static final Duration DEFAULT_SYNC_PERIOD = Duration.ofSeconds(15);
    static final Duration METRICS_REFRESH = Duration.ofMinutes(1);
    /** How soon a CronJob that could not be written is tried again (its usual causes: RBAC, quota, an API outage). */
    static final Duration JOB_RETRY = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final KubeExecutor executor;
    private final ResourceCache<GenericKubernetesResource> portraits;
    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final CachedScales scales;
    private final EventRecorder recorder;
    /** A portrait whose generation keeps failing the same way is logged at WARN once, not every syncPeriod. */
    private final RepeatingFailureLog failureLog = new RepeatingFailureLog();
    private volatile ReactiveGenerator reactive;
    private volatile ExternalAlgorithmJobs externalJobs;
    private volatile PortraitResultListener resultListener = PortraitResultListener.NONE;
    private final java.util.concurrent.ConcurrentHashMap<ObjectKey, java.time.Instant> metricsWritten =
            new java.util.concurrent.ConcurrentHashMap<>();

    public HorizontalPortraitReconciler(KubernetesClient client, KubeExecutor executor,
                                        ResourceCache<GenericKubernetesResource> portraits,
                                        ResourceCache<GenericKubernetesResource> ihpas, CachedScales scales,
                                        EventRecorder recorder) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.executor = executor;
        this.portraits = portraits;
        this.ihpas = ihpas;
        this.scales = scales;
        this.recorder = recorder;
    }

    /** Enables Reactive portraits; without a generator they report that no metrics provider is configured. */
    public void reactiveGenerator(ReactiveGenerator generator) {
        this.reactive = generator;
    }

    /** Enables the ExternalJob algorithm (CronJobs in the algorithm-job namespace, results from ConfigMaps). */
    /** Told of each changed ExternalJob result once it is written (the scaling-event stream). */
    public void resultListener(PortraitResultListener listener) {
        this.resultListener = listener == null ? PortraitResultListener.NONE : listener;
    }

    public void externalJobs(ExternalAlgorithmJobs jobs) {
        this.externalJobs = jobs;
    }

    /** Whether a watched change concerns this controller: its own portraits' spec or deletion. */
    public static boolean generatedByThisController(GenericKubernetesResource hp) {
        Object spec = hp.getAdditionalProperties().get("spec");
        Object external = spec instanceof Map ? ((Map<?, ?>) spec).get("externalGeneratorName") : null;
        return external == null || "".equals(external);
    }

    @Override
    public Future<ReconcileResult> reconcile(ReconcileContext ctx) {
        GenericKubernetesResource raw = portraits.get(ctx.key());
        if (raw == null) {
            forget(ctx.key());
            return Future.succeededFuture(ReconcileResult.done());
        }
        if (KubeObjects.isDeleting(raw)) {
            forget(ctx.key());
            return cleanupJob(ctx, raw)
                    .compose(v -> Finalizers.set(client, executor, DynamicPortraitProviderEvaluator.HP_CONTEXT, portraits, raw, false))
                    .map(ReconcileResult.done());
        }
        if (!generatedByThisController(raw)) {
            // Filled by an external generator: not ours to write (upstream still did through its ConfigMap channel).
            return Finalizers.set(client, executor, DynamicPortraitProviderEvaluator.HP_CONTEXT, portraits, raw, false)
                    .map(ReconcileResult.done());
        }
        HorizontalPortrait hp;
        try {
            hp = KubeObjects.convert(serialization, raw, HorizontalPortrait.class);
        } catch (KubeObjects.InvalidObjectException e) {
            return fail(ctx, null, raw, "InvalidSpec", "invalid spec: " + e.getMessage(), null)
                    .map(ReconcileResult.done());
        }
        return Finalizers.set(client, executor, DynamicPortraitProviderEvaluator.HP_CONTEXT, portraits, raw, true)
                .compose(v -> generate(ctx, hp));
    }

    private Future<ReconcileResult> generate(ReconcileContext ctx, HorizontalPortrait hp) {
        String algorithm = hp.getSpec().algorithm == null ? "" : hp.getSpec().algorithm.type;
        if ("ExternalJob".equals(algorithm)) {
            return external(ctx, hp);
        }
        ExternalAlgorithmJobs jobs = externalJobs;
        Future<Void> cleaned = jobs == null ? Future.succeededFuture()
                : jobs.cleanup(hp.getMetadata().getNamespace(), hp.getMetadata().getName());
        return cleaned.compose(v -> generateInProcess(ctx, hp),
                e -> fail(ctx, hp, null, "FailedCleanupExternalAlgorithmJob", e.getMessage(), null)
                        .compose(v -> Future.failedFuture(e)));
    }

    /**
     * The ExternalJob algorithm: the CronJob kept as the portrait describes it, and its latest result published as
     * TimeSeries portrait data. A result that cannot be used keeps the last good data (the IHPA uses it until its
     * expiry) and says why. No periodic resync: the CronJob and ConfigMap watches wake the portrait.
     */
    private Future<ReconcileResult> external(ReconcileContext ctx, HorizontalPortrait hp) {
        ExternalAlgorithmJobs jobs = externalJobs;
        if (jobs == null) {
            return fail(ctx, hp, null, "FailedReconcileExternalAlgorithmJob",
                    "failed to reconcile external algorithm job: this controller runs no algorithm jobs", null)
                    .map(ReconcileResult.done());
        }
        return jobs.reconcile(hp).compose(outcome -> {
            if (outcome instanceof ExternalAlgorithmJobs.JobFailed f) {
                return fail(ctx, hp, null, "FailedReconcileExternalAlgorithmJob",
                        "failed to reconcile external algorithm job: " + f.message(), null)
                        .map(ReconcileResult.requeueAt(ctx.now().plus(JOB_RETRY)));
            }
            if (outcome instanceof ExternalAlgorithmJobs.ResultFailed f) {
                return fail(ctx, hp, null, "FailedFetchExternalAlgorithmJobResult",
                        "failed to fetch external algorithm job result: " + f.message(), null)
                        .map(ReconcileResult.done());
            }
            AlgorithmResult.Parsed parsed = ((ExternalAlgorithmJobs.Result) outcome).parsed();
            HorizontalPortraitStatus status = copyStatus(hp);
            status.portraitData = parsed.data();
            status.jobReport = parsed.report().isEmpty() ? null : parsed.report();
            Conditions.set(status.conditions, PORTRAIT_GENERATED, true, hp.getMetadata().getGeneration(),
                    "SucceededGeneratePortrait", "portrait has been successfully generated", ctx.now());
            boolean dataChanged = hp.getStatus() == null || !Objects.equals(
                    serialization.convertValue(hp.getStatus().portraitData, Map.class),
                    serialization.convertValue(parsed.data(), Map.class));
            if (dataChanged) {
                ctx.info("time series portrait: {} points until {}", parsed.data().timeSeries.timeSeries.size(),
                        parsed.data().expireTime);
            }
            boolean reportChanged = !Objects.equals(hp.getStatus() == null ? null : hp.getStatus().jobReport, status.jobReport);
            HorizontalPortraitStatus.PortraitData before = hp.getStatus() == null ? null : hp.getStatus().portraitData;
            PortraitResultListener listener = resultListener;
            return writeStatus(hp, status)
                    .onSuccess(v -> {
                        if (dataChanged || reportChanged) {
                            listener.timeSeriesWritten(hp, before, parsed.data(), parsed.report(), ctx.now());
                        }
                    })
                    .map(ReconcileResult.done());
        });
    }

    /** A deleted portrait's CronJob goes before its finalizer (it lives in another namespace: no garbage collection). */
    private Future<Void> cleanupJob(ReconcileContext ctx, GenericKubernetesResource raw) {
        ExternalAlgorithmJobs jobs = externalJobs;
        if (jobs == null) {
            return Future.succeededFuture();
        }
        return jobs.cleanup(raw.getMetadata().getNamespace(), raw.getMetadata().getName())
                .recover(e -> {
                    ctx.warn("{}", e.getMessage());
                    return recorder.record(raw, PlannedEvent.warning("FailedCleanupExternalAlgorithmJob",
                                    "failed to clean up external algorithm job: " + e.getMessage()))
                            .compose(v -> Future.failedFuture(e));
                });
    }

    private Future<ReconcileResult> generateInProcess(ReconcileContext ctx, HorizontalPortrait hp) {
        if (!"Reactive".equals(hp.getSpec().portraitType)) {
            return fail(ctx, hp, null, "FailedGetPortraitGenerator",
                    "failed to get portrait generator: unknown portrait type \"" + hp.getSpec().portraitType + "\"", null)
                    .map(ReconcileResult.done());
        }
        ReactiveGenerator generator = reactive;
        if (generator == null) {
            return fail(ctx, hp, null, "FailedGeneratePortrait", "failed to generate portrait: no metrics provider is "
                    + "configured (--metric-provider, --prometheus-address)", null)
                    .map(ReconcileResult.done());
        }
        String ns = hp.getMetadata().getNamespace();
        return scales.get(ns, hp.getSpec().scaleTargetRef)
                .compose(scale -> generator.generate(hp, scale, boundsOf(hp), ctx.now()),
                        e -> Future.succeededFuture(new ReactiveOutcome(null,
                                "failed to get the target's current scale: " + KubeObjects.shortMessage(e),
                                List.of(new HpaCondition(HpaCondition.ABLE_TO_SCALE, false, "FailedGetScale",
                                        "the HPA controller was unable to get the target's current scale: "
                                                + KubeObjects.shortMessage(e))),
                                null)))
                .compose(outcome -> publish(ctx, hp, outcome));
    }

    private Future<ReconcileResult> publish(ReconcileContext ctx, HorizontalPortrait hp, ReactiveOutcome outcome) {
        Duration period = outcome.syncPeriod() == null ? DEFAULT_SYNC_PERIOD : outcome.syncPeriod();
        ReconcileResult next = ReconcileResult.requeueAt(ctx.now().plus(period));
        if (outcome.failed()) {
            return fail(ctx, hp, null, "FailedGeneratePortrait", "failed to generate portrait: " + outcome.error(),
                    outcome.conditions(), currentMetrics(outcome)).map(next);
        }
        HorizontalPortraitStatus status = copyStatus(hp);
        HorizontalPortraitStatus.PortraitData data = new HorizontalPortraitStatus.PortraitData();
        data.type = HorizontalPortraitStatus.PortraitData.Type.Static;
        data._static = new PortraitProvider.Static(outcome.replicas());
        status.portraitData = data;
        status.currentMetrics = currentMetrics(outcome);
        Long generation = hp.getMetadata().getGeneration();
        Conditions.set(status.conditions, PORTRAIT_GENERATED, true, generation, "SucceededGeneratePortrait",
                "portrait has been successfully generated", ctx.now());
        setAll(status, outcome.conditions(), generation, ctx);
        holdBackMetricsOnlyChange(ctx, hp, status);
        failureLog.recovered(ctx);
        if (hp.getStatus() == null || hp.getStatus().portraitData == null
                || !Objects.equals(replicasOf(hp.getStatus().portraitData), outcome.replicas())) {
            ctx.info("reactive portrait {} -> {}", hp.getStatus() == null ? null : replicasOf(hp.getStatus().portraitData),
                    outcome.replicas());
        }
        return writeStatus(hp, status).map(next);
    }

    /**
     * Upstream's errorOut: a Warning event, the condition, and a best-effort status write. The portrait data stays as
     * it was.
     */
    private Future<Void> fail(ReconcileContext ctx, HorizontalPortrait hp, GenericKubernetesResource raw, String reason,
                              String message, List<HpaCondition> hpaConditions) {
        return fail(ctx, hp, raw, reason, message, hpaConditions, null);
    }

    private Future<Void> fail(ReconcileContext ctx, HorizontalPortrait hp, GenericKubernetesResource raw, String reason,
                              String message, List<HpaCondition> hpaConditions,
                              List<HorizontalPortraitStatus.CurrentMetric> readings) {
        failureLog.failed(ctx, message);
        if (hp == null) {
            return recorder.record(raw, PlannedEvent.warning(reason, message));
        }
        HorizontalPortraitStatus status = copyStatus(hp);
        Long generation = hp.getMetadata().getGeneration();
        Conditions.set(status.conditions, PORTRAIT_GENERATED, false, generation, reason, message, ctx.now());
        if (readings != null) {
            status.currentMetrics = readings;
        }
        if (hpaConditions != null) {
            setAll(status, hpaConditions, generation, ctx);
        }
        return recorder.record(hp, PlannedEvent.warning(reason, message))
                .compose(v -> writeStatus(hp, status).recover(e -> {
                    // best effort, the next sync writes it again: a lost race is not worth a WARN
                    if (KubeObjects.isConflict(e)) {
                        ctx.debug("status not written (conflict): {}", KubeObjects.shortMessage(e));
                    } else {
                        ctx.warn("status not written: {}", KubeObjects.shortMessage(e));
                    }
                    return Future.succeededFuture();
                }));
    }

    /**
     * A status whose only change is the metrics' current values is written at most once per
     * {@link #METRICS_REFRESH} per portrait: those values change on almost every sync, and ten thousand portraits
     * writing them every 15 s would spend the API rate limit that scaling writes need.
     */
    private void holdBackMetricsOnlyChange(ReconcileContext ctx, HorizontalPortrait hp, HorizontalPortraitStatus status) {
        HorizontalPortraitStatus stored = hp.getStatus();
        if (stored != null && Objects.equals(stored.currentMetrics, status.currentMetrics)) {
            return;
        }
        if (stored != null && stored.currentMetrics != null) {
            List<HorizontalPortraitStatus.CurrentMetric> wanted = status.currentMetrics;
            status.currentMetrics = stored.currentMetrics;
            boolean onlyMetrics = Objects.equals(serialization.convertValue(stored, Map.class),
                    serialization.convertValue(status, Map.class));
            java.time.Instant last = metricsWritten.get(ctx.key());
            if (onlyMetrics && last != null && ctx.now().isBefore(last.plus(METRICS_REFRESH))) {
                return;
            }
            status.currentMetrics = wanted;
        }
        metricsWritten.put(ctx.key(), ctx.now());
    }

    private static List<HorizontalPortraitStatus.CurrentMetric> currentMetrics(ReactiveOutcome outcome) {
        if (outcome.readings() == null || outcome.readings().isEmpty()) {
            return null;
        }
        return outcome.readings().stream()
                .map(r -> new HorizontalPortraitStatus.CurrentMetric(r.metric(), r.current(), r.target())).toList();
    }

    private static void setAll(HorizontalPortraitStatus status, List<HpaCondition> conditions, Long generation,
                               ReconcileContext ctx) {
        for (HpaCondition c : conditions) {
            Conditions.set(status.conditions, c.type(), c.status(), generation, c.reason(), c.message(), ctx.now());
        }
    }

    private static Integer replicasOf(HorizontalPortraitStatus.PortraitData data) {
        return data == null || data._static == null ? null : data._static.replicas;
    }

    /** The owning IHPA's replica range, which the reactive recommendation respects like the HPA's own bounds. */
    private ReplicaBounds boundsOf(HorizontalPortrait hp) {
        OwnerReference owner = KubeObjects.controllerOf(hp, "IntelligentHorizontalPodAutoscaler");
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

    private HorizontalPortraitStatus copyStatus(HorizontalPortrait hp) {
        HorizontalPortraitStatus status = hp.getStatus() == null ? new HorizontalPortraitStatus()
                : serialization.convertValue(hp.getStatus(), HorizontalPortraitStatus.class);
        if (status.conditions == null) {
            status.conditions = new java.util.ArrayList<>();
        }
        return status;
    }

    private Future<Void> writeStatus(HorizontalPortrait hp, HorizontalPortraitStatus status) {
        return io.kapacitystack.kapacity.kube.StatusWriter.write(client, executor, portraits, HorizontalPortrait.class,
                HorizontalPortrait::new, HorizontalPortraitStatus::new, hp, status);
    }

    private void forget(ObjectKey key) {
        metricsWritten.remove(key);
        failureLog.forget(key);
        ReactiveGenerator generator = reactive;
        if (generator != null) {
            generator.forget(key);
        }
    }
}
