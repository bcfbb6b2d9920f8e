package io.kapacitystack.kapacity.replicaprofile;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReplicaProfilePlannerTest {

    private static final Instant NOW = Instant.parse("2026-11-23T08:00:00Z");

    /** allowedScalingDirection against running pods and the workload's replica count (spec §7.4 table). */
    @ParameterizedTest(name = "{0}: want {1}, running {2}, workload {3} -> scale to {4}, ensured {5}")
    @CsvSource({
            "Both,    5, 2, 2, 5,    false",
            "Both,    2, 5, 5, 2,    false",
            "Both,    3, 3, 3, -1,   true",
            "Up,      5, 2, 2, 5,    false",
            "Up,      2, 5, 5, -1,   true",
            "Down,    2, 5, 5, 2,    false",
            "Down,    5, 2, 2, -1,   true",
            "Neither, 5, 2, 2, -1,   true",
            "Neither, 1, 4, 4, -1,   true",
    })
    void directions(String direction, int want, int running, int workload, int scaleTo, boolean ensured) {
        ReplicaProfile rp = rp(want, ReplicaProfileSpec.ScalingDirection.valueOf(direction));
        ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(workload, running, "app=web"),
                PodStates.classify(pods(running, 0)), NOW);
        assertEquals(scaleTo < 0 ? null : scaleTo, plan.scaleTo());
        assertEquals(ensured, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED));
        assertEquals(running == 0 ? null : running, plan.status().onlineReplicas);
        if (plan.scaleTo() != null) {
            assertEquals(String.format("rescale target workload from %d to %d replicas", workload, scaleTo),
                    plan.events().get(0).message());
            assertEquals(true, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.APPLIED));
        }
    }

    /** A state change skipped while pods settled is not reported any more once the profile is ensured. */
    @Test
    void anEnsuredProfileIsApplied() {
        ReplicaProfile rp = rp(3, ReplicaProfileSpec.ScalingDirection.Both);
        rp.setStatus(new io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus());
        rp.getStatus().conditions.add(new io.fabric8.kubernetes.api.model.ConditionBuilder().withType(ReplicaProfileStatus.APPLIED)
                .withStatus("False").withReason("StateChangeSkipped").build());
        ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(3, 3, "app=web"), PodStates.classify(pods(3, 0)), NOW);
        assertEquals(true, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED));
        assertEquals(true, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.APPLIED));
    }

    @Test
    void podsNotRunningOrBeingDeletedDoNotCount() {
        List<Pod> pods = pods(3, 0);
        pods.get(0).getStatus().setPhase("Pending");
        pods.get(1).getMetadata().setDeletionTimestamp("2026-11-23T07:59:00Z");
        PodStates states = PodStates.classify(pods);
        assertEquals(1, states.running());
    }

    @Test
    void stateLabelsAreReadAsKapacityDoes() {
        List<Pod> pods = pods(4, 0);
        pods.get(0).getMetadata().getLabels().put("kapacitystack.io/pod-state", "Cutoff");
        pods.get(1).getMetadata().getLabels().put("kapacitystack.io/pod-state", "Standby");
        pods.get(2).getMetadata().getLabels().put("kapacitystack.io/pod-state", "Whatever");
        PodStates s = PodStates.classify(pods);
        assertEquals(2, s.count(io.kapacitystack.kapacity.api.v1alpha1.PodState.Online), "unknown values read as Online");
        assertEquals(1, s.count(io.kapacitystack.kapacity.api.v1alpha1.PodState.Cutoff));
        assertEquals(1, s.count(io.kapacitystack.kapacity.api.v1alpha1.PodState.Standby));
    }

    @Test
    void pausedTouchesNothing() {
        ReplicaProfile rp = rp(5, ReplicaProfileSpec.ScalingDirection.Both);
        rp.getSpec().paused = true;
        ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, null, null, NOW);
        assertNull(plan.scaleTo());
        assertEquals("ReplicaProfilePaused", Conditions.find(plan.status().conditions, ReplicaProfileStatus.APPLIED).getReason());
    }

    /**
     * A StatefulSet loses its highest ordinals, so those are the ones to park: a pod labelled Cutoff by hand below
     * them (still serving) is brought back Online and the highest Online one is cut off instead, and a pod labelled
     * Cutoff by hand whose traffic is still on is cut off; the profile is not ensured until then.
     */
    @Test
    void aStatefulSetParksItsHighestOrdinalsWhateverWasLabelledByHand() {
        ReplicaProfile rp = statefulSetRp(3, 2);
        List<Pod> pods = pods(5, 0);
        label(pods.get(1), "Cutoff", true);
        label(pods.get(4), "Cutoff", false);
        ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(pods), NOW);
        assertEquals(false, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED));
        assertEquals(List.of("web-1"), names(plan.stateChange().to(PodState.Online)));
        assertEquals(List.of("web-3"), names(plan.stateChange().to(PodState.Cutoff)));

        List<Pod> handOnTop = pods(5, 0);
        label(handOnTop.get(3), "Cutoff", false);
        label(handOnTop.get(4), "Cutoff", true);
        plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(handOnTop), NOW);
        assertEquals(false, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED));
        assertEquals(List.of("web-4"), names(plan.stateChange().to(PodState.Cutoff)));
        assertEquals(List.of(), names(plan.stateChange().to(PodState.Online)));
    }

    /**
     * A pod that crashed and came back (Online, serving) where the profile now removes its parked pods is parked
     * first, and the workload shrinks only on the next pass, once no pod it loses serves.
     */
    @Test
    void aPodThatCameBackOnlineWhereTheProfileRemovesPodsIsParkedBeforeTheWorkloadShrinks() {
        ReplicaProfile rp = statefulSetRp(3, 0);
        List<Pod> pods = pods(5, 0);
        label(pods.get(3), "Cutoff", false);
        ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(pods), NOW);
        assertNull(plan.scaleTo());
        assertEquals(List.of("web-4"), names(plan.stateChange().to(PodState.Cutoff)));
        assertEquals(List.of("web-3"), names(plan.stateChange().to(PodState.Deleted)));

        label(pods.get(4), "Cutoff", false);
        plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(pods), NOW);
        assertEquals(3, plan.scaleTo());
        assertEquals(List.of("web-3", "web-4"), names(plan.stateChange().to(PodState.Deleted)));
    }

    /**
     * A parked pod whose Cutoff label was removed by hand (or whose label write failed after its traffic was cut)
     * reads as Online yet serves nothing: the profile is not ensured until its traffic is back, for a StatefulSet and a
     * Deployment alike, and with no pod parked in the spec (found by {@code GrayInvariantsPropertyTest} in CI).
     */
    @Test
    void aPodLabelledOnlineWhoseTrafficIsCutGetsItsTrafficBack() {
        for (String kind : List.of("StatefulSet", "Deployment")) {
            ReplicaProfile rp = statefulSetRp(5, 0);
            rp.getSpec().scaleTargetRef = new CrossVersionObjectReference("apps/v1", kind, "web");
            List<Pod> pods = pods(5, 0);
            label(pods.get(4), "Cutoff", false);
            pods.get(4).getMetadata().getLabels().remove(Constants.POD_STATE_LABEL);
            ReplicaProfilePlan plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(pods), NOW);
            assertEquals(false, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED), kind);
            assertEquals(List.of("web-4"), names(plan.stateChange().to(PodState.Online)), kind);
            assertNull(plan.scaleTo(), kind);

            label(pods.get(4), "Online", true);
            plan = ReplicaProfilePlanner.plan(rp, new ScaleInfo(5, 5, "app=web"), PodStates.classify(pods), NOW);
            assertEquals(true, Conditions.isTrue(plan.status().conditions, ReplicaProfileStatus.ENSURED), kind);
        }
    }

    private static ReplicaProfile statefulSetRp(int online, int cutoff) {
        ReplicaProfile rp = rp(online, ReplicaProfileSpec.ScalingDirection.Both);
        rp.getSpec().cutoffReplicas = cutoff;
        rp.getSpec().scaleTargetRef = new CrossVersionObjectReference("apps/v1", "StatefulSet", "web");
        return rp;
    }

    /** The state label, and the traffic gate as the controller (off) or a hand (left on) leaves it. */
    private static void label(Pod pod, String state, boolean trafficOn) {
        pod.getMetadata().getLabels().put(Constants.POD_STATE_LABEL, state);
        pod.getStatus().setConditions(new ArrayList<>(List.of(new PodConditionBuilder()
                .withType(Constants.READINESS_GATE_CONDITION).withStatus(trafficOn ? "True" : "False").build())));
    }

    private static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }

    static ReplicaProfile rp(int online, ReplicaProfileSpec.ScalingDirection direction) {
        ReplicaProfile rp = new ReplicaProfile();
        rp.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("ns").withGeneration(2L).build());
        ReplicaProfileSpec spec = new ReplicaProfileSpec();
        spec.onlineReplicas = online;
        spec.allowedScalingDirection = direction;
        rp.setSpec(spec);
        return rp;
    }

    static List<Pod> pods(int running, int pending) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < running + pending; i++) {
            pods.add(new PodBuilder().withNewMetadata().withName("web-" + i).addToLabels("app", "web").endMetadata()
                    .withNewStatus().withPhase(i < running ? "Running" : "Pending").endStatus().build());
        }
        return pods;
    }
}
