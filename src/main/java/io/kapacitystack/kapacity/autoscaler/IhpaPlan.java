package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.portrait.PortraitSelector;

import java.time.Instant;
import java.util.List;

/**
 * The planner's decision for one IHPA at one instant; the reconciler only writes it.
 *
 * @param status         the status the IHPA should have (written only if it differs from the stored one)
 * @param rpSpec         the desired ReplicaProfile spec for CREATE and UPDATE
 * @param events         events to record: Warnings at once, Normal ones after the ReplicaProfile write succeeded
 * @param wakeAt         when the plan may change by itself (cron boundary, expiry, gray step); null: only on an
 *                       object change
 * @param retryableError a transient failure: retry with backoff (spec errors are not retried, they wait for a spec
 *                       change)
 */
public record IhpaPlan(IntelligentHorizontalPodAutoscalerStatus status, RpAction rpAction, ReplicaProfileSpec rpSpec,
                       List<PlannedEvent> events, Instant wakeAt, String retryableError,
                       PortraitSelector.Selection selection) {

    public enum RpAction { NONE, CREATE, UPDATE, DELETE }
}
