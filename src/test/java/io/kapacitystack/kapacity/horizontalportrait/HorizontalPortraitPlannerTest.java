package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.CurrentMetric;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.PortraitData;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.reactive.HpaCondition;
import io.kapacitystack.kapacity.reactive.ReactiveOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus.PORTRAIT_GENERATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HorizontalPortraitPlannerTest {

    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private final HorizontalPortraitPlanner planner = new HorizontalPortraitPlanner(
            (a, b) -> Objects.equals(JSON.convertValue(a, Map.class), JSON.convertValue(b, Map.class)));

    @Test
    void aReactiveRecommendationIsPublishedAsStaticDataAndGeneratedAgainAfterTheSyncPeriod() {
        HorizontalPortrait hp = portrait(null);
        ReactiveOutcome outcome = new ReactiveOutcome(4, null, List.of(
                new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "SucceededGetScale", "ok")), Duration.ofSeconds(30),
                List.of(new ReactiveOutcome.MetricReading("cpu", "50%", "30%")));

        HorizontalPortraitPlanner.Plan plan = planner.reactive(hp, outcome, null, T0);

        assertEquals(PortraitData.Type.Static, plan.status().portraitData.type);
        assertEquals(4, plan.status().portraitData._static.replicas);
        assertTrue(Conditions.isTrue(plan.status().conditions, PORTRAIT_GENERATED));
        assertTrue(Conditions.isTrue(plan.status().conditions, HpaCondition.ABLE_TO_SCALE));
        assertEquals(List.of(new CurrentMetric("cpu", "50%", "30%")), plan.status().currentMetrics);
        assertEquals(T0.plusSeconds(30), plan.wakeAt());
        assertNull(plan.failure());
        assertTrue(plan.events().isEmpty());
        assertTrue(plan.metricsWritten(), "the first metric values are written at once");
        assertEquals("reactive portrait null -> 4", plan.dataChange());
    }

    @Test
    void aFailedGenerationKeepsTheDataSaysWhyAndTriesAgainAfterTheSyncPeriod() {
        HorizontalPortrait hp = portrait(staticData(3));
        ReactiveOutcome outcome = new ReactiveOutcome(null, "no metrics", List.of(), null);

        HorizontalPortraitPlanner.Plan plan = planner.reactive(hp, outcome, null, T0);

        assertEquals(3, plan.status().portraitData._static.replicas, "the IHPA keeps using the last good value");
        Condition generated = Conditions.find(plan.status().conditions, PORTRAIT_GENERATED);
        assertEquals("False", generated.getStatus());
        assertEquals(HorizontalPortrait.Reasons.FAILED_GENERATE_PORTRAIT, generated.getReason());
        assertEquals("failed to generate portrait: no metrics", generated.getMessage());
        assertEquals(List.of(PlannedEvent.warning(HorizontalPortrait.Reasons.FAILED_GENERATE_PORTRAIT,
                "failed to generate portrait: no metrics")), plan.events());
        assertEquals(T0.plus(HorizontalPortraitPlanner.DEFAULT_SYNC_PERIOD), plan.wakeAt());
        assertEquals("failed to generate portrait: no metrics", plan.failure());
        assertTrue(hp.getStatus().conditions.isEmpty(), "the stored status is not touched");
    }

    @Test
    void anUnreadableScaleIsTheHpasAbleToScaleFalse() {
        ReactiveOutcome outcome = HorizontalPortraitPlanner.scaleUnreadable("not found");

        HorizontalPortraitPlanner.Plan plan = planner.reactive(portrait(null), outcome, null, T0);

        Condition able = Conditions.find(plan.status().conditions, HpaCondition.ABLE_TO_SCALE);
        assertEquals("False", able.getStatus());
        assertEquals(HorizontalPortrait.Reasons.FAILED_GET_SCALE, able.getReason());
        assertEquals("failed to generate portrait: failed to get the target's current scale: not found", plan.failure());
    }

    @Test
    void metricValuesAloneAreWrittenAtMostOncePerRefresh() {
        HorizontalPortrait hp = portrait(staticData(4));
        hp.getStatus().currentMetrics = List.of(new CurrentMetric("cpu", "50%", "30%"));
        HorizontalPortraitStatus stored = planner.reactive(hp, outcome(4, "50%"), null, T0).status();
        hp.setStatus(stored);

        HorizontalPortraitPlanner.Plan soon = planner.reactive(hp, outcome(4, "55%"), T0, T0.plusSeconds(15));
        HorizontalPortraitPlanner.Plan later = planner.reactive(hp, outcome(4, "55%"), T0,
                T0.plus(HorizontalPortraitPlanner.METRICS_REFRESH));
        HorizontalPortraitPlanner.Plan scaled = planner.reactive(hp, outcome(5, "55%"), T0, T0.plusSeconds(15));

        assertEquals("50%", soon.status().currentMetrics.get(0).current, "held back: only the values changed");
        assertFalse(soon.metricsWritten());
        assertEquals("55%", later.status().currentMetrics.get(0).current, "written once the refresh is due");
        assertTrue(later.metricsWritten());
        assertEquals("55%", scaled.status().currentMetrics.get(0).current, "written with a real change");
        assertEquals("reactive portrait 4 -> 5", scaled.dataChange());
    }

    @Test
    void aJobThatCannotBeWrittenIsTriedAgainAfterAMinuteAndABadResultWaitsForTheNextOne() {
        HorizontalPortrait hp = portrait(null);

        HorizontalPortraitPlanner.Plan job = planner.jobFailed(hp, "forbidden", T0);
        HorizontalPortraitPlanner.Plan result = planner.resultFailed(hp, "no timeSeries", T0);

        assertEquals(T0.plus(HorizontalPortraitPlanner.JOB_RETRY), job.wakeAt());
        assertEquals(HorizontalPortrait.Reasons.FAILED_RECONCILE_EXTERNAL_ALGORITHM_JOB, job.events().get(0).reason());
        assertEquals("failed to reconcile external algorithm job: forbidden", job.failure());
        assertNull(result.wakeAt(), "the result ConfigMap's watch wakes the portrait");
        assertEquals(HorizontalPortrait.Reasons.FAILED_FETCH_EXTERNAL_ALGORITHM_JOB_RESULT,
                Conditions.find(result.status().conditions, PORTRAIT_GENERATED).getReason());
    }

    @Test
    void aJobResultIsPublishedAsTimeSeriesWithItsReport() {
        PortraitData data = new PortraitData();
        data.type = PortraitData.Type.TimeSeries;
        data.timeSeries = new HorizontalPortraitStatus.TimeSeriesData();
        data.timeSeries.timeSeries = List.of(new HorizontalPortraitStatus.TimeSeriesPoint(1_800_000_000L, 3));
        data.expireTime = "2027-01-15T08:00:00Z";
        HorizontalPortrait hp = portrait(null);

        HorizontalPortraitPlanner.Plan plan = planner.timeSeries(hp, new AlgorithmResult.Parsed(data, Map.of("model", "naive")), T0);
        hp.setStatus(plan.status());
        HorizontalPortraitPlanner.Plan again = planner.timeSeries(hp, new AlgorithmResult.Parsed(data, Map.of()), T0);

        assertEquals(PortraitData.Type.TimeSeries, plan.status().portraitData.type);
        assertEquals(3, plan.status().portraitData.timeSeries.timeSeries.get(0).replicas);
        assertEquals(Map.of("model", "naive"), plan.status().jobReport);
        assertTrue(Conditions.isTrue(plan.status().conditions, PORTRAIT_GENERATED));
        assertNull(plan.wakeAt());
        assertEquals("time series portrait: 1 points until 2027-01-15T08:00:00Z", plan.dataChange());
        assertNull(again.dataChange(), "the same data is not logged again");
        assertNull(again.status().jobReport, "an empty report is left out");
    }

    private static ReactiveOutcome outcome(int replicas, String current) {
        return new ReactiveOutcome(replicas, null, List.of(), null,
                List.of(new ReactiveOutcome.MetricReading("cpu", current, "30%")));
    }

    private static PortraitData staticData(int replicas) {
        PortraitData data = new PortraitData();
        data.type = PortraitData.Type.Static;
        data._static = new PortraitProvider.Static(replicas);
        return data;
    }

    private static HorizontalPortrait portrait(PortraitData data) {
        HorizontalPortrait hp = new HorizontalPortrait();
        hp.setMetadata(new ObjectMetaBuilder().withName("web-reactive").withNamespace("default").withGeneration(1L).build());
        hp.setSpec(new HorizontalPortraitSpec());
        hp.getSpec().portraitType = "Reactive";
        if (data != null) {
            hp.setStatus(new HorizontalPortraitStatus());
            hp.getStatus().portraitData = data;
        }
        return hp;
    }
}
