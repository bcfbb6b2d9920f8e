package io.kapacitystack.kapacity.horizontalportrait;

import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.Reasons;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.CurrentMetric;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.PortraitData;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.reactive.HpaCondition;
import io.kapacitystack.kapacity.reactive.ReactiveOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.BiPredicate;

import static io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.PORTRAIT_GENERATED;

/**
 * Decides, for one HorizontalPortrait and one generator's result, the portrait's status, its events and when to
 * generate again (upstream controllers/autoscaling/horizontalportrait_controller.go). Pure: the reconciler
 * runs the generators (the reactive one, the ExternalJob algorithm) and writes what this returns.
 *
 * <p>A failed generation keeps the previous portrait data (the IHPA keeps using it) and says why in
 * {@code PortraitGenerated} and a Warning event.
 */
public final class HorizontalPortraitPlanner {

    /** How often a Reactive portrait is generated when its algorithm names no sync period. */
    static final Duration DEFAULT_SYNC_PERIOD = Duration.ofSeconds(15);
    /** How often a status whose only change is the metrics' current values is written at most. */
    static final Duration METRICS_REFRESH = Duration.ofMinutes(1);
    /** How soon a CronJob that could not be written is tried again (its usual causes: RBAC, quota, an API outage). */
    static final Duration JOB_RETRY = Duration.ofMinutes(1);

    private final BiPredicate<Object, Object> sameJson;

    /** @param sameJson whether two values serialize to the same JSON (the client's conversion, given as a function) */
    public HorizontalPortraitPlanner(BiPredicate<Object, Object> sameJson) {
        this.sameJson = sameJson;
    }

    /**
     * The portrait's decision.
     *
     * @param status          the status to write (only if it differs from the stored one)
     * @param events          events to record before the status write
     * @param wakeAt          when to generate again; null: only on a change of the portrait or of what it watches
     * @param failure         why the generation failed (the status write is then best-effort); null on success
     * @param metricsWritten  whether the status carries freshly written metric values (their refresh clock restarts)
     * @param dataChange      a line for the log when the portrait data changed; null otherwise
     */
    public record Plan(HorizontalPortraitStatus status, List<PlannedEvent> events, Instant wakeAt, String failure,
                       boolean metricsWritten, String dataChange) {
    }

    /** Upstream's errorOut: {@code PortraitGenerated=False} with the reason, a Warning event; the data stays. */
    public Plan failed(HorizontalPortrait hp, String reason, String message, Instant wakeAt, Instant now) {
        return failed(hp, reason, message, null, null, wakeAt, now);
    }

    /** The ExternalJob algorithm's CronJob could not be written: tried again after {@link #JOB_RETRY}. */
    public Plan jobFailed(HorizontalPortrait hp, String problem, Instant now) {
        return failed(hp, Reasons.FAILED_RECONCILE_EXTERNAL_ALGORITHM_JOB,
                "failed to reconcile external algorithm job: " + problem, now.plus(JOB_RETRY), now);
    }

    /** The ExternalJob result cannot be used: the last good data stays until its expiry; the ConfigMap watch wakes it. */
    public Plan resultFailed(HorizontalPortrait hp, String problem, Instant now) {
        return failed(hp, Reasons.FAILED_FETCH_EXTERNAL_ALGORITHM_JOB_RESULT,
                "failed to fetch external algorithm job result: " + problem, null, now);
    }

    /** The ExternalJob algorithm's latest result, published as TimeSeries data with what the job reported beside it. */
    public Plan timeSeries(HorizontalPortrait hp, AlgorithmResult.Parsed parsed, Instant now) {
        HorizontalPortraitStatus status = HorizontalPortraitStatus.copyOf(hp.getStatus());
        status.portraitData = parsed.data();
        status.jobReport = parsed.report().isEmpty() ? null : parsed.report();
        generated(hp, status, now);
        boolean changed = hp.getStatus() == null || !sameJson.test(hp.getStatus().portraitData, parsed.data());
        String change = changed ? "time series portrait: " + parsed.data().timeSeries.timeSeries.size()
                + " points until " + parsed.data().expireTime : null;
        return new Plan(status, List.of(), null, null, false, change);
    }

