package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import io.kapacitystack.kapacity.metrics.AnswerBudget;

/**
 * At most {@code maxRunning} calls of one kind at once, up to {@code maxWaiting} more waiting in arrival order, any
 * further call refused at once with RESOURCE_EXHAUSTED: with each call's answer bounded ({@link
 * AnswerBudget}) this bounds the memory all calls together can hold. A waiting
 * call resumes on its own context. Thread-safe (the service runs on several event loops).
 */
final class CallGate {

    private record Waiter(Context context, Promise<Void> promise) {
    }

    private final String what;
    private final int maxRunning;
    private final int maxWaiting;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private int running;

    CallGate(String what, int maxRunning, int maxWaiting) {
        this.what = what;
        this.maxRunning = maxRunning;
        this.maxWaiting = maxWaiting;
    }

    /** Completes when the call may run; every success must be followed by one {@link #leave()}. */
    Future<Void> enter(Vertx vertx) {
        synchronized (this) {
            if (running < maxRunning) {
                running++;
                return Future.succeededFuture();
            }
            if (waiting.size() < maxWaiting) {
                Promise<Void> p = Promise.promise();
                waiting.add(new Waiter(vertx.getOrCreateContext(), p));
                return p.future();
            }
        }
        return Future.failedFuture(new MetricsException(MetricsException.Kind.RESOURCE_EXHAUSTED, String.format(
                "too many %s calls at once (%d running, %d waiting): retry later", what, maxRunning, maxWaiting)));
    }

    /** Ends a running call: the longest-waiting call (if any) takes its place. */
    void leave() {
        Waiter next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.context().runOnContext(v -> next.promise().complete());
        }
    }

    synchronized int running() {
        return running;
    }

    synchronized int waiting() {
        return waiting.size();
    }
}
