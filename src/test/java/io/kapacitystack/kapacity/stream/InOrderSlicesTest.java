package io.kapacitystack.kapacity.stream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher's parallel encoding: every item prepared once, handed on in list order, nothing touched after. */
class InOrderSlicesTest {

    /** An item records how often it was prepared and by which thread. */
    static final class Item {
        final int n;
        final AtomicInteger prepared = new AtomicInteger();
        volatile String preparedBy;

        Item(int n) {
            this.n = n;
        }
    }

    static List<Item> items(int count) {
        return IntStream.range(0, count).mapToObj(Item::new).toList();
    }

    @Test
    void everyItemIsPreparedOnceAndHandedOnInOrderWhileHelpersShareTheWork() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (InOrderSlices<Item> slices = new InOrderSlices<>(3, 8, i -> {
            i.prepared.incrementAndGet();
            i.preparedBy = Thread.currentThread().getName();
            // enough work per item that the helpers take slices before the caller reaches them
            long spin = 0;
            for (int k = 0; k < 20_000; k++) {
                spin += k ^ i.n;
            }
            if (spin == 42) {
                throw new AssertionError();
            }
        }, "test-encoder")) {
            for (int round = 0; round < 20; round++) {
                List<Item> items = items(1000);
                List<Integer> seen = new ArrayList<>();
                int accepted = slices.run(items, i -> {
                    assertEquals(1, i.prepared.get(), "prepared before it is handed on");
                    seen.add(i.n);
                    return true;
                });
                assertEquals(1000, accepted);
                assertEquals(IntStream.range(0, 1000).boxed().toList(), seen);
                items.forEach(i -> {
                    assertEquals(1, i.prepared.get(), "item " + i.n);
                    threads.add(i.preparedBy);
                });
            }
        }
        assertTrue(threads.contains(Thread.currentThread().getName()), "the caller prepares too: " + threads);
        assertTrue(threads.stream().anyMatch(t -> t.startsWith("test-encoder-")), "helpers prepare slices: " + threads);
    }

    @Test
    void stoppingEarlyLeavesNoHelperWorkingOnTheRest() throws Exception {
        try (InOrderSlices<Item> slices = new InOrderSlices<>(2, 4, i -> i.prepared.incrementAndGet(), "test-encoder")) {
            for (int round = 0; round < 50; round++) {
                List<Item> items = items(400);
                int accepted = slices.run(items, i -> i.n < 10);
                assertEquals(10, accepted);
                int[] after = items.stream().mapToInt(i -> i.prepared.get()).toArray();
                // a second run over the same items may prepare them again, but the first run's helpers are done
                for (Item i : items) {
                    assertTrue(i.prepared.get() <= 1, "item " + i.n + " prepared " + i.prepared.get() + " times");
                }
                assertEquals(IntStream.of(after).sum(), items.stream().mapToInt(i -> i.prepared.get()).sum(),
                        "nothing prepared after run returned");
            }
        }
    }

    @Test
    void withoutHelpersTheCallerPreparesEverything() throws Exception {
        try (InOrderSlices<Item> slices = new InOrderSlices<>(0, 16, i -> i.preparedBy = Thread.currentThread().getName(), "unused")) {
            List<Item> items = items(100);
            assertEquals(100, slices.run(items, i -> true));
            items.forEach(i -> assertEquals(Thread.currentThread().getName(), i.preparedBy));
        }
    }

    @Test
    void aFailureWhilePreparingReachesTheCaller() throws Exception {
        try (InOrderSlices<Item> slices = new InOrderSlices<>(1, 2, i -> {
            if (i.n == 5) {
                throw new IllegalStateException("item 5");
            }
        }, "test-encoder")) {
            List<Integer> seen = new ArrayList<>();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> slices.run(items(10), i -> seen.add(i.n)));
            assertEquals("item 5", e.getMessage());
            assertEquals(List.of(0, 1, 2, 3), seen, "the slices before the failing one were handed on");
        }
    }
}
