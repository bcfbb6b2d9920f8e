package io.kapacitystack.kapacity.runtime;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a failed reconcile logs: one line, and a write conflict at WARN only when it keeps coming back. */
class FailureLoggingTest {

    private static final String CONFLICT_TEXT = "Operation cannot be fulfilled on intelligenthorizontalpodautoscalers"
            + ".autoscaling.kapacitystack.io \"cron-portrait-sample\": the object has been modified; please apply your "
            + "changes to the latest version and try again";

    /** As fabric8 reports a 409: its text spans lines and carries the whole Status object. */
    private static KubernetesClientException conflict() {
        Status status = new StatusBuilder().withCode(409).withReason("Conflict").withMessage(CONFLICT_TEXT).build();
        return new KubernetesClientException("Failure executing: PUT at: https://127.0.0.1:6443/apis/autoscaling."
                + "kapacitystack.io/v1alpha1/namespaces/cron-sample/intelligenthorizontalpodautoscalers/cron-portrait-sample"
                + "/status. Message: " + CONFLICT_TEXT + ".\nReceived status: " + status + ".", 409, status);
    }

    @Test
    void aKubernetesErrorIsDescribedInOneLineWithTheApiServersMessage() {
        assertEquals(CONFLICT_TEXT + " (HTTP 409)", Controller.describe(conflict()));
        assertEquals("first", Controller.describe(new IllegalStateException("first\nsecond")));
    }

    @Test
    void aConflictIsAWarningOnlyWhenItKeepsComingBack() {
        String m = Controller.describe(conflict());
        for (int attempt = 1; attempt < Controller.CONFLICTS_BEFORE_WARN; attempt++) {
            assertFalse(Controller.worthAWarning(conflict(), attempt, m, attempt == 1 ? null : m), "attempt " + attempt);
        }
        assertTrue(Controller.worthAWarning(conflict(), Controller.CONFLICTS_BEFORE_WARN, m, m));
        assertFalse(Controller.worthAWarning(conflict(), Controller.CONFLICTS_BEFORE_WARN + 1, m, m), "once");
        // wrapped, as a reconcile chain may wrap it
        assertTrue(Controller.isConflict(new RuntimeException(conflict())));
    }

    @Test
    void anyOtherFailureIsAWarningOncePerMessage() {
        RuntimeException e = new RuntimeException("boom");
        assertTrue(Controller.worthAWarning(e, 1, "boom", null));
        assertFalse(Controller.worthAWarning(e, 2, "boom", "boom"));
        assertTrue(Controller.worthAWarning(e, 3, "other", "boom"));
    }
}
