package io.kapacitystack.kapacity.metrics;

import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A source of metrics for the autoscaler and for the gRPC {@code ProviderService} (spec §9.1). Implementations
 * never block the caller; failures are reported as a failed future holding a {@link MetricsException} (any other
 * throwable is treated as {@link MetricsException.Kind#INTERNAL}). Implementations are thread-safe: the gRPC
 * service calls them from several event loops at once.
 */
public interface MetricsProvider {

    /** The most recent value of every series the query selects. */
    Future<List<Sample>> queryLatest(MetricQuery query);

    /**
     * Every series the query selects, sampled at {@code start, start + step, ...} up to and including {@code end}.
     * Series order is unspecified.
     */
    Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step);
}
