package io.kapacitystack.kapacity.reactive;

/** A metric for which no replica count can be computed; the message is upstream's error text. */
public final class ReplicaCalculationException extends RuntimeException {
    public ReplicaCalculationException(String message) {
        super(message, null, false, false);
    }
}
