package io.kapacitystack.kapacity.reactive;

import io.kapacitystack.kapacity.gocompat.GoStrings;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kapacity's metrics client for the HPA calculator (pkg/portrait/generator/reactive/metrics_client.go): turns
 * {@link MetricsProvider} latest queries into per-pod milli-value maps or value lists. Failures are
 * {@link ReplicaCalculationException}s with upstream's texts (including its "lastest" typo). Pod-resource queries go through a {@link MetricsBatcher} when one is given.
 */
public final class MetricAdapter {

    static final Duration DEFAULT_METRIC_WINDOW = Duration.ofMinutes(1);

    private final MetricsProvider provider;
    private final MetricsBatcher batcher;

    /** @param batcher null = one provider query per call */
    public MetricAdapter(MetricsProvider provider, MetricsBatcher batcher) {
        this.provider = provider;
        this.batcher = batcher;
    }

    /**
     * Latest usage of {@code resource} (cpu or memory) per pod, of {@code container} when non-empty. {@code podNames}
     * are the pods the scale selector lists (used to filter a batched namespace-wide answer).
     */
    public Future<Map<String, PodMetric>> resourceMetric(String resource, String namespace, Selector selector,
                                                         String container, Set<String> podNames, Instant now) {
        if (!"cpu".equals(resource) && !"memory".equals(resource)) {
            return fail("unsupported resource " + GoStrings.quote(resource));
        }
        boolean byContainer = container != null && !container.isEmpty();
        String what = byContainer ? "container resource" : "pod resource";
        Future<List<Sample>> samples;
        if (batcher != null) {
            samples = batcher.latest(namespace, resource, byContainer ? container : "", podNames, now);
            if (byContainer) {
                // a namespace-wide container query can fail for pods that are not ours (metrics-api rejects pods
                // lacking the container): then ask for our pods only
                samples = samples.recover(t -> query(resource, namespace, selector, container));
            }
        } else {
            samples = query(resource, namespace, selector, byContainer ? container : "");
        }
        return samples.transform(ar -> {
            if (ar.failed()) {
                return fail("failed to query lastest " + what + " metrics: " + message(ar.cause()));
            }
            List<Sample> list = ar.result();
            if (list.isEmpty()) {
                return fail("no metrics returned from lastest " + what + " metrics query");
            }
            Map<String, PodMetric> out = new HashMap<>();
            for (Sample s : list) {
                String pod = s.labels().get("pod");
                if (pod == null || pod.isEmpty() || s.window() == null) {
                    continue; // upstream logs and skips such samples
                }
                double v = s.value();
                if (Double.isNaN(v) || v < 0) {
                    v = 0;
                }
                out.put(pod, new PodMetric((long) (v * 1000.0), Instant.ofEpochMilli(s.timestamp()), s.window()));
            }
            return Future.succeededFuture(out);
        });
    }

    private Future<List<Sample>> query(String resource, String namespace, Selector selector, String container) {
        MetricQuery q = container.isEmpty()
                ? new MetricQuery.PodResource(namespace, "", selector, resource)
                : new MetricQuery.ContainerResource(namespace, "", selector, resource, container);
        return call(q);
    }

    /** Latest value of a per-pod metric (Pods source) for the pods of {@code selector}. */
    public Future<Map<String, PodMetric>> podsMetric(String metricName, String namespace, Selector selector,
                                                     Selector metricSelector) {
        MetricQuery q = new MetricQuery.ObjectQuery(new GroupKind("", "Pod"), namespace, "", selector,
                new MetricIdentifier(metricName, metricSelector));
        return call(q).transform(ar -> {
            if (ar.failed()) {
                return fail("failed to query lastest pod metrics: " + message(ar.cause()));
            }
            if (ar.result().isEmpty()) {
                return fail("no metrics returned from lastest pod metrics query");
            }
            Map<String, PodMetric> out = new HashMap<>();
            for (Sample s : ar.result()) {
                String pod = s.labels().get("pod");
                if (pod == null || pod.isEmpty()) {
                    continue;
                }
                out.put(pod, new PodMetric(milli(s.value()), Instant.ofEpochMilli(s.timestamp()),
                        s.window() == null ? DEFAULT_METRIC_WINDOW : s.window()));
            }
            return Future.succeededFuture(out);
        });
    }

    /** Latest value (milli) of a metric describing one object. */
    public Future<Long> objectMetric(String metricName, String namespace, GroupKind groupKind, String objectName,
                                     Selector metricSelector) {
        MetricQuery q = new MetricQuery.ObjectQuery(groupKind, namespace, objectName, null,
                new MetricIdentifier(metricName, metricSelector));
        return call(q).transform(ar -> {
            if (ar.failed()) {
                return fail("failed to query lastest object metrics: " + message(ar.cause()));
            }
            if (ar.result().isEmpty()) {
                return fail("no metrics returned from lastest object metrics query");
            }
            return Future.succeededFuture(milli(ar.result().get(0).value()));
        });
    }

    /** Latest values (milli) of every series of an external metric. */
    public Future<List<Long>> externalMetric(String metricName, String namespace, Selector metricSelector) {
        MetricQuery q = new MetricQuery.External(namespace, new MetricIdentifier(metricName, metricSelector));
        return call(q).transform(ar -> {
            if (ar.failed()) {
                return fail("failed to query lastest external metrics: " + message(ar.cause()));
            }
            if (ar.result().isEmpty()) {
                return fail("no metrics returned from lastest external metrics query");
            }
            List<Long> out = new ArrayList<>();
            for (Sample s : ar.result()) {
                out.add(milli(s.value()));
            }
            return Future.succeededFuture(out);
        });
    }

    private Future<List<Sample>> call(MetricQuery q) {
        try {
            Future<List<Sample>> f = provider.queryLatest(q);
            return f == null ? Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                    "metrics provider returned no result")) : f;
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private static long milli(double v) {
        return Double.isNaN(v) ? 0 : (long) (v * 1000.0);
    }

    private static String message(Throwable t) {
        return MetricsException.of(t).getMessage();
    }

    private static <T> Future<T> fail(String message) {
        return Future.failedFuture(new ReplicaCalculationException(message));
    }
}
