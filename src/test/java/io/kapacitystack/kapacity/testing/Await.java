package io.kapacitystack.kapacity.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds; fails with a description of what was last seen. */
public final class Await {

    private Await() {
    }

    public static void until(String what, Supplier<Boolean> condition) {
        until(what, Duration.ofSeconds(20), condition);
    }

    public static void until(String what, Duration timeout, Supplier<Boolean> condition) {
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
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }
}
