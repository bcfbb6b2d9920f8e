package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;

import java.util.List;
import java.util.Optional;

/** Reading pod conditions the way controllers and the endpoints controller do. */
public final class PodConditions {

    private PodConditions() {
    }

    public static Optional<PodCondition> find(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(Pod pod, String type) {
        return find(pod, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    public static boolean isReady(Pod pod) {
        return isTrue(pod, "Ready");
    }

    public static boolean isRunning(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
    }

    /** Every readiness gate of the pod has a condition with status True. */
    public static boolean gatesPass(Pod pod) {
        List<PodReadinessGate> gates = pod.getSpec().getReadinessGates();
        return gates == null || gates.stream().allMatch(g -> isTrue(pod, g.getConditionType()));
    }
}
