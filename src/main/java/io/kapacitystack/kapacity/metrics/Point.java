package io.kapacitystack.kapacity.metrics;

/** One value at one instant; {@code timestamp} in milliseconds since the Unix epoch. */
public record Point(long timestamp, double value) {
}
