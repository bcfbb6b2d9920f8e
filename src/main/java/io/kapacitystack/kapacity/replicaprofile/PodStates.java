package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The pod-state model: a running pod is Online, Cutoff or Standby according to its {@code kapacitystack.io/pod-state}
 * label (absent or any other value reads as Online, as in Kapacity); Deleted is virtual (pods on their way out).
 * Only running pods (phase Running, not being deleted) count.
 */
public final class PodStates {

    private final Map<PodState, List<Pod>> byState = new EnumMap<>(PodState.class);

    private PodStates() {
        for (PodState s : PodState.values()) {
            byState.put(s, new ArrayList<>());
        }
    }

    public static PodStates classify(List<Pod> pods) {
        PodStates states = new PodStates();
        for (Pod p : pods) {
            if (isRunning(p)) {
                states.byState.get(stateOf(p)).add(p);
            }
        }
        return states;
    }

    public static boolean isRunning(Pod p) {
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                && (p.getMetadata().getDeletionTimestamp() == null || p.getMetadata().getDeletionTimestamp().isEmpty());
    }

    public static PodState stateOf(Pod p) {
        String v = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(Constants.POD_STATE_LABEL);
        if ("Cutoff".equals(v)) {
            return PodState.Cutoff;
        }
        if ("Standby".equals(v)) {
            return PodState.Standby;
        }
        return PodState.Online;
    }

    /** Whether the pod's traffic was cut: its readiness-gate condition is False (as the controller leaves a parked pod). */
    public static boolean trafficCut(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> Constants.READINESS_GATE_CONDITION.equals(c.getType()) && "False".equals(c.getStatus()));
    }

    /**
     * The pods labelled Online whose traffic is cut: a parked pod whose label was removed by hand, or whose label
     * write failed after its traffic was cut. Labelled Online, such a pod is counted as serving while it serves nothing.
     */
    public List<Pod> onlineWithTrafficCut() {
        return byState.get(PodState.Online).stream().filter(PodStates::trafficCut).toList();
    }

    public List<Pod> pods(PodState state) {
        return byState.get(state);
    }

    public int count(PodState state) {
        return byState.get(state).size();
    }

    public int running() {
        return count(PodState.Online) + count(PodState.Cutoff) + count(PodState.Standby);
    }
}
