package io.kapacitystack.kapacity.metrics;

import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A source of metrics for the autoscaler and for the gRPC {@code ProviderService} (Kapacity's {@code pkg/metric/provider/interfaces.go}). Implementations
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

    /**
     * {@link #queryLatest(MetricQuery)} within {@code budget}. Providers that read unbounded answers (Prometheus)
     * charge while reading and stop early; the default checks the finished answer.
     */
    default Future<List<Sample>> queryLatest(MetricQuery query, AnswerBudget budget) {
        return queryLatest(query).map(samples -> {
            samples.forEach(s -> budget.chargeSeries(1));
            return samples;
        });
    }

    /** {@link #query(MetricQuery, Instant, Instant, Duration)} within {@code budget} (see the other overload). */
    default Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step,
                                       AnswerBudget budget) {
        return query(query, start, end, step).map(series -> {
            series.forEach(s -> budget.chargeSeries(s.points().size()));
            return series;
        });
    }
}
