package io.kapacitystack.kapacity.predictive;

import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricIdentifier;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.kapacitystack.metric.Metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gRPC {@code Query} of each HorizontalPortrait metric, by Kapacity's convention (its job's
 * algorithm/kapacity/portrait/horizontal/predictive/main.py): metrics[0] the resource (Resource or ContainerResource,
 * summed over ready pods), metrics[1] the ready pods (Pods), metrics[2..] the named traffic series (Pods, Object or
 * External). Refuses a spec that does not follow it.
 */
public final class HistoryQueries {

    /** Traffic names become ConfigMap values and log text: keep them short and plain. */
    static final Pattern TRAFFIC_NAME = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,62}");
    /** More traffic series than this is not a workload's traffic but a mistake (and a cost). */
    static final int MAX_TRAFFIC_SERIES = 16;

    public record Queries(Metric.Query resource, Metric.Query readyPods, Map<String, Metric.Query> traffic) {
    }

    private HistoryQueries() {
    }

    public static Queries of(String namespace, CrossVersionObjectReference target, List<MetricSpec> metrics) {
        if (target == null || target.kind == null || target.name == null) {
            throw bad("spec.scaleTargetRef must name the workload");
        }
        if (metrics == null || metrics.size() < 3) {
            throw bad("spec.metrics must list the resource target, the ready pods and at least one traffic series "
                    + "(Kapacity's predictive convention); found " + (metrics == null ? 0 : metrics.size()));
        }
        if (metrics.size() - 2 > MAX_TRAFFIC_SERIES) {
            throw bad("spec.metrics lists " + (metrics.size() - 2) + " traffic series; at most " + MAX_TRAFFIC_SERIES);
        }
        Metric.GroupKind workload = groupKind(target.apiVersion, target.kind);
        MetricSpec first = metrics.get(0);
        Metric.Query resource;
        if ("Resource".equals(first.type) && first.resource != null) {
            resource = Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_RESOURCE)
                    .setWorkloadResource(Metric.WorkloadResourceQuery.newBuilder().setGroupKind(workload)
                            .setNamespace(namespace).setName(target.name).setResourceName(first.resource.getName())
                            .setReadyPodsOnly(true)).build();
        } else if ("ContainerResource".equals(first.type) && first.containerResource != null) {
            resource = Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_CONTAINER_RESOURCE)
                    .setWorkloadContainerResource(Metric.WorkloadContainerResourceQuery.newBuilder().setGroupKind(workload)
                            .setNamespace(namespace).setName(target.name)
                            .setResourceName(first.containerResource.getName())
                            .setContainerName(first.containerResource.getContainer()).setReadyPodsOnly(true)).build();
        } else {
            throw bad("spec.metrics[0] must be a Resource or ContainerResource metric (the resource target), got "
                    + first.type);
        }
        MetricSpec second = metrics.get(1);
        if (!"Pods".equals(second.type) || second.pods == null || second.pods.getMetric() == null) {
            throw bad("spec.metrics[1] must be a Pods metric (the ready pod count), got " + second.type);
        }
        Metric.Query readyPods = workloadExternal(workload, namespace, target.name, second.pods.getMetric());
        Map<String, Metric.Query> traffic = new LinkedHashMap<>();
        for (int i = 2; i < metrics.size(); i++) {
            MetricSpec m = metrics.get(i);
            if (m.name == null || !TRAFFIC_NAME.matcher(m.name).matches()) {
                throw bad("spec.metrics[" + i + "] (traffic) needs a name of letters, digits, '-', '_' or '.'");
            }
            if (traffic.containsKey(m.name)) {
                throw bad("spec.metrics[" + i + "]: traffic name \"" + m.name + "\" is used twice");
            }
            Metric.Query q;
            if ("Pods".equals(m.type) && m.pods != null && m.pods.getMetric() != null) {
                q = workloadExternal(workload, namespace, target.name, m.pods.getMetric());
            } else if ("Object".equals(m.type) && m.object != null && m.object.getDescribedObject() != null
                    && m.object.getMetric() != null) {
                var d = m.object.getDescribedObject();
                q = Metric.Query.newBuilder().setType(Metric.QueryType.OBJECT).setObject(Metric.ObjectQuery.newBuilder()
                        .setGroupKind(groupKind(d.getApiVersion(), d.getKind())).setNamespace(namespace)
                        .setName(d.getName()).setMetric(identifier(m.object.getMetric()))).build();
            } else if ("External".equals(m.type) && m.external != null && m.external.getMetric() != null) {
                q = Metric.Query.newBuilder().setType(Metric.QueryType.EXTERNAL).setExternal(Metric.ExternalQuery
                        .newBuilder().setNamespace(namespace).setMetric(identifier(m.external.getMetric()))).build();
            } else {
                throw bad("spec.metrics[" + i + "] (traffic \"" + m.name + "\") must be a Pods, Object or External "
                        + "metric, got " + m.type);
            }
            traffic.put(m.name, q);
        }
        return new Queries(resource, readyPods, traffic);
    }

    private static Metric.Query workloadExternal(Metric.GroupKind gk, String ns, String name, MetricIdentifier id) {
        return Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_EXTERNAL).setWorkloadExternal(
                Metric.WorkloadExternalQuery.newBuilder().setGroupKind(gk).setNamespace(ns).setName(name)
                        .setMetric(identifier(id))).build();
    }

    /** Name and, unlike Kapacity's job (which drops it when a name is set), the selector too. */
    static Metric.MetricIdentifier identifier(MetricIdentifier id) {
        Metric.MetricIdentifier.Builder b = Metric.MetricIdentifier.newBuilder().setName(id.getName() == null ? "" : id.getName());
        if (id.getSelector() != null) {
            String s = LabelSelectors.format(id.getSelector());
            if (!s.isEmpty()) {
                b.setSelector(s);
            }
        }
        return b.build();
    }

    /** {@code apps/v1} → apps, core {@code v1} → "" (Kapacity's job sends "v1" as the group). */
    static Metric.GroupKind groupKind(String apiVersion, String kind) {
        String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
        return Metric.GroupKind.newBuilder().setGroup(group).setKind(kind == null ? "" : kind).build();
    }

    private static Refusal bad(String message) {
        return new Refusal(Refusal.Kind.BAD_INPUT, message);
    }
}
