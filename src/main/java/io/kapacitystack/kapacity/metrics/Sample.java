package io.kapacitystack.kapacity.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The latest value of one series.
 *
 * @param timestamp milliseconds since the Unix epoch
 * @param labels    series labels (conventions: {@code namespace}, {@code pod})
 * @param window    the averaging window of the value, or null (only resource queries report one)
 */
public record Sample(long timestamp, double value, Map<String, String> labels, Duration window) {

    public Sample {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Optional<Duration> optionalWindow() {
        return Optional.ofNullable(window);
    }
}
