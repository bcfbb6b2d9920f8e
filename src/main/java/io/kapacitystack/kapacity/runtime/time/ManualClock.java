package io.kapacitystack.kapacity.runtime.time;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time that moves only when a test (or the sandbox's time-travel control) says so. Advancing fires due timers in
 * time order, each on the Vert.x context that scheduled it.
 */
public final class ManualClock implements Clock {

    private final Vertx vertx;
    private final AtomicLong sequence = new AtomicLong();
    private final PriorityQueue<Entry> timers = new PriorityQueue<>();
    private Instant now;

    public ManualClock(Vertx vertx, Instant start) {
        this.vertx = vertx;
        this.now = start;
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public Cancellable schedule(Instant when, Runnable task) {
        Context context = vertx.getOrCreateContext();
        Entry entry = new Entry(when, sequence.incrementAndGet(), context, task);
        boolean dueNow;
        synchronized (this) {
            dueNow = !when.isAfter(now);
            if (!dueNow) {
                timers.add(entry);
            }
        }
        if (dueNow) {
            entry.fire();
        }
        return () -> {
            synchronized (ManualClock.this) {
                timers.remove(entry);
            }
            return entry.done.compareAndSet(false, true);
        };
    }

    /** Moves time forward by {@code delta}, firing every timer that falls due on the way. */
    public void advance(Duration delta) {
        advanceTo(now().plus(delta));
    }

    public void advanceTo(Instant target) {
        List<Entry> due = new ArrayList<>();
        synchronized (this) {
            if (target.isBefore(now)) {
                throw new IllegalArgumentException("time cannot move backwards: " + target + " < " + now);
            }
            now = target;
            while (!timers.isEmpty() && !timers.peek().when.isAfter(target)) {
                due.add(timers.poll());
            }
        }
        due.forEach(Entry::fire);
    }

    /** Number of timers not yet due; lets a test wait until the controller has armed its next wake-up. */
    public synchronized int pendingTimers() {
        return timers.size();
    }

    public synchronized Instant nextTimer() {
        return timers.isEmpty() ? null : timers.peek().when;
    }

    private static final class Entry implements Comparable<Entry> {
        final Instant when;
        final long seq;
        final Context context;
        final Runnable task;
        final AtomicBoolean done = new AtomicBoolean();

        Entry(Instant when, long seq, Context context, Runnable task) {
            this.when = when;
            this.seq = seq;
            this.context = context;
            this.task = task;
        }

        void fire() {
            if (done.compareAndSet(false, true)) {
                context.runOnContext(v -> task.run());
            }
        }

        @Override
        public int compareTo(Entry o) {
            int c = when.compareTo(o.when);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
