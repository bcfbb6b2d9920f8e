package io.kapacitystack.kapacity.runtime.time;

import java.time.Duration;
import java.time.Instant;

/**
 * The only source of time in the controller, the simulator and the console. Tests use {@link ManualClock},
 * the sandbox uses {@link ScaledClock}, a cluster uses {@link SystemClock}; nothing else may read the wall clock,
 * so that an hour-long cron cycle can be run in a second and restarted at any point.
 */
public interface Clock {

    Instant now();

    /**
     * Runs {@code task} once, as soon as possible after the clock reaches {@code when} (immediately if it has already).
     * Tasks run on a Vert.x event-loop context, never on the caller's thread, and must not block.
     */
    Cancellable schedule(Instant when, Runnable task);

    default Cancellable schedule(Duration delay, Runnable task) {
        return schedule(now().plus(delay), task);
    }

    /** How many simulated seconds pass per real second; 1 for a real cluster. */
    default double speed() {
        return 1.0;
    }

    interface Cancellable {
        /** Returns true if the task had not run yet and now never will. */
        boolean cancel();
    }
}
