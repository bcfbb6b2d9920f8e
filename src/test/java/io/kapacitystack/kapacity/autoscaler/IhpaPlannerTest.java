package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.StabilityChecker;
import io.kapacitystack.kapacity.events.PlannedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.cron;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.cronProvider;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.ihpa;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.parkedAt;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.planner;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.rp;
import static io.kapacitystack.kapacity.autoscaler.IhpaFixtures.staticProvider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IhpaPlannerTest {

    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private final IhpaPlanner planner = planner();

    /** Priority merge: higher priority wins, then more replicas, then the first listed. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "higher priority wins even with fewer replicas, 2:3, 1:9, 3",
            "equal priority: larger replicas win,             1:3, 1:9, 9",
            "equal priority: larger replicas win (reversed),  1:9, 1:3, 9",
            "full tie keeps the first,                        1:4, 1:4, 4",
            "negative priorities compare too,                 -1:7, -2:9, 7",
            "zero replicas is a valid value,                  5:0, 1:9, 0",
    })
    void mergesByPriorityThenReplicas(String name, String a, String b, int expected) {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(0, 20, provider(a), provider(b));
        IhpaPlan plan = planner.plan(ihpa, null, null, T0);
        assertEquals(expected, plan.status().currentPortraitValue.replicas, name);
        assertEquals(IhpaPlan.RpAction.CREATE, plan.rpAction());
        assertEquals(expected, plan.rpSpec().online());
    }

    private static PortraitProvider provider(String priorityAndReplicas) {
        String[] p = priorityAndReplicas.trim().split(":");
        return staticProvider(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
    }

    @Test
    void expiredValuesDoNotCountAndTheNextBoundaryIsTheWakeUp() {
        // Cron 5 in minutes 0-10 at priority 2 beats static 1; from minute 10 the static value applies.
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 1),
                cronProvider(2, cron("peak", "0 * * * *", "10 * * * *", 5)));
        IhpaPlan atZero = planner.plan(ihpa, null, null, T0);
        assertEquals(5, atZero.status().currentPortraitValue.replicas);
        assertEquals("Cron", atZero.status().currentPortraitValue.provider);
        assertEquals("2026-11-23T08:10:00Z", atZero.status().currentPortraitValue.expireTime);
        assertEquals(T0.plus(Duration.ofMinutes(10)), atZero.wakeAt());

        ihpa.setStatus(atZero.status());
        IhpaPlan atTen = planner.plan(ihpa, rp(atZero.rpSpec()), null, T0.plus(Duration.ofMinutes(10)));
        assertEquals(1, atTen.status().currentPortraitValue.replicas);
        assertEquals(5, atTen.status().previousPortraitValue.replicas);
        assertEquals(T0.plus(Duration.ofMinutes(60)), atTen.wakeAt(), "next start of the cron rule");
        assertEquals(List.of("update ReplicaProfile with onlineReplcas: 5 -> 1, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0"),
                messages(atTen));
    }

    @Test
    void noValidValueKeepsTheProfileAndWarns() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, cronProvider(1, cron("a", "0 * * * *", "10 * * * *", 3)));
        IhpaPlan plan = planner.plan(ihpa, rp(spec(3, 0, 0)), null, T0.plus(Duration.ofMinutes(30)));
        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction());
        assertEquals(List.of("Warning NoValidPortraitValue no valid portrait value for now"),
                plan.events().stream().map(Object::toString).collect(Collectors.toList()));
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "NoValidPortraitValue");
        assertEquals(T0.plus(Duration.ofMinutes(60)), plan.wakeAt());
    }

    @Test
    void clampsTheProfileButStoresTheProvidersValue() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(2, 4, staticProvider(1, 9));
        IhpaPlan plan = planner.plan(ihpa, null, null, T0);
        assertEquals(9, plan.status().currentPortraitValue.replicas, "status keeps the unclamped value (upstream bug fixed)");
        assertEquals(4, plan.rpSpec().online());
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_LIMITED, "True", "TooManyReplicas");

        // Re-planning with the stored status changes nothing: no churn while clamped.
        ihpa.setStatus(plan.status());
        IhpaPlan again = planner.plan(ihpa, rp(plan.rpSpec()), null, T0.plusSeconds(30));
        assertEquals(IhpaPlan.RpAction.NONE, again.rpAction());
        assertTrue(again.events().isEmpty());
        assertNull(again.status().previousPortraitValue);

        IntelligentHorizontalPodAutoscaler low = ihpa(3, 5, staticProvider(1, 1));
        IhpaPlan lowPlan = planner.plan(low, null, null, T0);
        assertEquals(3, lowPlan.rpSpec().online());
        assertCondition(lowPlan, IntelligentHorizontalPodAutoscalerStatus.SCALING_LIMITED, "True", "TooFewReplicas");
    }

    @Test
    void minGreaterThanMaxIsReportedNotClamped() {
        IhpaPlan plan = planner.plan(ihpa(5, 3, staticProvider(1, 4)), null, null, T0);
        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction());
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "InvalidSpec");
        assertTrue(plan.events().get(0).message().contains("minReplicas (5) is greater than maxReplicas (3)"), plan.events().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bad cron expression     | 61 * * * *   | 10 * * * * | UTC             | failed to parse start cron",
            "bad end expression      | 0 * * * *    | 10 * * *   | UTC             | failed to parse end cron",
            "unknown time zone       | 0 * * * *    | 10 * * * * | Mars/Olympus    | failed to load time zone of cron",
    })
    void badCronRulesAreReportedAsFailedFetch(String name, String start, String end, String zone, String expected) {
        var rule = cron("r", start, end, 2);
        rule.timeZone = zone;
        IhpaPlan plan = planner.plan(ihpa(1, 5, cronProvider(1, rule)), null, null, T0);
        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction(), name);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "FailedUpdateAndFetchPortraitValue");
        assertTrue(plan.events().get(0).message().contains(expected), plan.events().get(0).message());
        assertNull(plan.retryableError(), "a spec error is not retried: it waits for a spec change");
    }

    @Test
    void overlappingRulesAreAnError() {
        IhpaPlan plan = planner.plan(ihpa(1, 5, cronProvider(1,
                cron("a", "0 * * * *", "30 * * * *", 2), cron("b", "10 * * * *", "40 * * * *", 3))), null, null,
                T0.plus(Duration.ofMinutes(15)));
        assertTrue(plan.events().get(0).message().contains("found overlapping cron \"a\" and \"b\""), plan.events().toString());
    }

    @Test
    void malformedProvidersAreInvalidSpec() {
        PortraitProvider noBlock = new PortraitProvider();
        noBlock.type = PortraitProvider.Type.Static;
        noBlock.priority = 1;
        IhpaPlan plan = planner.plan(ihpa(1, 5, noBlock), null, null, T0);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "InvalidSpec");
        assertTrue(plan.events().get(0).message().contains("portraitProviders[0]: type Static needs static.replicas"));
    }

    @Test
    void grayStrategiesThatCannotWorkAreInvalidSpec() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 5, staticProvider(1, 4));
        ihpa.getSpec().behavior = new io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior();
        ihpa.getSpec().behavior.scaleUp = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleUp.grayStrategy = new io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy(PodState.Cutoff, 30, 150, null);
        IhpaPlan plan = planner.plan(ihpa, null, null, T0);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "InvalidSpec");
        String message = plan.events().get(0).message();
        assertTrue(message.contains("behavior.scaleUp.grayStrategy.changePercent must be between 1 and 100"), message);
        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction());
    }

    /** Kapacity ignores a scale-up's grayState: Cutoff there is no InvalidSpec, and the step adds Online pods. */
    @Test
    void aScaleUpGrayStateOtherThanOnlineIsIgnored() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 1));
        ihpa.setStatus(planner.plan(ihpa, null, null, T0).status());
        ihpa.getSpec().portraitProviders.set(0, staticProvider(1, 5));
        ihpa.getSpec().behavior = new io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior();
        ihpa.getSpec().behavior.scaleUp = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleUp.grayStrategy = new io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy(PodState.Cutoff, 30, 50, null);
        IhpaPlan plan = planner.plan(ihpa, rp(spec(1, 0, 0)), null, T0);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "True", "SucceededAutoscaling");
        assertEquals(3, plan.rpSpec().online());
        assertEquals(0, plan.rpSpec().cutoff());
    }

    /** Kapacity treats a scale-down grayState Online (the CRD accepts it) as Deleted; here it was InvalidSpec and stuck. */
    @Test
    void aScaleDownGrayStateOnlineDeletesLikeDeleted() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 5));
        ihpa.setStatus(planner.plan(ihpa, null, null, T0).status());
        ihpa.getSpec().portraitProviders.set(0, staticProvider(1, 1));
        IhpaFixtures.scaleDownGray(ihpa, PodState.Online, 30, 50, 60);
        IhpaPlan plan = planner.plan(ihpa, rp(spec(5, 0, 0)), null, T0);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "True", "SucceededAutoscaling");
        // 5 -> 1 in 50 % steps: 2 pods go, and none is parked in Cutoff or Standby
        assertEquals(3, plan.rpSpec().online());
        assertEquals(0, plan.rpSpec().cutoff());
        assertEquals(0, plan.rpSpec().standby());
    }

    @Test
    void pausedPausesTheProfileAndEvaluatesNothing() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 5, staticProvider(1, 4));
        ihpa.getSpec().paused = true;
        IhpaPlan plan = planner.plan(ihpa, rp(spec(2, 0, 0)), null, T0);
        assertEquals(IhpaPlan.RpAction.UPDATE, plan.rpAction());
        assertTrue(plan.rpSpec().isPaused());
        assertEquals(2, plan.rpSpec().online(), "numbers untouched while paused");
        assertNull(plan.status().currentPortraitValue);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "ScalingPaused");
    }

    @Test
    void previewComputesButDeletesTheProfile() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 5, staticProvider(1, 4));
        ihpa.getSpec().scaleMode = IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
        IhpaPlan plan = planner.plan(ihpa, rp(spec(2, 0, 0)), null, T0);
        assertEquals(IhpaPlan.RpAction.DELETE, plan.rpAction());
        assertEquals(4, plan.status().currentPortraitValue.replicas);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "True", "SucceededAutoscaling");
        assertEquals(IhpaPlan.RpAction.NONE, planner.plan(ihpa, null, null, T0).rpAction());
    }

    @ParameterizedTest(name = "up disabled={0}, down disabled={1} -> {2}")
    @CsvSource({"false,false,Both", "false,true,Up", "true,false,Down", "true,true,Neither"})
    void disabledDirectionsBecomeTheAllowedScalingDirection(boolean up, boolean down, String expected) {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 5, staticProvider(1, 4));
        ihpa.getSpec().behavior = new io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior();
        ihpa.getSpec().behavior.scaleUp = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleUp.disabled = up;
        ihpa.getSpec().behavior.scaleDown = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleDown.disabled = down;
        assertEquals(expected, planner.plan(ihpa, null, null, T0).rpSpec().direction().name());
    }

    @Test
    void targetErrorIsReportedAndRetried() {
        IhpaPlan plan = planner.plan(ihpa(1, 5, staticProvider(1, 4)), null, "StatefulSet \"web\" not found", T0);
        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction());
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "FailedGetScale");
        assertEquals("StatefulSet \"web\" not found", plan.retryableError());
    }

    /**
     * A profile that cannot tell the target's pods (a custom resource whose scale reports no selector) moves and
     * counts none: the IHPA says it is not scaling, with the profile's reason, and recovers with it.
     */
    @Test
    void aProfileThatCannotSelectThePodsMakesTheIhpaInactive() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 5, staticProvider(1, 4));
        ReplicaProfile rp = rp(spec(4, 0, 0));
        Conditions.set(rp.getStatus().conditions, "Ensured", false, 1L, "InvalidSelector",
                "the target's scale reports no pod selector", T0);
        IhpaPlan plan = planner.plan(ihpa, rp, null, T0);
        assertCondition(plan, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "False", "InvalidSelector");
        assertEquals("the ReplicaProfile cannot select the target's pods: the target's scale reports no pod selector",
                Conditions.find(plan.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE).getMessage());

        Conditions.set(rp.getStatus().conditions, "Ensured", true, 1L, "ReplicaProfileEnsured", "current replica profile is ensured", T0);
        assertCondition(planner.plan(ihpa, rp, null, T0), IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE, "True", "SucceededAutoscaling");
    }

    /**
     * The multi-stage gray scale-down of Kapacity's quick start: static 1 (priority 1), cron 5 in minutes 0-10
     * (priority 2), scale-down Cutoff in 50 % steps every 30 s, 60 s observation.
     */
    @Test
    void grayScaleDownFollowsTheQuickStartSequence() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 1),
                cronProvider(2, cron("cron-1", "0 * * * *", "10 * * * *", 5)));
        IhpaFixtures.scaleDownGray(ihpa, PodState.Cutoff, 30, 50, 60);
        Instant before = T0.minus(Duration.ofMinutes(5));
        List<String> events = new ArrayList<>();
        ReplicaProfile rp = null;
        Instant[] times = {before, T0, T0.plus(Duration.ofMinutes(10)), T0.plus(Duration.ofMinutes(10)).plusSeconds(30),
                T0.plus(Duration.ofMinutes(10)).plusSeconds(90)};
        Instant wake = null;
        for (Instant t : times) {
            if (wake != null) {
                assertEquals(t, wake, "the planner asks to be woken exactly at the next step");
            }
            IhpaPlan plan = planner.plan(ihpa, rp, null, t);
            events.addAll(messages(plan));
            ihpa.setStatus(plan.status());
            if (plan.rpSpec() != null) {
                rp = rp(plan.rpSpec());
            }
            // Reconciles in between (e.g. triggered by the profile change) must change nothing.
            IhpaPlan again = planner.plan(ihpa, rp, null, t.plusSeconds(1));
            assertTrue(messages(again).isEmpty(), "no repeated step at " + t + ": " + messages(again));
            wake = plan.wakeAt();
        }
        assertEquals(List.of(
                "create ReplicaProfile with onlineReplcas: 1, cutoffReplicas: 0, standbyReplicas: 0",
                "update ReplicaProfile with onlineReplcas: 1 -> 5, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 3 -> 1, cutoffReplicas: 2 -> 4, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 1 -> 1, cutoffReplicas: 4 -> 0, standbyReplicas: 0 -> 0"), events);
        assertEquals(100, ihpa.getStatus().gray.grayPercent);
    }

    @Test
    void grayWithoutStatusStartsInsteadOfCrashing() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 2));
        IhpaPlan first = planner.plan(ihpa, null, null, T0);
        ihpa.setStatus(first.status());
        ihpa.getStatus().previousPortraitValue = new io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue("Static", 6, null);
        IhpaFixtures.scaleDownGray(ihpa, PodState.Cutoff, 30, 50, 0);
        IhpaPlan plan = planner.plan(ihpa, rp(spec(6, 0, 0)), null, T0.plusSeconds(5));
        assertEquals(4, plan.rpSpec().online());
        assertEquals(2, plan.rpSpec().cutoff());
        assertEquals(50, plan.status().gray.grayPercent);
    }

    @Test
    void smallStepsThatChangeNothingStillWakeUp() {
        // diff 3 at 10 %: the first two steps both move 1 pod; upstream stalls here, this planner wakes on time.
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        ihpa.setStatus(planner.plan(ihpa, null, null, T0).status());
        ihpa.getSpec().portraitProviders.set(0, staticProvider(1, 1));
        IhpaFixtures.scaleDownGray(ihpa, PodState.Cutoff, 30, 10, 0);
        IhpaPlan step1 = planner.plan(ihpa, rp(spec(4, 0, 0)), null, T0.plusSeconds(10));
        assertEquals(3, step1.rpSpec().online());
        assertEquals(T0.plusSeconds(40), step1.wakeAt());
        ihpa.setStatus(step1.status());
        IhpaPlan step2 = planner.plan(ihpa, rp(step1.rpSpec()), null, T0.plusSeconds(40));
        assertEquals(IhpaPlan.RpAction.NONE, step2.rpAction(), "20 % of 3 is still one pod");
        assertEquals(20, step2.status().gray.grayPercent);
        assertEquals(T0.plusSeconds(70), step2.wakeAt(), "and yet the next step is scheduled");
    }

    /**
     * A gray step never follows one whose pods are not yet in their state: when the profile's controller lags (an API
     * server under load, a sandbox clock running fast), the last step would otherwise delete pods that still serve.
     * Once they are, the step's wait counts from then, so the observation time is whole.
     */
    @Test
    void aGrayStepWaitsUntilThePodsOfTheLastOneAreInTheirState() {
        IntelligentHorizontalPodAutoscaler ihpa = grayFromFiveToOne();

        IhpaPlan step1 = planner.plan(ihpa, rp(spec(5, 0, 0)), null, T0);
        assertEquals(List.of(3, 2), List.of(step1.rpSpec().online(), step1.rpSpec().cutoff()));
        ihpa.setStatus(step1.status());

        // 30 s later the profile still shows no Cutoff pod: no second step
        IhpaPlan held = planner.plan(ihpa, rp(step1.rpSpec(), 5, 0, 0), null, T0.plusSeconds(30));
        assertEquals(IhpaPlan.RpAction.NONE, held.rpAction());
        assertEquals(50, held.status().gray.grayPercent);
        assertCondition(held, IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING, "True", IntelligentHorizontalPodAutoscaler.Reasons.WAITING_FOR_GRAY_PODS);
        assertTrue(messages(held).isEmpty(), messages(held).toString());
        assertEquals(T0.plusSeconds(60), held.wakeAt(), "looks again after an interval, besides the profile's own change");
        // a profile that cannot move its pods says why, and so does the IHPA
        ReplicaProfile stuck = rp(step1.rpSpec(), 5, 0, 0);
        io.kapacitystack.kapacity.api.v1alpha1.Conditions.set(stuck.getStatus().conditions, "Applied", false, 1L,
                "UnsupportedPodBehavior", "external pod sorters are not supported", T0);
        String message = io.kapacitystack.kapacity.api.v1alpha1.Conditions.find(
                planner.plan(ihpa, stuck, null, T0.plusSeconds(30)).status().conditions, IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING).getMessage();
        assertTrue(message.endsWith("; the ReplicaProfile reports Applied=False UnsupportedPodBehavior: external pod sorters are not supported"), message);
        ihpa.setStatus(held.status());

        // at 45 s the two pods are Cutoff: the step counts from then, the next one is due 30 s later
        IhpaPlan settled = planner.plan(ihpa, parkedAt(step1.rpSpec(), T0.plusSeconds(45)), null, T0.plusSeconds(46));
        assertEquals(IhpaPlan.RpAction.NONE, settled.rpAction());
        assertEquals(T0.plusSeconds(75), settled.wakeAt());
        assertCondition(settled, IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING, "True", "ReplicasNotMatchPortrait");
        ihpa.setStatus(settled.status());

        IhpaPlan step2 = planner.plan(ihpa, parkedAt(step1.rpSpec(), T0.plusSeconds(45)), null, T0.plusSeconds(75));
        assertEquals(List.of(1, 4), List.of(step2.rpSpec().online(), step2.rpSpec().cutoff()));
        ihpa.setStatus(step2.status());

        // the observation ends at 135 s, but two of the four pods are still Online: nothing is deleted
        IhpaPlan heldLast = planner.plan(ihpa, rp(step2.rpSpec(), 3, 2, 0), null, T0.plusSeconds(140));
        assertEquals(IhpaPlan.RpAction.NONE, heldLast.rpAction());
        ihpa.setStatus(heldLast.status());
        IhpaPlan observing = planner.plan(ihpa, parkedAt(step2.rpSpec(), T0.plusSeconds(150)), null, T0.plusSeconds(151));
        assertEquals(IhpaPlan.RpAction.NONE, observing.rpAction(), "the whole observation time after the pods are Cutoff");
        assertEquals(T0.plusSeconds(210), observing.wakeAt());
        ihpa.setStatus(observing.status());
        IhpaPlan last = planner.plan(ihpa, parkedAt(step2.rpSpec(), T0.plusSeconds(150)), null, T0.plusSeconds(210));
        assertEquals(List.of(1, 0), List.of(last.rpSpec().online(), last.rpSpec().cutoff()));
        assertCondition(last, IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING, "False", "ReplicasMatchPortrait");
        ihpa.setStatus(last.status());

        // after the last step nothing is waited for: the profile still reporting its four Cutoff pods (being deleted),
        // then none, changes nothing (a wait here once restarted the observation and put the pods back, in a loop)
        for (ReplicaProfile later : List.of(rp(last.rpSpec(), 1, 4, 0), rp(last.rpSpec()), rp(last.rpSpec(), 1, 4, 0), rp(last.rpSpec()))) {
            IhpaPlan after = planner.plan(ihpa, later, null, T0.plusSeconds(215));
            assertEquals(IhpaPlan.RpAction.NONE, after.rpAction(), after.rpSpec() == null ? "" : after.rpSpec().toString());
            assertCondition(after, IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING, "False", "ReplicasMatchPortrait");
            ihpa.setStatus(after.status());
        }
    }

    /** No wait was needed, but the pods were parked 20 s after the step: the next step is 30 s after that, not 10. */
    @Test
    void aStepAppliedLateGetsItsWholeInterval() {
        IntelligentHorizontalPodAutoscaler ihpa = grayFromFiveToOne();
        IhpaPlan step1 = planner.plan(ihpa, rp(spec(5, 0, 0)), null, T0);
        ihpa.setStatus(step1.status());
        IhpaPlan parked = planner.plan(ihpa, parkedAt(step1.rpSpec(), T0.plusSeconds(20)), null, T0.plusSeconds(20));
        assertEquals(IhpaPlan.RpAction.NONE, parked.rpAction());
        assertEquals(T0.plusSeconds(50), parked.wakeAt());
        ihpa.setStatus(parked.status());
        assertEquals(IhpaPlan.RpAction.NONE, planner.plan(ihpa, parkedAt(step1.rpSpec(), T0.plusSeconds(20)), null,
                T0.plusSeconds(30)).rpAction(), "30 s after the step, but 10 s after the pods were parked");
        IhpaPlan step2 = planner.plan(ihpa, parkedAt(step1.rpSpec(), T0.plusSeconds(20)), null, T0.plusSeconds(50));
        assertEquals(List.of(1, 4), List.of(step2.rpSpec().online(), step2.rpSpec().cutoff()));
    }

    @Test
    void aScaleUpGrayDoesNotWaitForPods() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 1));
        ihpa.setStatus(planner.plan(ihpa, null, null, T0).status());
        ihpa.getSpec().portraitProviders.set(0, staticProvider(1, 5));
        ihpa.getSpec().behavior = new io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior();
        ihpa.getSpec().behavior.scaleUp = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleUp.grayStrategy = new io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy(PodState.Online, 30, 50, null);
        IhpaPlan step1 = planner.plan(ihpa, rp(spec(1, 0, 0)), null, T0);
        assertEquals(3, step1.rpSpec().online());
        ihpa.setStatus(step1.status());
        // new pods still starting (one Online): more capacity is never held back
        IhpaPlan step2 = planner.plan(ihpa, rp(step1.rpSpec(), 1, 0, 0), null, T0.plusSeconds(30));
        assertEquals(5, step2.rpSpec().online());
    }

    /** Static 5, then static 1 with Cutoff steps of 50 % every 30 s and 60 s of observation. */
    private IntelligentHorizontalPodAutoscaler grayFromFiveToOne() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 5));
        ihpa.setStatus(planner.plan(ihpa, null, null, T0).status());
        ihpa.getSpec().portraitProviders.set(0, staticProvider(1, 1));
        IhpaFixtures.scaleDownGray(ihpa, PodState.Cutoff, 30, 50, 60);
        return ihpa;
    }

    static ReplicaProfileSpec spec(int online, int cutoff, int standby) {
        ReplicaProfileSpec s = new ReplicaProfileSpec();
        s.scaleTargetRef = new io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference("apps/v1", "StatefulSet", "web");
        s.onlineReplicas = online;
        s.cutoffReplicas = cutoff;
        s.standbyReplicas = standby;
        s.paused = false;
        s.allowedScalingDirection = ReplicaProfileSpec.ScalingDirection.Both;
        s.behavior = io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileBehavior.defaults();
        return s;
    }

    @Test
    void stabilityCheckersAreReportedAsNotEvaluatedWhenTheReplicasChange() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 3));
        StabilityChecker checker = new StabilityChecker();
        checker.type = StabilityChecker.Type.Metrics;
        checker.stabilizationAction = StabilityChecker.Action.Pause;
        ihpa.getSpec().stabilityCheckers = List.of(checker);

        IhpaPlan created = planner.plan(ihpa, null, null, T0);
        assertEquals(List.of("StabilityCheckersNotEvaluated"), warnings(created));

        ihpa.setStatus(created.status());
        IhpaPlan unchanged = planner.plan(ihpa, rp(created.rpSpec()), null, T0.plusSeconds(60));
        assertEquals(List.of(), warnings(unchanged), "no replica change, nothing to warn about");

        ihpa.getSpec().portraitProviders = List.of(staticProvider(1, 5));
        IhpaPlan updated = planner.plan(ihpa, rp(created.rpSpec()), null, T0.plusSeconds(120));
        assertEquals(List.of("StabilityCheckersNotEvaluated"), warnings(updated));

        ihpa.getSpec().stabilityCheckers = null;
        assertEquals(List.of(), warnings(planner.plan(ihpa, rp(created.rpSpec()), null, T0.plusSeconds(180))));
    }

    private static List<String> warnings(IhpaPlan plan) {
        return plan.events().stream().filter(e -> e.type() == PlannedEvent.Type.Warning).map(PlannedEvent::reason)
                .collect(Collectors.toList());
    }

    // --- one autoscaler per workload (ScaleTargetClaims) ---

    private static ScaleTargetClaims.Claim ihpaClaim(String name, Instant profileCreated) {
        return new ScaleTargetClaims.Claim(ScaleTargetClaims.IHPA_KIND, name, profileCreated);
    }

    private static ReplicaProfile profileCreatedAt(int online, Instant created) {
        ReplicaProfileSpec spec = new ReplicaProfileSpec();
        spec.scaleTargetRef = new io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference("apps/v1", "StatefulSet", "web");
        spec.onlineReplicas = online;
        ReplicaProfile rp = rp(spec);
        rp.getMetadata().setCreationTimestamp(io.kapacitystack.kapacity.api.v1alpha1.KubeTime.format(created));
        return rp;
    }

    private static List<PlannedEvent> warningEvents(IhpaPlan plan) {
        return plan.events().stream().filter(e -> e.type() == PlannedEvent.Type.Warning).collect(Collectors.toList());
    }

    @Test
    void aNewcomerOnATargetAnotherIhpaScalesDoesNotScaleItAndSaysWhoDoes() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        IhpaPlan plan = planner.plan(ihpa, null, null, List.of(ihpaClaim("first", T0.minusSeconds(3600))), T0);

        assertEquals(IhpaPlan.RpAction.NONE, plan.rpAction(), "no profile is created for a target another IHPA scales");
        Condition active = Conditions.find(plan.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE);
        assertEquals("False", active.getStatus());
        assertEquals(IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, active.getReason());
        assertTrue(active.getMessage().contains("IntelligentHorizontalPodAutoscaler \"first\""), active.getMessage());
        assertTrue(active.getMessage().contains("StatefulSet \"web\""), active.getMessage());
        assertEquals(1, warningEvents(plan).size());
        assertEquals(IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, warningEvents(plan).get(0).reason());
        assertNull(plan.wakeAt(), "the other autoscaler's changes wake it, not a timer");
    }

    @Test
    void aYieldingIhpaWarnsOnceNotOnEveryReconcile() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        List<ScaleTargetClaims.Claim> others = List.of(ihpaClaim("first", T0.minusSeconds(3600)));
        IhpaPlan first = planner.plan(ihpa, null, null, others, T0);
        ihpa.setStatus(first.status());
        IhpaPlan again = planner.plan(ihpa, null, null, others, T0.plusSeconds(30));
        assertEquals(List.of(), warningEvents(again));
        assertEquals(IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET,
                Conditions.find(again.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE).getReason());

        // Yielding to someone else is news again.
        IhpaPlan toAnHpa = planner.plan(ihpa, null, null,
                List.of(new ScaleTargetClaims.Claim(ScaleTargetClaims.HPA_KIND, "web-hpa", T0)), T0.plusSeconds(60));
        assertEquals(1, warningEvents(toAnHpa).size());
    }

    @Test
    void theIhpaWhoseProfileIsOlderKeepsScalingAndTheYoungerDeletesItsProfile() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        ReplicaProfile mine = profileCreatedAt(4, T0.minusSeconds(600));

        IhpaPlan younger = planner.plan(ihpa, mine, null, List.of(ihpaClaim("older", T0.minusSeconds(3600))), T0);
        assertEquals(IhpaPlan.RpAction.DELETE, younger.rpAction());
        assertEquals("False", Conditions.find(younger.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE).getStatus());

        IhpaPlan older = planner.plan(ihpa, mine, null, List.of(ihpaClaim("newer", T0.minusSeconds(60))), T0);
        assertTrue(older.rpAction() != IhpaPlan.RpAction.DELETE, "the first to scale keeps its profile");
        assertTrue(Conditions.isTrue(older.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE));
        assertEquals(List.of(), warningEvents(older));
    }

    @Test
    void profilesCreatedInTheSameInstantAreDecidedByNameTheSameWayOnBothSides() {
        IntelligentHorizontalPodAutoscaler web = ihpa(1, 10, staticProvider(1, 4)); // named "web"
        ReplicaProfile sameAge = profileCreatedAt(4, T0);
        assertEquals(IhpaPlan.RpAction.DELETE,
                planner.plan(web, sameAge, null, List.of(ihpaClaim("alpha", T0)), T0).rpAction(), "alpha < web");
        assertTrue(Conditions.isTrue(planner.plan(web, sameAge, null, List.of(ihpaClaim("zulu", T0)), T0).status().conditions,
                IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE), "web < zulu");
    }

    @Test
    void anHpaOnTheTargetWinsEvenOverAnIhpaThatScaledItFirst() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        ReplicaProfile mine = profileCreatedAt(4, T0.minusSeconds(86_400));
        IhpaPlan plan = planner.plan(ihpa, mine, null,
                List.of(new ScaleTargetClaims.Claim(ScaleTargetClaims.HPA_KIND, "web-hpa", T0)), T0);
        assertEquals(IhpaPlan.RpAction.DELETE, plan.rpAction(), "the HPA controller would never yield: the IHPA does");
        Condition active = Conditions.find(plan.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE);
        assertEquals(IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, active.getReason());
        assertTrue(active.getMessage().contains("HorizontalPodAutoscaler \"web-hpa\""), active.getMessage());
    }

    @Test
    void aYieldingIhpaScalesAgainOnceTheOtherAutoscalerIsGone() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        IhpaPlan yielding = planner.plan(ihpa, null, null, List.of(ihpaClaim("first", T0)), T0);
        ihpa.setStatus(yielding.status());
        IhpaPlan alone = planner.plan(ihpa, null, null, List.of(), T0.plusSeconds(60));
        assertEquals(IhpaPlan.RpAction.CREATE, alone.rpAction());
        assertEquals(4, alone.rpSpec().online());
        assertTrue(Conditions.isTrue(alone.status().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE));
    }

    @Test
    void aPreviewIhpaScalesNothingAndSoYieldsToNobody() {
        IntelligentHorizontalPodAutoscaler ihpa = ihpa(1, 10, staticProvider(1, 4));
        ihpa.getSpec().scaleMode = IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
        IhpaPlan plan = planner.plan(ihpa, null, null, List.of(ihpaClaim("first", T0)), T0);
        assertEquals(4, plan.status().currentPortraitValue.replicas, "a preview still shows its value");
        assertEquals(List.of(), warningEvents(plan));
    }

    @ParameterizedTest(name = "{0}/{1}/{2} vs apps/v1/StatefulSet/web: {3}")
    @CsvSource({
            "apps/v1,      StatefulSet, web,   true",
            "apps/v1beta2, StatefulSet, web,   true",
            "other.io/v1,  StatefulSet, web,   false",
            "apps/v1,      Deployment,  web,   false",
            "apps/v1,      StatefulSet, web-2, false",
    })
    void aTargetIsTheSameByGroupKindAndNameNotVersion(String apiVersion, String kind, String name, boolean same) {
        assertEquals(same, ScaleTargetClaims.sameTarget(
                new io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference("apps/v1", "StatefulSet", "web"),
                apiVersion, kind, name));
    }

    private static List<String> messages(IhpaPlan plan) {
        return plan.events().stream().filter(e -> e.type() == PlannedEvent.Type.Normal).map(PlannedEvent::message)
                .collect(Collectors.toList());
    }

    private static void assertCondition(IhpaPlan plan, String type, String status, String reason) {
        Condition c = Conditions.find(plan.status().conditions, type);
        assertEquals(status, c == null ? null : c.getStatus(), type);
        assertEquals(reason, c.getReason(), type);
    }
}
