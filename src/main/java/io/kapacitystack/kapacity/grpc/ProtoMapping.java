package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Metric;

import java.time.Instant;

/**
 * Between the wire types of {@code metric.proto} and the internal query model (spec §10.3, §10.4). Conversion
 * failures are {@link MetricsException.Kind#INVALID_ARGUMENT} with Kapacity's messages.
 */
public final class ProtoMapping {

    private ProtoMapping() {
    }

    public static MetricQuery toQuery(Metric.Query q) {
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
        try {
            return Selector.parse(text);
        } catch (IllegalArgumentException e) {
            throw MetricsException.invalid("failed to parse selector \"%s\" of %s: %s", text, what, e.getMessage());
        }
    }

    private static MetricIdentifier metric(Metric.MetricIdentifier m, String what) {
        Selector selector = null;
        if (!m.getSelector().isEmpty()) {
            try {
                selector = Selector.parse(m.getSelector());
            } catch (IllegalArgumentException e) {
                throw MetricsException.invalid("failed to parse metric selector \"%s\" of %s: %s", m.getSelector(),
                        what, e.getMessage());
            }
        }
        return new MetricIdentifier(m.getName(), selector);
    }

    private static GroupKind groupKind(Metric.GroupKind g) {
        return new GroupKind(g.getGroup(), g.getKind());
    }

    public static Instant toInstant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    public static java.time.Duration toDuration(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
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
