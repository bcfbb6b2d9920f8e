package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;

import java.util.Comparator;
import java.util.Map;

/**
 * Orders pods by scale-down priority, highest first: the first pods of the order are the first to leave Online.
 * StatefulSets lose their highest ordinals first (as the StatefulSet controller removes them); ReplicaSets and
 * Deployments lose not-ready pods first, then those with the lowest {@code controller.kubernetes.io/pod-deletion-cost},
 * then the newest, which is the ReplicaSet controller's own order in its essentials (upstream Kapacity crashes here).
 */
public final class PodSorter {

    public static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    private PodSorter() {
    }

    public static Comparator<Pod> forKind(String kind) {
        if ("StatefulSet".equals(kind)) {
            return Comparator.comparingInt(PodSorter::ordinal).reversed().thenComparing(PodSorter::name);
        }
        return Comparator.comparing(PodSorter::isReady)
                .thenComparingLong(PodSorter::deletionCost)
                .thenComparing(PodSorter::created, Comparator.reverseOrder())
                .thenComparing(PodSorter::name);
    }

    static int ordinal(Pod p) {
        String name = name(p);
        int dash = name.lastIndexOf('-');
        try {
            return Integer.parseInt(name.substring(dash + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String name(Pod p) {
        return p.getMetadata().getName();
    }

    static boolean isReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static long deletionCost(Pod p) {
        Map<String, String> a = p.getMetadata().getAnnotations();
        if (a == null || a.get(DELETION_COST) == null) {
            return 0;
        }
        try {
            return Long.parseLong(a.get(DELETION_COST).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String created(Pod p) {
        return p.getMetadata().getCreationTimestamp() == null ? "" : p.getMetadata().getCreationTimestamp();
    }
}
