package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/** Records what it was asked and answers what the test set up. */
final class FakeProvider implements MetricsProvider {

    volatile MetricQuery lastQuery;
    volatile Instant lastStart;
    volatile Instant lastEnd;
    volatile Duration lastStep;
    volatile Function<MetricQuery, Future<List<Sample>>> latest = q -> Future.succeededFuture(List.of());
    volatile Function<MetricQuery, Future<List<Series>>> range = q -> Future.succeededFuture(List.of());

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query) {
        lastQuery = query;
        return latest.apply(query);
    }

    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
        lastQuery = query;
        lastStart = start;
        lastEnd = end;
        lastStep = step;
        return range.apply(query);
    }
}
