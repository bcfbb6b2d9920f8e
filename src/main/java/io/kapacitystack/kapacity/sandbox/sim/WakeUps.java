package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.time.Instant;

/**
 * How a simulated controller asks to look at one object again when the clock reaches an instant (a pod's start-up
 * or termination deadline, a job's back-off, a CronJob's next schedule), as a real controller's delayed requeue.
 */
@FunctionalInterface
interface WakeUps {

    void at(Instant when, HasMetadata object);
}
