package io.kapacitystack.kapacity.runtime;

import io.vertx.core.Future;

/**
 * Brings one object's world in line with its spec. Called on the controller's event loop, never twice at once for
 * the same key; must not block. A failed future is retried with exponential backoff; a succeeded one may ask for
 * a wake-up at an exact time.
 */
public interface Reconciler {

    Future<ReconcileResult> reconcile(ReconcileContext context);
}
