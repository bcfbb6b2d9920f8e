package io.kapacitystack.kapacity.runtime;

import java.time.Instant;

/** What a reconcile asks of its queue: nothing, or to be called again at an exact (clock) instant. */
public final class ReconcileResult {

    private static final ReconcileResult DONE = new ReconcileResult(null);

    private final Instant requeueAt;

    private ReconcileResult(Instant requeueAt) {
        this.requeueAt = requeueAt;
    }

    public static ReconcileResult done() {
        return DONE;
    }

    /** Reconcile again at {@code when}; null means no wake-up is needed. */
    public static ReconcileResult requeueAt(Instant when) {
        return when == null ? DONE : new ReconcileResult(when);
    }

    public Instant requeueAt() {
        return requeueAt;
    }

    @Override
    public String toString() {
        return requeueAt == null ? "done" : "requeue at " + requeueAt;
    }
}
