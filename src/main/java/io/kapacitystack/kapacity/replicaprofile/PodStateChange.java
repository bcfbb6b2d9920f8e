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

    /**
     * For a workload that removes its pods in the sorter's order (a StatefulSet drops its highest ordinals), where
     * each pod must be: the pods it keeps longest are Online, the next ones Cutoff, then Standby, and the rest go.
     * A pod labelled Cutoff or Standby below them (by hand, say) is brought back Online rather than counted as parked:
     * it serves, and the workload would remove a higher, serving pod in its place. A pod labelled Cutoff or Standby
     * whose traffic was never cut (labelled by hand) is moved again, so its traffic is cut before it can be removed.
     */
    public static PodStateChange byPosition(PodStates current, int online, int cutoff, int standby, Comparator<Pod> byScaleDownPriority) {
        List<Pod> keptLongestFirst = new ArrayList<>();
        for (PodState s : List.of(PodState.Online, PodState.Cutoff, PodState.Standby)) {
            keptLongestFirst.addAll(current.pods(s));
        }
        keptLongestFirst.sort(byScaleDownPriority.reversed());
        Map<PodState, List<Pod>> moves = emptyMoves();
        for (int i = 0; i < keptLongestFirst.size(); i++) {
            Pod pod = keptLongestFirst.get(i);
            PodState target = i < online ? PodState.Online
                    : i < online + cutoff ? PodState.Cutoff
                    : i < online + cutoff + standby ? PodState.Standby
                    : PodState.Deleted;
            PodState now = PodStates.stateOf(pod);
            boolean parkedByHand = (target == PodState.Cutoff || target == PodState.Standby) && !PodStates.trafficCut(pod);
            if (target != now || parkedByHand) {
                moves.get(target).add(pod);
            }
        }
        moves.values().forEach(l -> l.sort(Comparator.comparing(p -> p.getMetadata().getName())));
        return new PodStateChange(moves);
    }

    /**
     * The same change, except that pods it would take from Online straight to Deleted (a pod that crashed and came
     * back while its parked predecessor was being removed) are cut off instead: a pod leaves the workload only once
     * it no longer serves. Returns this change when there are none.
     */
    public PodStateChange parkingServingPodsBeforeDeleting(PodStates current) {
        List<Pod> serving = moves.get(PodState.Deleted).stream().filter(current.pods(PodState.Online)::contains).toList();
        if (serving.isEmpty()) {
            return this;
        }
        return movedTo(PodState.Cutoff, serving);
    }

    /**
     * The same change, with the pods labelled Online whose traffic is cut and that it moves nowhere else put back
     * Online, so their traffic returns. Returns this change when there are none.
     */
    public PodStateChange restoringTrafficOfOnlinePods(PodStates current) {
        List<Pod> moved = moves.values().stream().flatMap(List::stream).toList();
        List<Pod> cut = current.onlineWithTrafficCut().stream().filter(p -> !moved.contains(p)).toList();
        if (cut.isEmpty()) {
            return this;
        }
        return movedTo(PodState.Online, cut);
    }

    /** A copy of this change in which {@code pods} move to {@code state} instead (wherever this one moved them). */
    private PodStateChange movedTo(PodState state, List<Pod> pods) {
        Map<PodState, List<Pod>> copy = emptyMoves();
        moves.forEach((s, list) -> copy.get(s).addAll(list));
        copy.values().forEach(list -> list.removeAll(pods));
        copy.get(state).addAll(pods);
        copy.get(state).sort(Comparator.comparing(p -> p.getMetadata().getName()));
        return new PodStateChange(copy);
    }

    private static Map<PodState, List<Pod>> emptyMoves() {
        Map<PodState, List<Pod>> moves = new EnumMap<>(PodState.class);
        for (PodState s : ORDER) {
            moves.put(s, new ArrayList<>());
        }
        return moves;
    }

    private static List<Pod> pick(Set<Pod> from, int count, Comparator<Pod> order) {
        List<Pod> sorted = new ArrayList<>(from);
        sorted.sort(order);
        return new ArrayList<>(sorted.subList(0, Math.min(count, sorted.size())));
    }
}
