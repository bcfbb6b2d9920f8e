package io.kapacitystack.kapacity.runtime.time;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/** Clock whose timers are Vert.x timers; a timer that fires early (rounding) re-arms itself until it is due. */
abstract class VertxTimerClock implements Clock {

    private final Vertx vertx;

    VertxTimerClock(Vertx vertx) {
        this.vertx = vertx;
    }

    protected abstract long realDelayMillis(Duration simulatedDelay);

    @Override
    public Cancellable schedule(Instant when, Runnable task) {
        Context context = vertx.getOrCreateContext();
        AtomicBoolean done = new AtomicBoolean();
        long[] timerId = {-1};
        Runnable[] arm = new Runnable[1];
        arm[0] = () -> {
            Duration remaining = Duration.between(now(), when);
            if (remaining.isNegative() || remaining.isZero()) {
                if (done.compareAndSet(false, true)) {
                    context.runOnContext(v -> task.run());
                }
                return;
            }
            long delay = Math.max(1, realDelayMillis(remaining));
            synchronized (timerId) {
                if (!done.get()) {
                    timerId[0] = vertx.setTimer(delay, id -> arm[0].run());
                }
            }
        };
        context.runOnContext(v -> arm[0].run());
        return () -> {
            if (done.compareAndSet(false, true)) {
                synchronized (timerId) {
                    if (timerId[0] >= 0) {
                        vertx.cancelTimer(timerId[0]);
                    }
                }
                return true;
            }
            return false;
        };
    }
}
