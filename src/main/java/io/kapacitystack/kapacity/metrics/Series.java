package io.kapacitystack.kapacity.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The values of one series over a range, oldest first.
 *
 * @param window the averaging window of the values, or null (only resource queries report one)
 */
public record Series(List<Point> points, Map<String, String> labels, Duration window) {

    public Series {
        points = points == null ? List.of() : List.copyOf(points);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Optional<Duration> optionalWindow() {
        return Optional.ofNullable(window);
    }
}
