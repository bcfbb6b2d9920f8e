package io.kapacitystack.kapacity.reactive;

import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An input fixture: a metrics source answering fixed samples. Pod-resource queries are answered from per-pod values
 * filtered by the query's selector over the pods' labels (as the real providers do through the pod cache); other
 * queries by a function the test sets. Counts and records every query.
 */
class FixedMetrics implements MetricsProvider {

    record PodValue(String namespace, String pod, Map<String, String> podLabels, String resource, String container,
                    double value, Instant timestamp, Duration window) {
    }

    final List<PodValue> podValues = new CopyOnWriteArrayList<>();
    final List<MetricQuery> queries = new CopyOnWriteArrayList<>();
    volatile Function<MetricQuery, Future<List<Sample>>> other = q -> Future.failedFuture(
            MetricsException.notFound("no fixture for %s", q.type()));
    /** When set, every query fails with it. */
    volatile MetricsException failure;

    FixedMetrics cpu(String namespace, String pod, Map<String, String> labels, double cores) {
        podValues.add(new PodValue(namespace, pod, labels, "cpu", "", cores, ReactiveFixtures.NOW, Duration.ofMinutes(1)));
        return this;
    }

    int count(Class<? extends MetricQuery> type) {
        int n = 0;
        for (MetricQuery q : queries) {
            if (type.isInstance(q)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query) {
        queries.add(query);
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        if (query instanceof MetricQuery.PodResource q) {
            return Future.succeededFuture(resource(q.namespace(), q.name(), q.selector(), q.resourceName(), ""));
        }
        if (query instanceof MetricQuery.ContainerResource q) {
            return Future.succeededFuture(resource(q.namespace(), q.name(), q.selector(), q.resourceName(), q.containerName()));
        }
        return other.apply(query);
    }

    private List<Sample> resource(String ns, String name, io.kapacitystack.kapacity.metrics.Selector selector,
                                  String resource, String container) {
        List<Sample> out = new ArrayList<>();
        for (PodValue v : podValues) {
            boolean picked = name.isEmpty() ? selector.matches(v.podLabels()) : name.equals(v.pod());
            if (v.namespace().equals(ns) && picked && v.resource().equals(resource) && v.container().equals(container)) {
                out.add(new Sample(v.timestamp().toEpochMilli(), v.value(), Map.of("pod", v.pod(), "namespace", ns), v.window()));
            }
        }
        return out;
    }

    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
        return Future.failedFuture(MetricsException.unsupported("range queries are not used by the reactive generator"));
    }
}
