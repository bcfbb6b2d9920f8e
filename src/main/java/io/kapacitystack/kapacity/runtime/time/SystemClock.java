package io.kapacitystack.kapacity.runtime.time;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;

/** Wall-clock time, timers on Vert.x. */
public final class SystemClock extends VertxTimerClock {

    public SystemClock(Vertx vertx) {
        super(vertx);
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    protected long realDelayMillis(Duration simulatedDelay) {
        return simulatedDelay.toMillis();
    }
}
