package io.kapacitystack.kapacity.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Prepares consecutive slices of a list on a few helper threads and on the caller at once, and gives the caller each
 * item in list order as soon as its slice is prepared. The publisher encodes records this way: the CPU work (CloudEvent
 * and JSON encoding, about 7 µs of CPU a record) uses every core while the records still reach the producer one after
 * the other, so one key's records keep their order (docs/benchmarks.md, "Scaling-event stream").
 *
 * <p>A slice is prepared by exactly one thread: whoever claims it first. The caller claims and prepares slices itself
 * rather than wait, so no slice waits for a helper that is not running; with no helpers everything runs on the caller.
 */
final class InOrderSlices<T> implements AutoCloseable {

    private final int sliceSize;
    private final Consumer<T> prepare;
    private final ExecutorService helpers;

    /**
     * @param helpers  helper threads (0: the caller prepares everything); daemon threads, started with the first slice
     *                 they are given
     * @param prepare  must not throw (an exception is rethrown to the caller of {@link #run})
     */
    InOrderSlices(int helpers, int sliceSize, Consumer<T> prepare, String threadName) {
        if (sliceSize < 1) {
            throw new IllegalArgumentException("slice size must be positive");
        }
        this.sliceSize = sliceSize;
        this.prepare = prepare;
        AtomicInteger n = new AtomicInteger();
        this.helpers = helpers <= 0 ? null : Executors.newFixedThreadPool(helpers, r -> {
            Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** How many helpers the machine's cores allow beside the caller (at most {@code max}). */
    static int helpersForThisMachine(int max) {
        return Math.max(0, Math.min(max, Runtime.getRuntime().availableProcessors() - 1));
    }

    /**
     * Prepares {@code items} and passes them to {@code then} in order on this thread, until {@code then} returns
     * false. When it returns, no helper touches any item any more.
     *
     * @return how many items {@code then} accepted
     */
    int run(List<T> items, Predicate<T> then) throws InterruptedException {
        int count = (items.size() + sliceSize - 1) / sliceSize;
        List<Slice> slices = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            slices.add(new Slice(items.subList(i * sliceSize, Math.min(items.size(), (i + 1) * sliceSize))));
        }
        if (helpers != null) {
            for (int i = 1; i < count; i++) {
                helpers.execute(slices.get(i)::prepareIfUnclaimed);
            }
        }
        int accepted = 0;
        int nextToClaim = 0;
        try {
            for (int i = 0; i < count; i++) {
                Slice slice = slices.get(i);
                slice.prepareIfUnclaimed();
                // while a helper prepares this slice, prepare a later one instead of waiting
                while (!slice.isDone()) {
                    nextToClaim = Math.max(nextToClaim, i + 1);
                    while (nextToClaim < count && !slices.get(nextToClaim).prepareIfUnclaimed()) {
                        nextToClaim++;
                    }
                    if (nextToClaim >= count) {
                        slice.await();
                    }
                }
                slice.rethrow();
                for (T item : slice.items) {
                    if (!then.test(item)) {
                        return accepted;
                    }
                    accepted++;
                }
            }
            return accepted;
        } finally {
            // the slices not started are skipped; those started are waited for
            for (Slice slice : slices) {
                if (!slice.claimed.compareAndSet(false, true)) {
                    slice.awaitUninterruptibly();
                }
            }
        }
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }

    private final class Slice {
        final List<T> items;
        final AtomicBoolean claimed = new AtomicBoolean();
        final CountDownLatch done = new CountDownLatch(1);
        volatile RuntimeException failure;

        Slice(List<T> items) {
            this.items = items;
        }

        /** Prepares the slice if no one has claimed it yet; true if this thread did. */
        boolean prepareIfUnclaimed() {
            if (!claimed.compareAndSet(false, true)) {
                return false;
            }
            try {
                for (T item : items) {
                    prepare.accept(item);
                }
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                done.countDown();
            }
            return true;
        }

        boolean isDone() {
            return done.getCount() == 0;
        }

        void await() throws InterruptedException {
            done.await();
        }

        void awaitUninterruptibly() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void rethrow() {
            if (failure != null) {
                throw failure;
            }
        }
    }
}
