package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile.Reasons;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.workload.ScaleInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus.APPLIED;
import static io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus.ENSURED;

/**
 * Decides what a ReplicaProfile's workload needs (upstream controllers/autoscaling/replicaprofile_controller.go):
 * count running pods by state, report whether the profile is ensured, and rescale the target to online + cutoff + standby, honouring {@code allowedScalingDirection}.
 * Pure; the reconciler reads the scale and pods and writes the result.
 */
public final class ReplicaProfilePlanner {

    private ReplicaProfilePlanner() {
    }

    public static ReplicaProfilePlan plan(ReplicaProfile rp, ScaleInfo scale, PodStates pods, Instant now) {
        return plan(rp, scale, pods, PodSorter.forKind(rp.getSpec().scaleTargetRef == null ? null : rp.getSpec().scaleTargetRef.kind), now);
    }

    public static ReplicaProfilePlan plan(ReplicaProfile rp, ScaleInfo scale, PodStates pods, Comparator<Pod> sorter, Instant now) {
        ReplicaProfileSpec spec = rp.getSpec();
        ReplicaProfileStatus status = ReplicaProfileStatus.copyOf(rp.getStatus());
        Long generation = rp.getMetadata().getGeneration();
        List<PlannedEvent> events = new ArrayList<>();
        if (spec.isPaused()) {
            Conditions.set(status.conditions, APPLIED, false, generation, Reasons.REPLICA_PROFILE_PAUSED, "the replica profile is paused", now);
            Conditions.set(status.conditions, ENSURED, false, generation, Reasons.REPLICA_PROFILE_PAUSED, "the replica profile is paused", now);
            return new ReplicaProfilePlan(status, null, events);
        }
        int online = pods.count(PodState.Online);
        int cutoff = pods.count(PodState.Cutoff);
        int standby = pods.count(PodState.Standby);
        status.onlineReplicas = online == 0 ? null : online;
        status.cutoffReplicas = cutoff == 0 ? null : cutoff;
        status.standbyReplicas = standby == 0 ? null : standby;

        int desiredOnline = desiredOnline(spec, online);
        // A StatefulSet removes its highest ordinals: its pods are where the spec says only when those are the parked ones.
        boolean byPosition = spec.scaleTargetRef != null && "StatefulSet".equals(spec.scaleTargetRef.kind);
        PodStateChange positional = byPosition ? PodStateChange.byPosition(pods, desiredOnline, spec.cutoff(), spec.standby(), sorter) : null;
        // a pod labelled Online whose traffic is cut serves nothing: the profile is not ensured until it serves again
        boolean trafficToRestore = !pods.onlineWithTrafficCut().isEmpty();
        boolean ensured = onlineEnsured(spec, online) && cutoff == spec.cutoff() && standby == spec.standby()
                && (positional == null || positional.isEmpty()) && !trafficToRestore;
        if (ensured) {
            Conditions.set(status.conditions, ENSURED, true, generation, Reasons.REPLICA_PROFILE_ENSURED, "current replica profile is ensured", now);
            // nothing left to do: a skipped state change of an earlier pass is no longer the news
            Conditions.set(status.conditions, APPLIED, true, generation, Reasons.REPLICA_PROFILE_APPLIED,
                    "all the operations for ensuring the replica profile are applied", now);
            return new ReplicaProfilePlan(status, null, events);
        }
        Conditions.set(status.conditions, ENSURED, false, generation, Reasons.REPLICA_NUMBER_NOT_SATISFIED,
                "the number of replicas of some states do not meet the expectation", now);
        boolean needStateChange = spec.cutoff() > 0 || spec.standby() > 0 || cutoff > 0 || standby > 0 || trafficToRestore
                || removesServingPods(positional);
        boolean canDoStateChange = pods.running() == scale.specReplicas;
        PodStateChange change = null;
        boolean parkingFirst = false;
        if (needStateChange && canDoStateChange) {
            String unsupported = unsupportedBehavior(spec);
            if (unsupported != null) {
                Conditions.set(status.conditions, APPLIED, false, generation, Reasons.UNSUPPORTED_POD_BEHAVIOR, unsupported, now);
                events.add(PlannedEvent.warning(Reasons.UNSUPPORTED_POD_BEHAVIOR, unsupported));
                return new ReplicaProfilePlan(status, null, events);
            }
            PodStateChange wanted = positional != null ? positional
                    : PodStateChange.calculate(pods, desiredOnline, spec.cutoff(), spec.standby(), sorter);
            PodStateChange parked = wanted.parkingServingPodsBeforeDeleting(pods);
            parkingFirst = parked != wanted;
            change = parked.restoringTrafficOfOnlinePods(pods);
            addPodEvents(events, change);
        }

        int desiredReplicas = desiredReplicas(spec, scale.specReplicas, desiredOnline, cutoff, standby);
        Integer scaleTo = null;
        // Scaling up is always safe. Scaling down while pod states are in flux could remove the wrong pods (the
        // workload picks which), so it waits until the state change could be applied to a settled pod set.
        // Nor while a pod it would lose still serves: that pod is parked in this pass and removed in the next.
        boolean safe = desiredReplicas > scale.specReplicas || (!needStateChange || canDoStateChange) && !parkingFirst;
        if (desiredReplicas != scale.specReplicas && safe) {
            events.add(PlannedEvent.normal(Reasons.UPDATE_SCALE,
                    String.format("rescale target workload from %d to %d replicas", scale.specReplicas, desiredReplicas)));
            scaleTo = desiredReplicas;
        }

        if (!needStateChange || canDoStateChange) {
            Conditions.set(status.conditions, APPLIED, true, generation, Reasons.REPLICA_PROFILE_APPLIED,
                    "all the operations for ensuring the replica profile are applied", now);
        } else {
            Conditions.set(status.conditions, APPLIED, false, generation, Reasons.STATE_CHANGE_SKIPPED,
                    "state change skipped as the number of current running pods observed mismatch the desired replicas of the target workload", now);
        }
        return new ReplicaProfilePlan(status, scaleTo, events, change);
    }

