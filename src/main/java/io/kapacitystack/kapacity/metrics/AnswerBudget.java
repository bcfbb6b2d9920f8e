package io.kapacitystack.kapacity.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The most one answer may hold: series, points (over all series) and bytes read from the backend. A provider charges
 * what it reads as it reads it (the shards of one range query share one budget) and stops with
 * {@link MetricsException.Kind#RESOURCE_EXHAUSTED} when a limit is passed, before the rest is read into memory.
 * Thread-safe. See docs/security.md ("The gRPC metrics service") for how the limits were chosen.
 */
public final class AnswerBudget {

    private static final long NONE = Long.MAX_VALUE;

    private final long maxSeries;
    private final long maxPoints;
    private final long maxBytes;
    private final AtomicLong series = new AtomicLong();
    private final AtomicLong points = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    public AnswerBudget(long maxSeries, long maxPoints, long maxBytes) {
        this.maxSeries = maxSeries;
        this.maxPoints = maxPoints;
        this.maxBytes = maxBytes;
    }

    /** No limits (the controllers' own queries, whose size their specs bound). */
    public static AnswerBudget unlimited() {
        return new AnswerBudget(NONE, NONE, NONE);
    }

    public long maxSeries() {
        return maxSeries;
    }

    public long maxPoints() {
        return maxPoints;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Counts one more series of {@code n} points. */
    public void chargeSeries(long n) {
        if (series.incrementAndGet() > maxSeries) {
            throw exhausted("more than %d series", maxSeries);
        }
        if (points.addAndGet(n) > maxPoints) {
            throw exhausted("more than %d points (series x points)", maxPoints);
        }
    }

    /** Counts {@code n} more bytes read from the backend. */
    public void chargeBytes(long n) {
        if (bytes.addAndGet(n) > maxBytes) {
            throw exhausted("more than %d bytes from the metrics backend", maxBytes);
        }
    }

    private static MetricsException exhausted(String format, long limit) {
        return new MetricsException(MetricsException.Kind.RESOURCE_EXHAUSTED, "answer too large: "
                + String.format(format, limit) + "; ask for fewer series (a narrower selector) or a shorter range");
    }
}
