package io.kapacitystack.kapacity.replicaprofile;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.events.PlannedEvent;

import java.util.List;

/**
 * What the ReplicaProfile controller should write for one profile at one instant.
 *
 * @param scaleTo     the new spec.replicas of the target, or null to leave it
 * @param stateChange pods to move between states before rescaling, or null when no state change is due
 */
public record ReplicaProfilePlan(ReplicaProfileStatus status, Integer scaleTo, List<PlannedEvent> events,
                                 PodStateChange stateChange) {

    ReplicaProfilePlan(ReplicaProfileStatus status, Integer scaleTo, List<PlannedEvent> events) {
        this(status, scaleTo, events, null);
    }
}