    /** The Online count to aim at: a one-way direction never moves Online pods the other way. */
    private static int desiredOnline(ReplicaProfileSpec spec, int online) {
        return switch (spec.direction()) {
            case Up -> Math.max(spec.online(), online);
            case Down -> Math.min(spec.online(), online);
            case Neither -> online;
            default -> spec.online();
        };
    }

    /** Whether the Online count is as the spec asks, as far as the allowed direction lets it be. */
    private static boolean onlineEnsured(ReplicaProfileSpec spec, int online) {
        return switch (spec.direction()) {
            case Up -> online >= spec.online();
            case Down -> online <= spec.online();
            case Neither -> true;
            default -> online == spec.online();
        };
    }

    /** The target's replica count: online + cutoff + standby, as far as the allowed direction lets it move. */
    private static int desiredReplicas(ReplicaProfileSpec spec, int current, int desiredOnline, int cutoff, int standby) {
        int desired = desiredOnline + spec.cutoff() + spec.standby();
        if (spec.direction() == ReplicaProfileSpec.ScalingDirection.Up || spec.direction() == ReplicaProfileSpec.ScalingDirection.Down) {
            return directionLimited(spec.direction(), current, desired);
        }
        if (spec.direction() == ReplicaProfileSpec.ScalingDirection.Neither) {
            return Math.max(current + spec.cutoff() + spec.standby() - cutoff - standby, 0);
        }
        return desired;
    }

    private static String unsupportedBehavior(ReplicaProfileSpec spec) {
        if (spec.behavior == null) {
            return null;
        }
        if (spec.behavior.podSorter != null && spec.behavior.podSorter.type == ReplicaProfileBehavior.PodSorter.Type.External) {
            return "external pod sorters are not supported; use podSorter.type WorkloadDefault";
        }
        if (spec.behavior.podTrafficController != null
                && spec.behavior.podTrafficController.type == ReplicaProfileBehavior.PodTrafficController.Type.External) {
            return "external pod traffic controllers are not supported; use podTrafficController.type ReadinessGate";
        }
        return null;
    }

    /**
     * Whether a StatefulSet would lose a pod that still serves. Its pods leave only once they no longer serve, gray or
     * not: such a pod (one that crashed and came back after its parked predecessor was planned away, say) is parked first.
     */
    private static boolean removesServingPods(PodStateChange positional) {
        return positional != null && positional.to(PodState.Deleted).stream()
                .anyMatch(p -> PodStates.stateOf(p) == PodState.Online && !PodStates.trafficCut(p));
    }

    private static void addPodEvents(List<PlannedEvent> events, PodStateChange change) {
        addPodEvent(events, Reasons.ONLINE_PODS, "online pods: ", change.to(PodState.Online));
        addPodEvent(events, Reasons.CUTOFF_PODS, "cutoff pods: ", change.to(PodState.Cutoff));
        addPodEvent(events, Reasons.STANDBY_PODS, "standby pods: ", change.to(PodState.Standby));
        addPodEvent(events, Reasons.SELECT_PODS_TO_DELETE, "select pods to delete: ", change.to(PodState.Deleted));
    }

    /** Go's %v of a []string: "[a b c]". */
    private static void addPodEvent(List<PlannedEvent> events, String reason, String prefix, List<Pod> pods) {
        if (!pods.isEmpty()) {
            events.add(PlannedEvent.normal(reason, prefix + "[" + String.join(" ",
                    pods.stream().map(p -> p.getMetadata().getName()).toList()) + "]"));
        }
    }

    /** With a one-way direction the workload's replica count may only move that way. */
    private static int directionLimited(ReplicaProfileSpec.ScalingDirection direction, int current, int desired) {
        return direction == ReplicaProfileSpec.ScalingDirection.Up ? Math.max(current, desired) : Math.min(current, desired);
    }
}
