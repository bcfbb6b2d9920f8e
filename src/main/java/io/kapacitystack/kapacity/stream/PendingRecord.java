package io.kapacitystack.kapacity.stream;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A record on its way through the {@link ScalingEventPublisher}. Identity equality on purpose: a record's hash would
 * hash the fact's whole data map, on the sender's and the producer's threads for every record (it showed in the
 * benchmark's profile).
 *
 * <p>Encoded once, by one encoding thread, before it is handed over; a record retried after it was not accepted
 * keeps its encoding, so its id too. The sender sees the encoding through {@link InOrderSlices}' hand-over.
 */
final class PendingRecord {
    final ScalingFact fact;
    final long queuedNanos;
    /** The CloudEvent's id, set with the encoding. */
    String id;
    /** The encoded record until it is handed over; null before and after. */
    ProducerRecord<String, byte[]> record;
    /** Why it cannot be encoded (it never will be), or null. */
    String encodingFailure;

    PendingRecord(ScalingFact fact, long queuedNanos) {
        this.fact = fact;
        this.queuedNanos = queuedNanos;
    }

    ScalingFact fact() {
        return fact;
    }

    String id() {
        return id;
    }

    long queuedNanos() {
        return queuedNanos;
    }

    boolean encoded() {
        return record != null || encodingFailure != null;
    }
}
