package io.kapacitystack.kapacity.reliability.properties;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.autoscaler.GrayPlanner;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;
import io.kapacitystack.kapacity.replicaprofile.PodStates;
import io.kapacitystack.kapacity.replicaprofile.ReplicaProfilePlan;
import io.kapacitystack.kapacity.replicaprofile.ReplicaProfilePlanner;
import io.kapacitystack.kapacity.workload.ScaleInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One gray-scaled IHPA, its ReplicaProfile, its StatefulSet and the StatefulSet's pods, as a pure state machine over
 * the planners' outputs: {@link #reconcileIhpa} applies an {@link IhpaPlan} as {@code IhpaReconciler} does (status
 * first, then the profile), {@link #reconcileProfile} applies a {@link ReplicaProfilePlan} as
 * {@code ReplicaProfileReconciler} does (traffic and state labels, then the scale), {@link #reconcileWorkload} is the
 * StatefulSet controller (missing ordinals are created Pending, the highest ordinals above the replicas removed), and
 * the rest are what the world does to pods (they start, crash, turn unready, get relabelled by hand). Every step is
 * checked against the gray invariants of issue 23 and the violations are collected, in words.
 */
final class GrayWorld {

    /** The IHPA's decision, replaceable to show that a broken one is caught. */
    interface IhpaDecider {
        IhpaPlan plan(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfile rp, Instant now);
    }

    /** The profile's decision, replaceable to show that a broken one is caught. */
    interface ProfileDecider {
        ReplicaProfilePlan plan(ReplicaProfile rp, ScaleInfo scale, PodStates pods, Instant now);
    }

    /** One pod of the StatefulSet: whether it runs, whether it is ready, its state label (null: Online), its traffic gate. */
    static final class SimPod {
        final int ordinal;
        boolean running;
        boolean ready;
        String stateLabel;
        boolean traffic = true;

        SimPod(int ordinal) {
            this.ordinal = ordinal;
        }

        boolean serving() {
            return running && ready && traffic;
        }

        @Override
        public String toString() {
            return "web-" + ordinal + (running ? "" : "(pending)") + (ready ? "" : "(unready)")
                    + (stateLabel == null ? "" : "[" + stateLabel + "]") + (traffic ? "" : "(no traffic)");
        }
    }

    static final Instant START = Instant.parse("2026-11-23T08:00:00Z");

    final int min;
    final int max;
    final GrayStrategy scaleDown;
    final GrayStrategy scaleUp;
    private final IhpaDecider decider;
    /** The real profile planner unless a test breaks it. */
    ProfileDecider profileDecider = ReplicaProfilePlanner::plan;
    Instant now = START;
    final IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
    ReplicaProfile rp;
    int workloadReplicas;
    final TreeMap<Integer, SimPod> pods = new TreeMap<>();
    /** When the IHPA asked to be woken (null: only by a change). */
    Instant ihpaWake;
    final List<String> violations = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    GrayWorld(int min, int max, GrayStrategy scaleDown, GrayStrategy scaleUp, int value, IhpaDecider decider) {
        this.min = min;
        this.max = max;
        this.scaleDown = scaleDown;
        this.scaleUp = scaleUp;
        this.decider = decider;
        ihpa.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").withUid("u1").withGeneration(1L).build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        spec.scaleTargetRef = new CrossVersionObjectReference("apps/v1", "StatefulSet", "web");
        spec.minReplicas = min;
        spec.maxReplicas = max;
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Static;
        p.priority = 0;
        p._static = new PortraitProvider.Static(value);
        spec.portraitProviders = new ArrayList<>(List.of(p));
        spec.behavior = new IntelligentHorizontalPodAutoscalerBehavior();
        spec.behavior.scaleDown = new ScalingBehavior();
        spec.behavior.scaleDown.grayStrategy = scaleDown;
        spec.behavior.scaleUp = new ScalingBehavior();
        spec.behavior.scaleUp.grayStrategy = scaleUp;
        ihpa.setSpec(spec);
        ihpa.setStatus(new IntelligentHorizontalPodAutoscalerStatus());
        // the workload starts where the IHPA will put it, its pods running: the first value has no gray
        workloadReplicas = Math.max(min, Math.min(max, value));
        for (int i = 0; i < workloadReplicas; i++) {
            SimPod pod = new SimPod(i);
            pod.running = true;
            pod.ready = true;
            pods.put(i, pod);
        }
    }

    /** The real planner with the Static evaluator, as the controller wires it. */
    static IhpaDecider realPlanner() {
        IhpaPlanner planner = new IhpaPlanner(new PortraitSelector(Map.of(PortraitProvider.Type.Static, new StaticPortraitEvaluator())));
        return (ihpa, rp, now) -> planner.plan(ihpa, rp, null, now);
    }

    // ---- the world's events ----

    void setPortraitValue(int value) {
        ihpa.getSpec().portraitProviders.get(0)._static.replicas = value;
        ihpa.getMetadata().setGeneration(ihpa.getMetadata().getGeneration() + 1);
        log.add("value " + value);
    }

    void advance(int seconds) {
        now = now.plusSeconds(seconds);
        log.add("+" + seconds + "s");
    }

    void start(int ordinal) {
        SimPod pod = pods.get(ordinal);
        if (pod != null) {
            pod.running = true;
            pod.ready = true;
            log.add("web-" + ordinal + " running");
        }
    }

    void ready(int ordinal, boolean ready) {
        SimPod pod = pods.get(ordinal);
        if (pod != null && pod.running) {
            pod.ready = ready;
            log.add("web-" + ordinal + (ready ? " ready" : " unready"));
        }
    }

    /**
     * The pod dies and the StatefulSet controller creates it again, Pending and Online; the controllers run in any
     * order after, so an IHPA pass planned on the profile's earlier status can meet the pod back and serving.
     */
    void crash(int ordinal) {
        if (pods.remove(ordinal) != null) {
            log.add("web-" + ordinal + " crashed");
            reconcileWorkload();
        }
    }

    /** Someone sets the state label by hand (its traffic gate is left as it was). */
    void relabel(int ordinal, String label) {
        SimPod pod = pods.get(ordinal);
        if (pod != null) {
            pod.stateLabel = label;
            log.add("web-" + ordinal + " labelled " + label);
        }
    }

    // ---- the controllers ----

    void reconcileIhpa() {
        IntelligentHorizontalPodAutoscalerStatus before = IntelligentHorizontalPodAutoscalerStatus.copyOf(ihpa.getStatus());
        ReplicaProfileSpec rpBefore = rp == null ? null : rp.getSpec();
        IhpaPlan plan = decider.plan(ihpa, rp, now);
        checkGrayStep(before, plan);
        long updateEvents = plan.events().stream().filter(e -> e.reason().equals("UpdateReplicaProfile")).count();
        boolean numbersChange = rpBefore != null && plan.rpSpec() != null && !rpBefore.sameNumbers(plan.rpSpec());
        if (updateEvents != (numbersChange ? 1 : 0)) {
            violations.add(now + ": " + updateEvents + " UpdateReplicaProfile events for a numbers change " + numbersChange);
        }
        ihpa.setStatus(plan.status());
        switch (plan.rpAction()) {
            case CREATE -> {
                rp = new ReplicaProfile();
                rp.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").withGeneration(1L)
                        .withCreationTimestamp(KubeTime.format(now)).build());
                rp.setSpec(plan.rpSpec());
                rp.setStatus(new ReplicaProfileStatus());
            }
            case UPDATE -> {
                rp.setSpec(plan.rpSpec());
                rp.getMetadata().setGeneration(rp.getMetadata().getGeneration() + 1);
            }
            case DELETE -> rp = null;
            default -> {
            }
        }
        ihpaWake = plan.wakeAt();
        log.add("ihpa " + describe(plan));
    }

    /** Returns whether pods moved (the reconciler then looks again at once). */
    boolean reconcileProfile() {
        if (rp == null) {
            return false;
        }
        List<Pod> objects = new ArrayList<>();
        Map<String, SimPod> byName = new java.util.HashMap<>();
        for (SimPod p : pods.values()) {
            objects.add(podObject(p));
            byName.put("web-" + p.ordinal, p);
        }
        ReplicaProfilePlan plan = profileDecider.plan(rp, new ScaleInfo(workloadReplicas, pods.size(), "app=web"),
                PodStates.classify(objects), now);
        boolean moved = false;
        if (plan.stateChange() != null) {
            for (PodState state : List.of(PodState.Online, PodState.Cutoff, PodState.Standby)) {
                for (Pod pod : plan.stateChange().to(state)) {
                    SimPod p = byName.get(pod.getMetadata().getName());
                    p.traffic = state == PodState.Online;
                    p.stateLabel = state == PodState.Online ? null : state.name();
                    moved = true;
                }
            }
        }
        if (plan.scaleTo() != null) {
            if (plan.scaleTo() < min || plan.scaleTo() > max) {
                violations.add(now + ": workload scaled to " + plan.scaleTo() + ", outside [" + min + ", " + max + "]");
            }
            workloadReplicas = plan.scaleTo();
        }
        rp.setStatus(plan.status());
        log.add("rp " + (moved ? "moved pods " : "") + (plan.scaleTo() == null ? "" : "scale " + plan.scaleTo()) + " -> " + pods.values());
        return moved;
    }

    void reconcileWorkload() {
        for (Integer ordinal : new ArrayList<>(pods.tailMap(workloadReplicas, true).keySet())) {
            SimPod gone = pods.remove(ordinal);
            if (gone.serving() && parks(scaleDown)) {
                violations.add(now + ": " + gone + " deleted while serving traffic (gray state " + scaleDown.grayState + ")");
            }
        }
        for (int i = 0; i < workloadReplicas; i++) {
            pods.computeIfAbsent(i, SimPod::new);
        }
        log.add("sts " + workloadReplicas + " -> " + pods.values());
    }

    /** Faults stop: every pod starts, the controllers run and the clock moves to each wake-up until nothing changes. */
    void settle() {
        for (int round = 0; round < 200; round++) {
            pods.values().forEach(p -> {
                p.running = true;
                p.ready = true;
            });
            reconcileWorkload();
            pods.values().forEach(p -> {
                p.running = true;
                p.ready = true;
            });
            boolean moved = reconcileProfile();
            reconcileIhpa();
            if (moved) {
                continue;
            }
            if (converged()) {
                return;
            }
            if (ihpaWake != null && ihpaWake.isAfter(now)) {
                now = ihpaWake;
            } else if (ihpaWake == null) {
                now = now.plusSeconds(1);
            }
        }
        violations.add(now + ": no convergence after faults stopped: " + state());
    }

    /** The IHPA's current value is in place: the profile, the workload and the pods all say so, nothing is parked. */
    boolean converged() {
        int value = ihpa.getSpec().portraitProviders.get(0)._static.replicas;
        int want = Math.max(min, Math.min(max, value));
        return rp != null && rp.getSpec().online() == want && rp.getSpec().cutoff() == 0 && rp.getSpec().standby() == 0
                && workloadReplicas == want && pods.size() == want
                && pods.values().stream().allMatch(p -> p.serving() && !"Cutoff".equals(p.stateLabel) && !"Standby".equals(p.stateLabel));
    }

    String state() {
        return "rp " + (rp == null ? null : rp.getSpec().online() + "/" + rp.getSpec().cutoff() + "/" + rp.getSpec().standby())
                + ", sts " + workloadReplicas + ", pods " + pods.values() + ", gray " + gray(ihpa.getStatus());
    }

    // ---- the invariants ----

    /**
     * Within one gray change (the same previous and current value), the percent only moves one step at a time
     * (changePercent more, capped at 100), never before the step is due, and never backwards.
     */
    private void checkGrayStep(IntelligentHorizontalPodAutoscalerStatus before, IhpaPlan plan) {
        IntelligentHorizontalPodAutoscalerStatus after = plan.status();
        if (before.gray == null || after.gray == null || !Objects.equals(before.currentPortraitValue, after.currentPortraitValue)
                || !Objects.equals(before.previousPortraitValue, after.previousPortraitValue)) {
            return;
        }
        int from = before.gray.grayPercent;
        int to = after.gray.grayPercent;
        if (from == to) {
            return;
        }
        GrayStrategy strategy = activeStrategy(after);
        if (strategy == null) {
            return;
        }
        int expected = Math.min(100, from + Math.max(1, strategy.changePercent));
        if (to != expected) {
            violations.add(now + ": gray went from " + from + " % to " + to + " % (one step is " + expected + " %): a step skipped or applied twice");
        }
        Instant last = KubeTime.parse(before.gray.lastUpdateTime);
        long wait = from == 0 ? 0 : strategy.changeIntervalSeconds;
        if (last != null && now.isBefore(last.plus(Duration.ofSeconds(wait)))) {
            violations.add(now + ": gray step to " + to + " % before it was due (" + last.plus(Duration.ofSeconds(wait)) + ")");
        }
    }

    private GrayStrategy activeStrategy(IntelligentHorizontalPodAutoscalerStatus status) {
        if (status.previousPortraitValue == null || status.currentPortraitValue == null) {
            return null;
        }
        int previous = Math.max(min, Math.min(max, status.previousPortraitValue.replicas));
        int current = Math.max(min, Math.min(max, status.currentPortraitValue.replicas));
        return GrayPlanner.activeStrategy(ihpa.getSpec().behavior, previous, current);
    }

    static boolean parks(GrayStrategy strategy) {
        return strategy != null && (strategy.grayState == PodState.Cutoff || strategy.grayState == PodState.Standby);
    }

    private static String gray(IntelligentHorizontalPodAutoscalerStatus s) {
        return s.gray == null ? "none" : s.gray.grayPercent + "%@" + s.gray.lastUpdateTime;
    }

    private static String describe(IhpaPlan plan) {
        ReplicaProfileSpec s = plan.rpSpec();
        return plan.rpAction() + (s == null ? "" : " " + s.online() + "/" + s.cutoff() + "/" + s.standby())
                + " gray " + gray(plan.status()) + " " + plan.events().stream().map(PlannedEvent::message).toList();
    }

    private Pod podObject(SimPod p) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("web-" + p.ordinal).withNamespace("default")
                .addToLabels("app", "web").endMetadata()
                .withNewStatus().withPhase(p.running ? "Running" : "Pending")
                .addNewCondition().withType("Ready").withStatus(p.ready && p.running && p.traffic ? "True" : "False").endCondition()
                .addNewCondition().withType(Constants.READINESS_GATE_CONDITION).withStatus(p.traffic ? "True" : "False").endCondition()
                .endStatus();
        if (p.stateLabel != null) {
            b.editMetadata().addToLabels(Constants.POD_STATE_LABEL, p.stateLabel).endMetadata();
        }
        return b.build();
    }

}
