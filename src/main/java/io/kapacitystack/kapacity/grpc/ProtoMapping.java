package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.QueryNames;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Metric;

import java.time.Instant;
import java.util.Map;

/**
 * Between the wire types of {@code metric.proto} and the internal query model (as Kapacity's {@code pkg/metric/service/server.go} converts them). Conversion
 * failures are {@link MetricsException.Kind#INVALID_ARGUMENT} with Kapacity's messages.
 */
public final class ProtoMapping {

    private ProtoMapping() {
    }

    public static MetricQuery toQuery(Metric.Query q) {
        checkLengths(q);
        switch (q.getTypeValue()) {
            case Metric.QueryType.POD_RESOURCE_VALUE: {
                Metric.PodResourceQuery p = q.getPodResource();
                Selector selector = p.getName().isEmpty() ? selector(p.getSelector(), "pod resource query") : null;
                return new MetricQuery.PodResource(p.getNamespace(), p.getName(), selector, p.getResourceName());
            }
            case Metric.QueryType.CONTAINER_RESOURCE_VALUE: {
                Metric.ContainerResourceQuery p = q.getContainerResource();
                Selector selector = p.getName().isEmpty()
                        ? selector(p.getSelector(), "container resource query") : null;
                return new MetricQuery.ContainerResource(p.getNamespace(), p.getName(), selector,
                        p.getResourceName(), p.getContainerName());
            }
            case Metric.QueryType.WORKLOAD_RESOURCE_VALUE: {
                Metric.WorkloadResourceQuery w = q.getWorkloadResource();
                return new MetricQuery.WorkloadResource(groupKind(w.getGroupKind()), w.getNamespace(), w.getName(),
                        w.getResourceName(), w.getReadyPodsOnly());
            }
            case Metric.QueryType.WORKLOAD_CONTAINER_RESOURCE_VALUE: {
                Metric.WorkloadContainerResourceQuery w = q.getWorkloadContainerResource();
                return new MetricQuery.WorkloadContainerResource(groupKind(w.getGroupKind()), w.getNamespace(),
                        w.getName(), w.getResourceName(), w.getContainerName(), w.getReadyPodsOnly());
            }
            case Metric.QueryType.OBJECT_VALUE: {
                Metric.ObjectQuery o = q.getObject();
                Selector selector = o.getName().isEmpty() ? selector(o.getSelector(), "object query") : null;
                return new MetricQuery.ObjectQuery(groupKind(o.getGroupKind()), o.getNamespace(), o.getName(),
                        selector, metric(o.getMetric(), "object query"));
            }
            case Metric.QueryType.EXTERNAL_VALUE: {
                Metric.ExternalQuery e = q.getExternal();
                return new MetricQuery.External(e.getNamespace(), metric(e.getMetric(), "external query"));
            }
            case Metric.QueryType.WORKLOAD_EXTERNAL_VALUE: {
                Metric.WorkloadExternalQuery w = q.getWorkloadExternal();
                return new MetricQuery.WorkloadExternal(groupKind(w.getGroupKind()), w.getNamespace(), w.getName(),
                        metric(w.getMetric(), "workload external query"));
            }
            default:
                throw MetricsException.invalid("unknown query type \"%d\"", q.getTypeValue());
        }
    }

    private static Selector selector(String text, String what) {
        if (text.length() > MAX_SELECTOR_LENGTH) {
            throw MetricsException.invalid("selector of %s too long: %d characters, at most %d", what, text.length(),
                    MAX_SELECTOR_LENGTH);
        }
        try {
            return Selector.parse(text);
        } catch (IllegalArgumentException e) {
            throw MetricsException.invalid("failed to parse selector %s of %s: %s", QueryNames.echo(text), what,
                    shortMessage(e));
        }
    }

    /** The longest name (namespace, object, container, resource, metric, group, kind) a query may carry. */
    static final int MAX_NAME_LENGTH = QueryNames.MAX_SUBDOMAIN_LENGTH;

