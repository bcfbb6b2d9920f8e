package io.kapacitystack.kapacity.runtime;

import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControllerTest {

    private static final ObjectKey A = new ObjectKey("ns", "a");
    private static final ObjectKey B = new ObjectKey("ns", "b");
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    private final Vertx vertx = Vertx.vertx();
    private final ManualClock clock = new ManualClock(vertx, T0);

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void neverRunsOneKeyTwiceAtOnceAndCoalescesAddsWhileRunning() {
        Map<ObjectKey, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        AtomicInteger maxInFlightOfA = new AtomicInteger();
        List<ObjectKey> runs = new CopyOnWriteArrayList<>();
        List<Promise<ReconcileResult>> pending = new CopyOnWriteArrayList<>();
        Reconciler r = ctx -> {
            int n = inFlight.computeIfAbsent(ctx.key(), k -> new AtomicInteger()).incrementAndGet();
            if (ctx.key().equals(A)) {
                maxInFlightOfA.accumulateAndGet(n, Math::max);
            }
            runs.add(ctx.key());
            Promise<ReconcileResult> p = Promise.promise();
            pending.add(p);
            return p.future().onComplete(x -> inFlight.get(ctx.key()).decrementAndGet());
        };
        Controller c = new Controller("test", vertx, clock, r, 4, new ControllerMetrics());
        c.start();
        c.enqueue(A);
        Await.until("A to start", () -> runs.size() == 1);
        for (int i = 0; i < 5; i++) {
            c.enqueue(A); // while A runs: marked dirty once, not queued five times
        }
        c.enqueue(B);
        Await.until("B to start alongside A", () -> runs.size() == 2);
        pending.get(0).complete(ReconcileResult.done());
        Await.until("A to run exactly once more", () -> runs.size() == 3);
        pending.forEach(p -> p.tryComplete(ReconcileResult.done()));
        Await.until("all done", () -> pending.stream().allMatch(p -> p.future().isComplete()));
        assertEquals(List.of(A, B, A), runs);
        assertEquals(1, maxInFlightOfA.get());
    }

    @Test
    void wakesAtTheRequestedClockInstantAndEarliestRequestWins() {
        List<Instant> runTimes = new CopyOnWriteArrayList<>();
        Reconciler r = ctx -> {
            runTimes.add(ctx.now());
            if (runTimes.size() == 1) {
                return Future.succeededFuture(ReconcileResult.requeueAt(T0.plus(Duration.ofMinutes(10))));
            }
            return Future.succeededFuture(ReconcileResult.done());
        };
        Controller c = new Controller("test", vertx, clock, r, 1, new ControllerMetrics());
        c.start();
        c.enqueue(A);
        Await.until("first run", () -> runTimes.size() == 1);
        c.enqueueAt(A, T0.plus(Duration.ofMinutes(20))); // later than the pending wake-up: ignored
        Await.until("the wake-up timer to be armed", () -> clock.pendingTimers() == 1);
        clock.advanceTo(T0.plus(Duration.ofMinutes(9)));
        assertEquals(1, runTimes.size());
        clock.advanceTo(T0.plus(Duration.ofMinutes(10)));
        Await.until("the wake-up run", () -> runTimes.size() == 2);
        assertEquals(T0.plus(Duration.ofMinutes(10)), runTimes.get(1));
        clock.advanceTo(T0.plus(Duration.ofMinutes(30)));
        assertEquals(2, runTimes.size(), "the later request was superseded");
    }

    @Test
    void retriesFailuresWithBackoffAndSurvivesThrowingReconcilers() {
        AtomicInteger attempts = new AtomicInteger();
        List<Integer> seenAttempts = new CopyOnWriteArrayList<>();
        Reconciler r = ctx -> {
            seenAttempts.add(ctx.attempt());
            int n = attempts.incrementAndGet();
            if (n == 1) {
                throw new IllegalStateException("bug");
            }
            if (n == 2) {
                return Future.failedFuture("conflict");
            }
            return Future.succeededFuture(ReconcileResult.done());
        };
        ControllerMetrics metrics = new ControllerMetrics();
        Controller c = new Controller("test", vertx, clock, r, 1, Duration.ofMillis(5), Duration.ofSeconds(1), metrics);
        c.start();
        c.enqueue(A);
        Await.until("success on the third attempt", () -> attempts.get() == 3);
        assertEquals(List.of(0, 1, 2), seenAttempts);
        Await.until("metrics to count the errors", () -> metrics.counter("controller_runtime_reconcile_errors_total{controller=\"test\"}") == 2);
        // the third attempt's success is counted when it finishes, a moment after it ran
        Await.until("metrics to count the success", () -> metrics.scrape()
                .contains("controller_runtime_reconcile_total{controller=\"test\",result=\"success\"} 1"));
    }

    @Test
    void aReconcileThatAlwaysAsksToWakeNowWakesAtMostOncePerFloor() {
        // A plan whose next boundary is always the instant it runs at (the cron '@every 1s' flood): without a floor
        // its own timer re-runs it as fast as the machine goes.
        List<Instant> runTimes = new CopyOnWriteArrayList<>();
        Reconciler r = ctx -> {
            runTimes.add(ctx.now());
            return Future.succeededFuture(ReconcileResult.requeueAt(ctx.now()));
        };
        Controller c = new Controller("test", vertx, clock, r, 1, new ControllerMetrics());
        c.start();
        c.enqueue(A);
        for (int second = 1; second <= 10; second++) {
            Await.until("the next wake-up to be armed", () -> clock.pendingTimers() == 1);
            clock.advanceTo(T0.plusSeconds(second));
        }
        Await.until("the last wake-up to be armed", () -> clock.pendingTimers() == 1);
        // The watch-triggered run and its immediate wake-up at T0, then one run per second of the clock.
        assertTrue(runTimes.size() <= 12, "runs: " + runTimes.size());
        assertEquals(T0.plusSeconds(10), runTimes.get(runTimes.size() - 1));
        for (int i = 2; i < runTimes.size(); i++) {
            assertTrue(!runTimes.get(i).isBefore(runTimes.get(i - 1).plusSeconds(1)), "runs " + runTimes);
        }
    }

    @Test
    void aWatchEventIsNeverDelayedByTheFloor() {
        List<Instant> runTimes = new CopyOnWriteArrayList<>();
        Reconciler r = ctx -> {
            runTimes.add(ctx.now());
            return Future.succeededFuture(runTimes.size() <= 2 ? ReconcileResult.requeueAt(ctx.now()) : ReconcileResult.done());
        };
        Controller c = new Controller("test", vertx, clock, r, 1, new ControllerMetrics());
        c.start();
        c.enqueue(A);
        Await.until("the run and its immediate wake-up", () -> runTimes.size() == 2);
        Await.until("the floored wake-up to be armed", () -> clock.pendingTimers() == 1);
        c.enqueue(A); // a change: runs at once although the floored wake-up has not come yet
        Await.until("the watch-triggered run", () -> runTimes.size() == 3);
        assertEquals(T0, runTimes.get(2));
    }

    @Test
    void aRepeatingFailureIsLoggedAtWarnOncePerChangeNotOnEveryRetry() {
        AtomicInteger attempts = new AtomicInteger();
        Reconciler r = ctx -> {
            int n = attempts.incrementAndGet();
            if (n <= 5) {
                return Future.failedFuture("the Dynamic provider is broken");
            }
            if (n == 6) {
                return Future.failedFuture("the Dynamic provider is broken differently");
            }
            return Future.succeededFuture(ReconcileResult.done());
        };
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        // slf4j-simple writes to whatever System.err is at the time of each line
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Controller c = new Controller("logonce", vertx, clock, r, 1, Duration.ofMillis(1), Duration.ofMillis(4),
                    new ControllerMetrics());
            c.start();
            c.enqueue(A);
            Await.until("the seventh, successful attempt", () -> attempts.get() == 7);
            Await.until("the controller to be idle", () -> c.depth() == 0);
        } finally {
            System.setErr(original);
        }
        List<String> warnLines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("WARN") && l.contains("[ns/a ") && l.contains("reconcile failed"))
                .collect(java.util.stream.Collectors.toList());
        assertEquals(2, warnLines.size(), "one WARN per distinct failure: " + warnLines);
        assertTrue(warnLines.get(0).endsWith("the Dynamic provider is broken"), warnLines.get(0));
        assertTrue(warnLines.get(1).endsWith("the Dynamic provider is broken differently"), warnLines.get(1));
    }
}
