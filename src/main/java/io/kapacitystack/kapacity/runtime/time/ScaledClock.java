package io.kapacitystack.kapacity.runtime.time;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;

/**
 * Simulated time that starts at a given instant and runs {@code speed} times faster than real time; used by the
 * sandbox's {@code --clock-speed}. Every timer of the controller and the simulator is compressed the same way.
 */
public final class ScaledClock extends VertxTimerClock {

    private final Instant origin;
    private final long originNanos;
    private final double speed;

    public ScaledClock(Vertx vertx, Instant origin, double speed) {
        super(vertx);
        if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("clock speed must be a positive number, got " + speed);
        }
        this.origin = origin;
        this.originNanos = System.nanoTime();
        this.speed = speed;
    }

    @Override
    public Instant now() {
        long elapsedRealNanos = System.nanoTime() - originNanos;
        return origin.plusNanos((long) (elapsedRealNanos * speed));
    }

    @Override
    public double speed() {
        return speed;
    }

    @Override
    protected long realDelayMillis(Duration simulatedDelay) {
        return (long) Math.ceil(simulatedDelay.toNanos() / speed / 1_000_000.0);
    }
}
