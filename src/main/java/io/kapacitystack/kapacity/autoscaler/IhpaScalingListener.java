package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;

import java.time.Instant;

/**
 * Told what the IHPA controller wrote, after each write succeeded (the scaling-event stream listens; see
 * docs/kafka.md). Called on the controller's event loop: implementations must return at once and never throw.
 */
public interface IhpaScalingListener {

    IhpaScalingListener NONE = new IhpaScalingListener() {
        @Override
        public void statusWritten(IntelligentHorizontalPodAutoscaler ihpa, IntelligentHorizontalPodAutoscalerStatus before,
                                  IntelligentHorizontalPodAutoscalerStatus after, ReplicaProfileSpec plannedProfile,
                                  Instant decidedAt, long decidedNanos) {
        }

        @Override
        public void replicaProfileWritten(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfileSpec before,
                                          ReplicaProfileSpec after, Instant decidedAt, long decidedNanos) {
        }
    };

    /**
     * The IHPA's status went from {@code before} (null: none yet) to {@code after}; {@code plannedProfile} is the
     * ReplicaProfile spec the same plan writes next (null: none), {@code decidedNanos} the planner's
     * {@link System#nanoTime()} (publish latency is measured from it).
     */
    void statusWritten(IntelligentHorizontalPodAutoscaler ihpa, IntelligentHorizontalPodAutoscalerStatus before,
                       IntelligentHorizontalPodAutoscalerStatus after, ReplicaProfileSpec plannedProfile,
                       Instant decidedAt, long decidedNanos);

    /** The IHPA's ReplicaProfile spec went from {@code before} (null: created) to {@code after}. */
    void replicaProfileWritten(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfileSpec before, ReplicaProfileSpec after,
                               Instant decidedAt, long decidedNanos);
}