    /**
     * Every string field of the query within its bound ({@link #MAX_SELECTOR_LENGTH} for selectors,
     * {@link #MAX_NAME_LENGTH} else), so that no error message or query repeats a long value.
     */
    private static void checkLengths(com.google.protobuf.Message m) {
        for (Map.Entry<com.google.protobuf.Descriptors.FieldDescriptor, Object> e
                : m.getAllFields().entrySet()) {
            if (e.getValue() instanceof String v) {
                int max = e.getKey().getName().equals("selector") ? MAX_SELECTOR_LENGTH : MAX_NAME_LENGTH;
                if (v.length() > max) {
                    throw MetricsException.invalid("field %s too long: %d characters, at most %d",
                            e.getKey().getName(), v.length(), max);
                }
            } else if (e.getValue() instanceof com.google.protobuf.Message nested) {
                checkLengths(nested);
            }
        }
    }

    /** A parser's message, which may quote the whole input, cut as {@link QueryNames#echo} cuts values. */
    private static String shortMessage(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        return m.length() <= 2 * QueryNames.MAX_ECHO ? m : m.substring(0, 2 * QueryNames.MAX_ECHO) + "...";
    }

    /** The longest selector accepted (a selector names labels of at most 63 + 253 characters each). */
    static final int MAX_SELECTOR_LENGTH = 4096;

    private static MetricIdentifier metric(Metric.MetricIdentifier m, String what) {
        Selector selector = null;
        if (m.getSelector().length() > MAX_SELECTOR_LENGTH) {
            throw MetricsException.invalid("metric selector of %s too long: %d characters, at most %d", what,
                    m.getSelector().length(), MAX_SELECTOR_LENGTH);
        }
        if (!m.getSelector().isEmpty()) {
            try {
                selector = Selector.parse(m.getSelector());
            } catch (IllegalArgumentException e) {
                throw MetricsException.invalid("failed to parse metric selector %s of %s: %s",
                        QueryNames.echo(m.getSelector()), what, shortMessage(e));
            }
        }
        return new MetricIdentifier(m.getName(), selector);
    }

    private static GroupKind groupKind(Metric.GroupKind g) {
        return new GroupKind(g.getGroup(), g.getKind());
    }

    /** google/protobuf/timestamp.proto's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
    static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L;
    static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L;
    /** google/protobuf/duration.proto's range: about +-10,000 years. */
    static final long MAX_DURATION_SECONDS = 315_576_000_000L;

    public static Instant toInstant(Timestamp t) {
        return toInstant(t, "timestamp");
    }

    /** @throws MetricsException INVALID_ARGUMENT for a timestamp outside timestamp.proto's range */
    public static Instant toInstant(Timestamp t, String what) {
        if (t.getSeconds() < MIN_TIMESTAMP_SECONDS || t.getSeconds() > MAX_TIMESTAMP_SECONDS
                || t.getNanos() < 0 || t.getNanos() > 999_999_999) {
            throw MetricsException.invalid("invalid %s (seconds %d, nanos %d): must be between 0001-01-01 and "
                    + "9999-12-31 with nanos in [0, 999999999]", what, t.getSeconds(), t.getNanos());
        }
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    public static java.time.Duration toDuration(Duration d) {
        return toDuration(d, "duration");
    }

    /** @throws MetricsException INVALID_ARGUMENT for a duration outside duration.proto's range or sign rules */
    public static java.time.Duration toDuration(Duration d, String what) {
        long s = d.getSeconds();
        int n = d.getNanos();
        if (Math.abs(s) > MAX_DURATION_SECONDS || Math.abs(n) > 999_999_999 || s > 0 && n < 0 || s < 0 && n > 0) {
            throw MetricsException.invalid("invalid %s (seconds %d, nanos %d): outside the range of "
                    + "google.protobuf.Duration", what, s, n);
        }
        return java.time.Duration.ofSeconds(s, n);
    }

    public static Duration toProto(java.time.Duration d) {
        return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    public static Timestamp toProto(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    public static Metric.Sample toProto(Sample s) {
        Metric.Sample.Builder b = Metric.Sample.newBuilder()
                .setPoint(Metric.Point.newBuilder().setTimestamp(s.timestamp()).setValue(s.value()))
                .putAllLabels(s.labels());
        if (s.window() != null) {
            b.setWindow(toProto(s.window()));
        }
        return b.build();
    }

    public static Metric.Series toProto(Series s) {
        Metric.Series.Builder b = Metric.Series.newBuilder().putAllLabels(s.labels());
        for (Point p : s.points()) {
            b.addPoints(Metric.Point.newBuilder().setTimestamp(p.timestamp()).setValue(p.value()));
        }
        if (s.window() != null) {
            b.setWindow(toProto(s.window()));
        }
        return b.build();
    }
}
