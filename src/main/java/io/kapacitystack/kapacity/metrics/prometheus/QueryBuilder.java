package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.QueryNames;
import io.kapacitystack.kapacity.metrics.MetricsException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PromQL for each query type from the config's templates (Kapacity's {@code pkg/metric/provider/prometheus/query.go}). Errors are INVALID_ARGUMENT. */
final class QueryBuilder {

    /**
     * One label matcher {@code label op "value"}: the label a validated Prometheus label name, the value written
     * as an escaped PromQL string. For {@code =~} the value is a regex built by {@link #anyOf} or
     * {@link #podNamePattern} from escaped literals.
     */
    record Requirement(String label, String op, String value) {
        Requirement {
            PromQL.labelName(label, "label");
        }

        static Requirement equal(String label, String literal) {
            return new Requirement(label, "=", literal);
        }

        /** {@code label=~"a|b"} for several literals (regex-escaped), {@code label="a"} for one. */
        static Requirement anyOf(String label, List<String> literals) {
            if (literals.size() == 1) {
                return equal(label, literals.get(0));
            }
            return new Requirement(label, "=~", anyOfPattern(literals));
        }

        static Requirement matching(String label, String regex) {
            return new Requirement(label, "=~", regex);
        }

        String render() {
            return label + op + PromQL.quote(value);
        }
    }

    /** An RE2 alternative of {@code literals} (each regex-escaped); empty for none. */
    static String anyOfPattern(List<String> literals) {
        List<String> quoted = new ArrayList<>(literals.size());
        literals.forEach(l -> quoted.add(PromQL.regexLiteral(l)));
        return String.join("|", quoted);
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
        Map<String, String> escaped = new LinkedHashMap<>();
        valuesByName.forEach((k, v) -> escaped.put(k, PromQL.escape(v)));
        groupBy.forEach(l -> PromQL.labelName(l, "group-by label"));
        if (!series.isEmpty()) {
            PromQL.metricName(series, "series name");
        }
        String q = template.render(new QueryTemplate.Values(series, String.join(",", matchers), escaped,
                String.join(",", groupBy), groupBy));
        if (q.isBlank()) {
            throw fail("empty query produced by metrics query template");
        }
        return q;
    }

    /** PodResource / ContainerResource ({@code container} null for pods): one pod, several, or none. */
    String podResource(String resource, String namespace, List<String> pods, String container) {
        PrometheusConfig.ResourceRule rule = resourceRule(resource);
        QueryNames.dnsLabel(namespace, "namespace", true);
        pods.forEach(p -> QueryNames.dnsSubdomain(p, "pod name"));
        String nsLabel = label(rule.resources(), "namespace");
        String podLabel = label(rule.resources(), "pod");
        List<Requirement> reqs = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (container != null) {
            QueryNames.dnsLabel(container, "container name", false);
            reqs.add(Requirement.equal(rule.containerLabel(), container));
            values.put(rule.containerLabel(), container);
        }
        if (!namespace.isEmpty()) {
            reqs.add(Requirement.equal(nsLabel, namespace));
            values.put(nsLabel, namespace);
        }
        reqs.add(pods.isEmpty() ? Requirement.equal(podLabel, "")
                : pods.size() == 1 ? Requirement.equal(podLabel, pods.get(0))
                : Requirement.matching(podLabel, anyOfPattern(pods)));
        values.put(podLabel, anyOfPattern(pods));
        return render(rule.containerQuery(), "", reqs, values, List.of(podLabel));
    }

    /** The config's pod-name regex of a workload kind with the workload's name in it as a regex literal. */
    String podNamePattern(GroupKind gk, String name) {
        QueryNames.dnsSubdomain(name, "workload name");
        return config.podNamePattern(gk.group(), gk.kind(), PromQL.regexLiteral(name))
                .orElseThrow(() -> fail("unknown workload type \"%s\"", gk));
    }

    /** WorkloadResource / WorkloadContainerResource ({@code container} null for the whole pod). */
    String workloadResource(String resource, GroupKind gk, String namespace, String name, String container,
                            boolean readyPodsOnly) {
        PrometheusConfig.ResourceRule rule = resourceRule(resource);
        String pattern = podNamePattern(gk, name);
        QueryNames.dnsLabel(namespace, "namespace", true);
        String nsLabel = label(rule.resources(), "namespace");
        String podLabel = label(rule.resources(), "pod");
        List<Requirement> reqs = new ArrayList<>();
        if (container != null) {
            QueryNames.dnsLabel(container, "container name", false);
            reqs.add(Requirement.equal(rule.containerLabel(), container));
        }
        reqs.add(Requirement.matching(podLabel, pattern));
        reqs.sort(Comparator.comparing(Requirement::label));
        Map<String, String> values = new LinkedHashMap<>();
        reqs.forEach(r -> values.put(r.label(), r.value()));
        if (!namespace.isEmpty()) {
            reqs.add(Requirement.equal(nsLabel, namespace));
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
        QueryNames.dnsLabel(namespace, "namespace", true);
        String nsLabel = label(rule.resources(), "namespace");
        List<Requirement> reqs = new ArrayList<>();
        if (podPattern != null) {
            reqs.add(Requirement.matching("pod", podPattern));
        }
        Map<String, String> values = new LinkedHashMap<>();
        reqs.forEach(r -> values.put(r.label(), r.value()));
        if (!namespace.isEmpty()) {
            reqs.add(Requirement.equal(nsLabel, namespace));
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
        QueryNames.dnsLabel(namespace, "namespace", true);
        names.forEach(n -> QueryNames.objectName(n, "object name"));
        String nsLabel = label(rule.resources(), "namespace");
        List<Requirement> reqs = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (!namespace.isEmpty()) {
            reqs.add(Requirement.equal(nsLabel, namespace));
            values.put(nsLabel, namespace);
        }
        reqs.add(Requirement.anyOf(resourceLabel, names));
        values.put(resourceLabel, anyOfPattern(names));
        return render(rule.metricsQuery(), seriesName, reqs, values, List.of(resourceLabel));
    }
}
