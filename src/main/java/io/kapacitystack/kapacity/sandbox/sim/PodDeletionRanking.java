package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;

import java.time.Instant;
import java.util.Comparator;
import java.util.Map;

/**
 * Which pods a ReplicaSet deletes first on scale-down, in the order of Kubernetes' {@code ActivePodsWithRanks}:
 * unscheduled before scheduled, Pending before Running, not-ready before ready, lower
 * {@code controller.kubernetes.io/pod-deletion-cost} before higher, ready for a shorter time before longer,
 * newer before older.
 */
final class PodDeletionRanking {

    static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    static final Comparator<Pod> DELETE_FIRST = Comparator
            .comparing((Pod p) -> p.getSpec().getNodeName() != null)
            .thenComparing(PodDeletionRanking::phaseRank)
            .thenComparing(PodConditions::isReady)
            .thenComparingInt(PodDeletionRanking::deletionCost)
            .thenComparing(PodDeletionRanking::readySince, Comparator.reverseOrder())
            .thenComparing(PodDeletionRanking::created, Comparator.reverseOrder());

    private PodDeletionRanking() {
    }

    private static int phaseRank(Pod pod) {
        String phase = pod.getStatus() == null ? "Pending" : String.valueOf(pod.getStatus().getPhase());
        return switch (phase) {
            case "Pending" -> 0;
            case "Running" -> 2;
            default -> 1;
        };
    }

    static int deletionCost(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String cost = annotations == null ? null : annotations.get(DELETION_COST);
        try {
            return cost == null ? 0 : Integer.parseInt(cost.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant readySince(Pod pod) {
        return PodConditions.find(pod, "Ready").filter(c -> "True".equals(c.getStatus()))
                .map(c -> Timestamps.parse(c.getLastTransitionTime())).orElse(Instant.MAX);
    }

    private static Instant created(Pod pod) {
        Instant t = Timestamps.parse(pod.getMetadata().getCreationTimestamp());
        return t == null ? Instant.MAX : t;
    }
}
