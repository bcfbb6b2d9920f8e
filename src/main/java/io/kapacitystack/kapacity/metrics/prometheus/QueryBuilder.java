package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricsException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PromQL for each query type from the config's templates (spec §9.3.2). Errors are INVALID_ARGUMENT. */
final class QueryBuilder {

    /** One label requirement; several values (or a regex) render as {@code =~"a|b"}. */
    record Requirement(String label, String op, List<String> values) {
        String render() {
            if (op.equals("=") && values.size() != 1) {
                return label + "=~\"" + String.join("|", values) + "\"";
            }
            if (op.equals("!=") && values.size() != 1) {
                return label + "!~\"" + String.join("|", values) + "\"";
            }
            return label + op + "\"" + String.join("|", values) + "\"";
        }
    }

    private final PrometheusConfig config;

    QueryBuilder(PrometheusConfig config) {
        this.config = config;
    }

    PrometheusConfig.ResourceRule resourceRule(String resource) {
        PrometheusConfig.ResourceRules rules = config.resourceRules();
        return rules.rule(resource).orElseThrow(() -> fail("unsupported resource \"%s\"", resource));
    }

    private static MetricsException fail(String format, Object... args) {
        return MetricsException.invalid("failed to build prom queries: " + format, args);
    }

    private static String label(PrometheusConfig.ResourceMapping m, String resource) {
        return m.labelFor("", resource).orElse(resource);
    }

    private static String render(QueryTemplate template, String series, List<Requirement> reqs,
                                 Map<String, String> valuesByName, List<String> groupBy) {
        if (template == null) {
            throw fail("no query template configured");
        }
        List<String> matchers = new ArrayList<>();
        reqs.forEach(r -> matchers.add(r.render()));
        String q = template.render(new QueryTemplate.Values(series, String.join(",", matchers), valuesByName,
                String.join(",", groupBy), groupBy));
        if (q.isBlank()) {
            throw fail("empty query produced by metrics query template");
        }
        return q;
    }

    /** PodResource / ContainerResource ({@code container} null for pods): one pod, several, or none. */
    String podResource(String resource, String namespace, List<String> pods, String container) {
        PrometheusConfig.ResourceRule rule = resourceRule(resource);
        String nsLabel = label(rule.resources(), "namespace");
        String podLabel = label(rule.resources(), "pod");
        List<Requirement> reqs = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (container != null) {
            reqs.add(new Requirement(rule.containerLabel(), "=", List.of(container)));
            values.put(rule.containerLabel(), container);
        }
        if (!namespace.isEmpty()) {
            reqs.add(new Requirement(nsLabel, "=", List.of(namespace)));
            values.put(nsLabel, namespace);
        }
        reqs.add(pods.size() == 1 ? new Requirement(podLabel, "=", pods)
                : pods.isEmpty() ? new Requirement(podLabel, "=", List.of(""))
                : new Requirement(podLabel, "=~", List.of(String.join("|", pods))));
        values.put(podLabel, String.join("|", pods));
        return render(rule.containerQuery(), "", reqs, values, List.of(podLabel));
    }

    String podNamePattern(GroupKind gk, String name) {
        return config.podNamePattern(gk.group(), gk.kind(), name)
                .orElseThrow(() -> fail("unknown workload type \"%s\"", gk));
    }

    /** WorkloadResource / WorkloadContainerResource ({@code container} null for the whole pod). */
    String workloadResource(String resource, GroupKind gk, String namespace, String name, String container,
                            boolean readyPodsOnly) {
        PrometheusConfig.ResourceRule rule = resourceRule(resource);
        String pattern = podNamePattern(gk, name);
        String nsLabel = label(rule.resources(), "namespace");
        String podLabel = label(rule.resources(), "pod");
        List<Requirement> reqs = new ArrayList<>();
        if (container != null) {
            reqs.add(new Requirement(rule.containerLabel(), "=", List.of(container)));
        }
        reqs.add(new Requirement(podLabel, "=~", List.of(pattern)));
        reqs.sort(Comparator.comparing(Requirement::label));
        Map<String, String> values = new LinkedHashMap<>();
        reqs.forEach(r -> values.put(r.label(), String.join("|", r.values())));
        if (!namespace.isEmpty()) {
            reqs.add(new Requirement(nsLabel, "=", List.of(namespace)));
            values.put(nsLabel, namespace);
        }
        QueryTemplate template = readyPodsOnly ? rule.readyPodsOnlyContainerQuery() : rule.containerQuery();
        if (template == null) {
            throw fail("no %s configured for resource \"%s\"", readyPodsOnly ? "readyPodsOnlyContainerQuery"
                    : "containerQuery", resource);
        }
        return render(template, "", reqs, values, List.of(nsLabel));
    }

    /** External / WorkloadExternal ({@code podPattern} null for External). */
    String external(PrometheusConfig.DiscoveryRule rule, String seriesName, String namespace, String podPattern) {
        String nsLabel = label(rule.resources(), "namespace");
        List<Requirement> reqs = new ArrayList<>();
        if (podPattern != null) {
            reqs.add(new Requirement("pod", "=~", List.of(podPattern)));
        }
        Map<String, String> values = new LinkedHashMap<>();
        reqs.forEach(r -> values.put(r.label(), String.join("|", r.values())));
        if (!namespace.isEmpty()) {
            reqs.add(new Requirement(nsLabel, "=", List.of(namespace)));
            values.put(nsLabel, namespace);
        }
        return render(rule.metricsQuery(), seriesName, reqs, values, List.of());
    }

    /** Object: the rule's metricsQuery for the named objects of one resource. */
    String object(PrometheusConfig.DiscoveryRule rule, String seriesName, PrometheusConfig.GroupResource resource,
                  String namespace, List<String> names, String metricName) {
        if (names.isEmpty()) {
            throw fail("no resource names requested while producing a query for metric %s", metricName);
        }
        String resourceLabel = rule.resources().labelFor(resource.group(), resource.resource())
                .orElseThrow(() -> fail("no label for resource %s in the rule of metric %s", resource, metricName));
        String nsLabel = label(rule.resources(), "namespace");
        List<Requirement> reqs = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (!namespace.isEmpty()) {
            reqs.add(new Requirement(nsLabel, "=", List.of(namespace)));
            values.put(nsLabel, namespace);
        }
        reqs.add(names.size() == 1 ? new Requirement(resourceLabel, "=", names)
                : new Requirement(resourceLabel, "=~", List.of(String.join("|", names))));
        values.put(resourceLabel, String.join("|", names));
        return render(rule.metricsQuery(), seriesName, reqs, values, List.of(resourceLabel));
    }
}
