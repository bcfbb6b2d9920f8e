package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which running pods must move to which state so the workload has the desired number in each (upstream
 * pkg/pod/state.go): states in the order Online, Cutoff, Standby, Deleted; a state with too many pods hands its highest-priority pods one state
 * down, a state with too few takes the lowest-priority pods from the states after it. Pods may cascade several
 * states in one calculation; the result names each pod once, with its final state, so a pod that ends in Standby
 * has its traffic cut too (upstream left it serving).
 */
public final class PodStateChange {

    private static final PodState[] ORDER = {PodState.Online, PodState.Cutoff, PodState.Standby, PodState.Deleted};

    private final Map<PodState, List<Pod>> moves;

    private PodStateChange(Map<PodState, List<Pod>> moves) {
        this.moves = moves;
    }

    public List<Pod> to(PodState state) {
        return moves.get(state);
    }

    public boolean isEmpty() {
        return moves.values().stream().allMatch(List::isEmpty);
    }

    public static PodStateChange calculate(PodStates current, int online, int cutoff, int standby, Comparator<Pod> byScaleDownPriority) {
        Map<PodState, Integer> desired = new EnumMap<>(PodState.class);
        desired.put(PodState.Online, online);
        desired.put(PodState.Cutoff, cutoff);
        desired.put(PodState.Standby, standby);
        desired.put(PodState.Deleted, 0);
        Map<PodState, Set<Pod>> currentPods = new EnumMap<>(PodState.class);
        Map<PodState, Set<Pod>> candidates = new EnumMap<>(PodState.class);
        for (PodState s : ORDER) {
            currentPods.put(s, new LinkedHashSet<>(s == PodState.Deleted ? List.of() : current.pods(s)));
            candidates.put(s, new LinkedHashSet<>());
        }
        for (int i = 0; i < ORDER.length; i++) {
            PodState state = ORDER[i];
            int diff = currentPods.get(state).size() + candidates.get(state).size() - desired.get(state);
            for (int j = i + 1; diff < 0 && j < ORDER.length - 1; j++) {
                List<Pod> taken = pick(currentPods.get(ORDER[j]), -diff, byScaleDownPriority.reversed());
                currentPods.get(ORDER[j]).removeAll(taken);
                candidates.get(state).addAll(taken);
                diff += taken.size();
            }
            if (diff > 0 && state != PodState.Deleted) {
                Set<Pod> pool = new LinkedHashSet<>(currentPods.get(state));
                pool.addAll(candidates.get(state));
                List<Pod> moved = pick(pool, diff, byScaleDownPriority);
                currentPods.get(state).removeAll(moved);
                candidates.get(state).removeAll(moved);
                candidates.get(ORDER[i + 1]).addAll(moved);
            }
        }
        Map<PodState, List<Pod>> moves = new EnumMap<>(PodState.class);
        for (PodState s : ORDER) {
            List<Pod> list = new ArrayList<>(candidates.get(s));
            list.sort(Comparator.comparing(p -> p.getMetadata().getName()));
            moves.put(s, list);
        }
        return new PodStateChange(moves);
    }

    private static List<Pod> pick(Set<Pod> from, int count, Comparator<Pod> order) {
        List<Pod> sorted = new ArrayList<>(from);
        sorted.sort(order);
        return new ArrayList<>(sorted.subList(0, Math.min(count, sorted.size())));
    }
}
