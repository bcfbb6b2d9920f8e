package io.kapacitystack.kapacity.reactive;

import java.time.Duration;
import java.time.Instant;

/**
 * One pod's latest metric value as the HPA replica calculator sees it (upstream {@code metrics.PodMetric}).
 *
 * @param milli     the value in milli-units (e.g. 250 for 250m CPU)
 * @param timestamp when the value was sampled
 * @param window    the averaging window of the value
 */
public record PodMetric(long milli, Instant timestamp, Duration window) {

    public static PodMetric of(long milli) {
        return new PodMetric(milli, Instant.EPOCH, Duration.ofMinutes(1));
    }

    PodMetric withValue(long v) {
        return new PodMetric(v, timestamp, window);
    }
}
