package io.kapacitystack.kapacity.replicaprofile;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.events.PlannedEvent;

import java.util.List;

/** What the ReplicaProfile controller should write for one profile at one instant. */
public final class ReplicaProfilePlan {
    public final ReplicaProfileStatus status;
    /** New spec.replicas of the target, or null to leave it. */
    public final Integer scaleTo;
    public final List<PlannedEvent> events;
    /** Pods to move between states before rescaling, or null when no state change is due. */
    public final PodStateChange stateChange;

    ReplicaProfilePlan(ReplicaProfileStatus status, Integer scaleTo, List<PlannedEvent> events) {
        this(status, scaleTo, events, null);
    }

    ReplicaProfilePlan(ReplicaProfileStatus status, Integer scaleTo, List<PlannedEvent> events, PodStateChange stateChange) {
        this.status = status;
        this.scaleTo = scaleTo;
        this.events = events;
        this.stateChange = stateChange;
    }
}
