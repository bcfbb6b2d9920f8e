package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;

import java.time.Instant;

/**
 * Called by the kubelet emulation each time it computes the status of a running pod, before the Ready
 * condition is derived: a hook may add conditions (e.g. the readiness-gate condition Kapacity's controller owns).
 */
@FunctionalInterface
public interface PodRunningHook {

    /** Mutate {@code pod.getStatus().getConditions()} in place if needed. */
    void onRunning(Pod pod, Instant now);
}
