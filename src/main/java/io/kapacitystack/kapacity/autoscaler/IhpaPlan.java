package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.portrait.PortraitSelector;

import java.time.Instant;
import java.util.List;

/** The planner's decision for one IHPA at one instant; the reconciler only writes it. */
public final class IhpaPlan {

    public enum RpAction { NONE, CREATE, UPDATE, DELETE }

    /** The status the IHPA should have (written only if it differs from the stored one). */
    public final IntelligentHorizontalPodAutoscalerStatus status;
    public final RpAction rpAction;
    /** Desired ReplicaProfile spec for CREATE and UPDATE. */
    public final ReplicaProfileSpec rpSpec;
    /** Events to record: Warnings at once, Normal ones after the ReplicaProfile write succeeded. */
    public final List<PlannedEvent> events;
    /** When the plan may change by itself (cron boundary, expiry, gray step); null: only on an object change. */
    public final Instant wakeAt;
    /** A transient failure: retry with backoff (spec errors are not retried, they wait for a spec change). */
    public final String retryableError;
    public final PortraitSelector.Selection selection;

    IhpaPlan(IntelligentHorizontalPodAutoscalerStatus status, RpAction rpAction, ReplicaProfileSpec rpSpec,
             List<PlannedEvent> events, Instant wakeAt, String retryableError, PortraitSelector.Selection selection) {
        this.status = status;
        this.rpAction = rpAction;
        this.rpSpec = rpSpec;
        this.events = events;
        this.wakeAt = wakeAt;
        this.retryableError = retryableError;
        this.selection = selection;
    }
}
