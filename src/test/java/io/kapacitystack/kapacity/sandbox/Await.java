package io.kapacitystack.kapacity.sandbox;

import java.time.Duration;
import java.util.function.Supplier;

/** Bounded polling for conditions the simulator reaches asynchronously. */
final class Await {

    private Await() {
    }

    static void until(String what, Supplier<Boolean> condition) {
        until(what, Duration.ofSeconds(20), condition);
    }

    static void until(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
                last = null;
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting for: " + what, last);
    }
}
