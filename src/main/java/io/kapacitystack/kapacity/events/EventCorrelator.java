package io.kapacitystack.kapacity.events;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * client-go's event correlator ({@code staging/src/k8s.io/client-go/tools/record/events_cache.go}) with its
 * defaults, on an injected clock:
 * <ol>
 * <li><b>aggregation</b>: once one object has had {@value #AGGREGATE_MAX_EVENTS} events of one type and reason with
 * different messages within {@link #AGGREGATE_INTERVAL}, further ones are folded into a single Event whose message
 * starts with {@value #COMBINED_PREFIX};</li>
 * <li><b>dedup</b>: a repeat of an identical event counts up (the count covers filtered repeats too);</li>
 * <li><b>spam filter</b>: a token bucket per source and object, burst {@value #SPAM_BURST}, refilled by one every
 * {@link #SPAM_REFILL}: a repeat that finds it empty is not written at all.</li>
 * </ol>
 * Not thread-safe: {@link EventRecorder} calls it under its lock. Every table is an LRU of
 * {@value #MAX_ENTRIES} entries, as client-go's are, so memory stays bounded however many objects there are.
 */
final class EventCorrelator {

    static final int AGGREGATE_MAX_EVENTS = 10;
    static final Duration AGGREGATE_INTERVAL = Duration.ofMinutes(10);
    static final String COMBINED_PREFIX = "(combined from similar events): ";
    static final int SPAM_BURST = 25;
    static final Duration SPAM_REFILL = Duration.ofMinutes(5);
    static final int MAX_ENTRIES = 4096;

    /** What to do with one event: skip it, or write {@code message} under {@code key} with {@code count}. */
    record Outcome(boolean skip, String key, String message, int count) {
    }

    private final Map<String, Aggregate> aggregates = lru();
    private final Map<String, Integer> counts = lru();
    private final Map<String, Bucket> buckets = lru();

    /**
     * @param object the source and object identity (component, kind, namespace, name, uid)
     */
    Outcome correlate(String object, String type, String reason, String message, Instant now) {
        String aggregateKey = object + "\u0000" + type + "\u0000" + reason;
        String key = aggregateKey + "\u0000" + message;
        String written = message;

        Aggregate aggregate = aggregates.get(aggregateKey);
        if (aggregate == null || Duration.between(aggregate.last, now).compareTo(AGGREGATE_INTERVAL) > 0) {
            aggregate = new Aggregate();
            aggregates.put(aggregateKey, aggregate);
        }
        aggregate.last = now;
        aggregate.messages.add(key);
        if (aggregate.messages.size() >= AGGREGATE_MAX_EVENTS) {
            // As client-go: forget one message so the set stays bounded, and fold this one into the combined event.
            Iterator<String> it = aggregate.messages.iterator();
            it.next();
            it.remove();
            key = aggregateKey;
            written = COMBINED_PREFIX + message;
        }

        int count = counts.merge(key, 1, Integer::sum);

        Bucket bucket = buckets.get(object);
        if (bucket == null) {
            bucket = new Bucket(now);
            buckets.put(object, bucket);
        }
        return new Outcome(!bucket.tryTake(now), key, written, count);
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    private static final class Aggregate {
        final Set<String> messages = new LinkedHashSet<>();
        Instant last;
    }

    /** A token bucket that refills continuously: one token per {@link #SPAM_REFILL}, at most {@link #SPAM_BURST}. */
    private static final class Bucket {
        double tokens = SPAM_BURST;
        Instant last;

        Bucket(Instant now) {
            this.last = now;
        }

        boolean tryTake(Instant now) {
            if (now.isAfter(last)) {
                double refill = (double) Duration.between(last, now).toNanos() / SPAM_REFILL.toNanos();
                tokens = Math.min(SPAM_BURST, tokens + refill);
                last = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