    /**
     * The reactive generator's outcome: its recommendation as {@code Static} data with its HPA-style conditions and
     * metric readings, generated again after the sync period whether it failed or not (the usual causes of a
     * failure, a metric not scraped yet or Prometheus restarting, clear up by themselves).
     *
     * @param metricsWrittenAt when this portrait's metric values were last written, or null
     */
    public Plan reactive(HorizontalPortrait hp, ReactiveOutcome outcome, Instant metricsWrittenAt, Instant now) {
        Duration period = outcome.syncPeriod() == null ? DEFAULT_SYNC_PERIOD : outcome.syncPeriod();
        Instant next = now.plus(period);
        if (outcome.failed()) {
            return failed(hp, Reasons.FAILED_GENERATE_PORTRAIT, "failed to generate portrait: " + outcome.error(),
                    outcome.conditions(), currentMetrics(outcome), next, now);
        }
        HorizontalPortraitStatus status = HorizontalPortraitStatus.copyOf(hp.getStatus());
        PortraitData data = new PortraitData();
        data.type = PortraitData.Type.Static;
        data._static = new PortraitProvider.Static(outcome.replicas());
        status.portraitData = data;
        status.currentMetrics = currentMetrics(outcome);
        generated(hp, status, now);
        setAll(status, outcome.conditions(), hp.getMetadata().getGeneration(), now);
        boolean metricsWritten = !holdBackMetricsOnlyChange(hp.getStatus(), status, metricsWrittenAt, now);
        Integer before = hp.getStatus() == null ? null : replicasOf(hp.getStatus().portraitData);
        String change = Objects.equals(before, outcome.replicas()) ? null
                : "reactive portrait " + before + " -> " + outcome.replicas();
        return new Plan(status, List.of(), next, null, metricsWritten, change);
    }

    /** The reactive result when the target's scale could not be read: the HPA's AbleToScale=False FailedGetScale. */
    public static ReactiveOutcome scaleUnreadable(String problem) {
        return new ReactiveOutcome(null, "failed to get the target's current scale: " + problem,
                List.of(new HpaCondition(HpaCondition.ABLE_TO_SCALE, false, Reasons.FAILED_GET_SCALE,
                        "the HPA controller was unable to get the target's current scale: " + problem)),
                null);
    }

    private Plan failed(HorizontalPortrait hp, String reason, String message, List<HpaCondition> hpaConditions,
                        List<CurrentMetric> readings, Instant wakeAt, Instant now) {
        HorizontalPortraitStatus status = HorizontalPortraitStatus.copyOf(hp.getStatus());
        Long generation = hp.getMetadata().getGeneration();
        Conditions.set(status.conditions, PORTRAIT_GENERATED, false, generation, reason, message, now);
        if (readings != null) {
            status.currentMetrics = readings;
        }
        if (hpaConditions != null) {
            setAll(status, hpaConditions, generation, now);
        }
        return new Plan(status, List.of(PlannedEvent.warning(reason, message)), wakeAt, message, false, null);
    }

    private static void generated(HorizontalPortrait hp, HorizontalPortraitStatus status, Instant now) {
        Conditions.set(status.conditions, PORTRAIT_GENERATED, true, hp.getMetadata().getGeneration(),
                Reasons.SUCCEEDED_GENERATE_PORTRAIT, "portrait has been successfully generated", now);
    }

    /**
     * A status whose only change is the metrics' current values is written at most once per
     * {@link #METRICS_REFRESH} per portrait: those values change on almost every sync, and ten thousand portraits
     * writing them every 15 s would spend the API rate limit that scaling writes need. Returns whether the stored
     * values were kept (then {@code status} carries them).
     */
    private boolean holdBackMetricsOnlyChange(HorizontalPortraitStatus stored, HorizontalPortraitStatus status,
                                              Instant metricsWrittenAt, Instant now) {
        if (stored != null && Objects.equals(stored.currentMetrics, status.currentMetrics)) {
            return true;
        }
        if (stored != null && stored.currentMetrics != null) {
            List<CurrentMetric> wanted = status.currentMetrics;
            status.currentMetrics = stored.currentMetrics;
            boolean onlyMetrics = sameJson.test(stored, status);
            if (onlyMetrics && metricsWrittenAt != null && now.isBefore(metricsWrittenAt.plus(METRICS_REFRESH))) {
                return true;
            }
            status.currentMetrics = wanted;
        }
        return false;
    }

    private static List<CurrentMetric> currentMetrics(ReactiveOutcome outcome) {
        if (outcome.readings() == null || outcome.readings().isEmpty()) {
            return null;
        }
        return outcome.readings().stream().map(r -> new CurrentMetric(r.metric(), r.current(), r.target())).toList();
    }

    private static void setAll(HorizontalPortraitStatus status, List<HpaCondition> conditions, Long generation,
                               Instant now) {
        for (HpaCondition c : conditions) {
            Conditions.set(status.conditions, c.type(), c.status(), generation, c.reason(), c.message(), now);
        }
    }

    private static Integer replicasOf(PortraitData data) {
        return data == null || data._static == null ? null : data._static.replicas;
    }
}
