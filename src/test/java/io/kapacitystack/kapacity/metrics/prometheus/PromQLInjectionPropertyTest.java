package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.grpc.ProtoMapping;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.QueryNames;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.metric.Metric;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and hostile strings in every user-controlled value that reaches PromQL (namespaces, pod, workload, object
 * and container names, series names, the fields of gRPC requests, label names of the config): each query either
 * is refused with INVALID_ARGUMENT or lexes to exactly the tokens of the same query built with harmless
 * placeholders, its strings decoding to the value itself (or its regex-escaped form inside {@code =~}): no other
 * matcher, selector, function or metric. The same values against the real Prometheus: {@code PromQLInjectionIT}.
 */
class PromQLInjectionPropertyTest {

    private static final String INGRESS_RULE = """
            rules:
            - seriesQuery: '{__name__=~"^nginx_ingress_controller_requests_total$"}'
              resources:
                overrides:
                  namespace: {resource: namespace}
                  ingress: {group: networking.k8s.io, resource: ingress}
              name:
                matches: ^(.*)_total$
                as: ${1}_per_second
              metricsQuery: sum(irate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)
            externalRules:
            - seriesQuery: '{__name__="kube_pod_status_ready"}'
              metricsQuery: sum(<<.Series>>{condition="true",<<.LabelMatchers>>})
              resources:
                overrides:
                  namespace: {resource: namespace}
            workloadPodNamePatterns:
            - {group: apps, kind: StatefulSet, pattern: "^%s-[0-9]+$"}
            """;
    private static final PrometheusConfig DEFAULTS = PrometheusConfig.defaults();
    private static final PrometheusConfig RULES = PrometheusConfig.parse(
            "resourceRules:\n  cpu:\n    containerQuery: x\n" + INGRESS_RULE);
    private static final QueryBuilder BUILDER = new QueryBuilder(DEFAULTS);
    private static final QueryBuilder RULE_BUILDER = new QueryBuilder(RULES);
    private static final PrometheusConfig.GroupResource INGRESSES =
            new PrometheusConfig.GroupResource("networking.k8s.io", "ingresses");
    private static final GroupKind STS = new GroupKind("apps", "StatefulSet");

    // ---- values

    /** Fragments that break out of a PromQL string, matcher list, regex or expression. */
    private static final List<String> ATTACKS = List.of(
            "nginx\"}[3m]) or on() label_replace(container_memory_working_set_bytes{namespace=\"kube-system\"}, "
                    + "\"pod\", \"$1\", \"pod\", \"(.*)\") or (x{a=\"",
            "\"", "\\", "\\\"", "\"}", "'", "`", "\n", "\r\n", "\u0000", "\u007f", "\u2028", "a\\x22b", ".*", "|",
            "a|.*", "^$", "(?i)kube-system", "kube-system\",namespace=~\".*", "x\"} or vector(1) or {y=\"", "{", "}",
            "[1h]", "$1", "%s", "<<.Series>>", "<<.LabelMatchers>>", "\uD83D\uDE00", "\uD800", "\uDC00x",
            "default", "web-0", "a.b.c", "kube-system", "a".repeat(300));

    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> attack = Arbitraries.of(ATTACKS);
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(40);
        Arbitrary<String> metaChars = Arbitraries.strings().withChars("\"\\{}[]()|=~!,.*+?^$ \n\t'`%/<>")
                .withCharRange('a', 'c').ofMaxLength(20);
        Arbitrary<String> dnsLike = Arbitraries.strings().withCharRange('a', 'z').withChars("-.0")
                .ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> glued = Combinators.combine(dnsLike, attack, dnsLike).as((a, b, c) -> a + b + c);
        return Arbitraries.oneOf(attack, anyChars, metaChars, dnsLike, glued);
    }

    // ---- the check

    /**
     * {@code build} with the placeholders gives the intended query; with the values it must give the same tokens,
     * each placeholder replaced by its value (or, after {@code =~}/{@code !~}, by the value regex-escaped).
     */
    private static void sameQueryAs(Function<Map<String, String>, String> build, Map<String, String> values) {
        Map<String, String> placeholders = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            // "" (no namespace: cluster-wide) is a value of its own that leaves a matcher out
            placeholders.put(e.getKey(), e.getValue().isEmpty() ? "" : "zqplaceholder" + i);
            i++;
        }
        String intended;
        String rendered;
        try {
            intended = build.apply(placeholders);
        } catch (MetricsException e) {
            MetricsException refused = org.junit.jupiter.api.Assertions.assertThrows(MetricsException.class,
                    () -> build.apply(values));
            assertEquals(MetricsException.Kind.INVALID_ARGUMENT, refused.kind(), refused.getMessage());
            return;
        }
        try {
            rendered = build.apply(values);
        } catch (MetricsException e) {
            assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().length() < 400 + QueryNames.MAX_ECHO, "echoes the value: " + e.getMessage());
            return;
        }
        List<PromQLTokens.Token> want = PromQLTokens.lex(intended);
        List<PromQLTokens.Token> got = PromQLTokens.lex(rendered);
        String wanted = intended;
        assertEquals(want.size(), got.size(), () -> "other tokens:\n" + wanted + "\n" + rendered);
        for (int t = 0; t < want.size(); t++) {
            PromQLTokens.Token w = want.get(t);
            boolean regex = t > 0 && (want.get(t - 1).text().equals("=~") || want.get(t - 1).text().equals("!~"));
            String expected = w.text();
            for (Map.Entry<String, String> p : placeholders.entrySet()) {
                String v = values.get(p.getKey());
                if (v.isEmpty()) {
                    continue;
                }
                if (w.kind() == PromQLTokens.Kind.STRING) {
                    expected = expected.replace(p.getValue(), regex ? PromQL.regexLiteral(v) : v);
                } else if (expected.equals(p.getValue())) {
                    expected = v;
                }
            }
            assertEquals(new PromQLTokens.Token(w.kind(), expected), got.get(t),
                    "token " + t + " of\n" + wanted + "\n" + rendered);
        }
    }

    private static <T> T first(List<T> l) {
        return l.get(0);
    }

    // ---- every field

    @Property(tries = 300)
    void podResourceFields(@ForAll("hostile") String namespace, @ForAll("hostile") String pod,
                           @ForAll("hostile") String otherPod, @ForAll("hostile") String container) {
        sameQueryAs(v -> BUILDER.podResource("cpu", v.get("ns"), List.of(v.get("pod")), null),
                Map.of("ns", namespace, "pod", pod));
        sameQueryAs(v -> BUILDER.podResource("memory", v.get("ns"), List.of(v.get("pod"), v.get("other")),
                v.get("container")), Map.of("ns", namespace, "pod", pod, "other", otherPod, "container", container));
    }

    @Property(tries = 300)
    void workloadResourceFields(@ForAll("hostile") String namespace, @ForAll("hostile") String workload,
                                @ForAll("hostile") String container) {
        for (boolean readyOnly : new boolean[] {false, true}) {
            sameQueryAs(v -> BUILDER.workloadResource("cpu", STS, v.get("ns"), v.get("name"), v.get("container"),
                    readyOnly), Map.of("ns", namespace, "name", workload, "container", container));
        }
    }

    @Property(tries = 300)
    void objectAndExternalFields(@ForAll("hostile") String namespace, @ForAll("hostile") String object,
                                 @ForAll("hostile") String other, @ForAll("hostile") String workload,
                                 @ForAll("hostile") String seriesName) {
        PrometheusConfig.DiscoveryRule rule = first(RULES.rules());
        sameQueryAs(v -> RULE_BUILDER.object(rule, v.get("series"), INGRESSES, v.get("ns"), List.of(v.get("a")),
                "m"), Map.of("ns", namespace, "a", object, "series", seriesName));
        sameQueryAs(v -> RULE_BUILDER.object(rule, "nginx_ingress_controller_requests_total", INGRESSES,
                v.get("ns"), List.of(v.get("a"), v.get("b")), "m"), Map.of("ns", namespace, "a", object, "b", other));
        PrometheusConfig.DiscoveryRule external = first(RULES.externalRules());
        sameQueryAs(v -> RULE_BUILDER.external(external, v.get("series"), v.get("ns"), null),
                Map.of("ns", namespace, "series", seriesName));
        sameQueryAs(v -> RULE_BUILDER.external(external, "kube_pod_status_ready", v.get("ns"),
                RULE_BUILDER.podNamePattern(STS, v.get("name"))), Map.of("ns", namespace, "name", workload));
    }

    /** gRPC requests: every string field of every query type, through ProtoMapping as the service maps them. */
    @Property(tries = 300)
    void grpcRequestFields(@ForAll("hostile") String namespace, @ForAll("hostile") String name,
                           @ForAll("hostile") String container, @ForAll("hostile") String resource) {
        Function<Map<String, String>, List<String>> all = v -> {
            List<Metric.Query> requests = List.of(
                    Metric.Query.newBuilder().setType(Metric.QueryType.POD_RESOURCE).setPodResource(
                            Metric.PodResourceQuery.newBuilder().setNamespace(v.get("ns")).setName(v.get("name"))
                                    .setResourceName(v.get("res"))).build(),
                    Metric.Query.newBuilder().setType(Metric.QueryType.CONTAINER_RESOURCE).setContainerResource(
                            Metric.ContainerResourceQuery.newBuilder().setNamespace(v.get("ns"))
                                    .setName(v.get("name")).setResourceName(v.get("res"))
                                    .setContainerName(v.get("container"))).build(),
                    Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_CONTAINER_RESOURCE)
                            .setWorkloadContainerResource(Metric.WorkloadContainerResourceQuery.newBuilder()
                                    .setGroupKind(Metric.GroupKind.newBuilder().setGroup("apps")
                                            .setKind("StatefulSet"))
                                    .setNamespace(v.get("ns")).setName(v.get("name")).setResourceName(v.get("res"))
                                    .setContainerName(v.get("container")).setReadyPodsOnly(true)).build());
            List<String> out = new ArrayList<>();
            for (Metric.Query q : requests) {
                MetricQuery m = ProtoMapping.toQuery(q);
                if (m instanceof MetricQuery.PodResource p) {
                    out.add(BUILDER.podResource(p.resourceName(), p.namespace(), List.of(p.name()), null));
                } else if (m instanceof MetricQuery.ContainerResource c) {
                    out.add(BUILDER.podResource(c.resourceName(), c.namespace(), List.of(c.name()),
                            c.containerName()));
                } else if (m instanceof MetricQuery.WorkloadContainerResource w) {
                    out.add(BUILDER.workloadResource(w.resourceName(), w.groupKind(), w.namespace(), w.name(),
                            w.containerName(), w.readyPodsOnly()));
                }
            }
            return out;
        };
        for (int i = 0; i < 3; i++) {
            int which = i;
            // the resource name only selects a rule: anything but cpu/memory is refused
            sameQueryAs(v -> all.apply(new LinkedHashMap<>(v) {{
                put("res", "cpu");
            }}).get(which), Map.of("ns", namespace, "name", name, "container", container));
        }
        Map<String, String> withResource = Map.of("ns", "default", "name", "web-0", "container", "app",
                "res", resource);
        try {
            all.apply(withResource);
            assertTrue(resource.equals("cpu") || resource.equals("memory"), resource);
        } catch (MetricsException e) {
            assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        }
    }

    /** Label names come from the config: a name that is not a Prometheus label name is refused when it loads. */
    @Property(tries = 200)
    void configLabelNames(@ForAll("hostile") String label) {
        String yaml = "resourceRules:\n  cpu:\n    containerQuery: x{<<.LabelMatchers>>}\n    containerLabel: "
                + PromQL.quote(label) + "\n    resources:\n      overrides:\n        " + PromQL.quote(label)
                + ": {resource: pod}\n";
        try {
            PrometheusConfig c = PrometheusConfig.parse(yaml);
            assertTrue(PromQL.isLabelName(label), label);
            assertEquals(label, c.resourceRules().cpu().containerLabel());
        } catch (PrometheusConfig.ConfigException | IllegalArgumentException e) {
            assertFalse(PromQL.isLabelName(label) && !label.contains("\\"), label + ": " + e.getMessage());
        }
    }

    // ---- the escapes themselves

    @Property(tries = 1000)
    void quotedStringsReadBackAsTheValue(@ForAll("hostile") String value) {
        List<PromQLTokens.Token> tokens = PromQLTokens.lex("x{a=" + PromQL.quote(value) + "}");
        assertEquals(6, tokens.size(), tokens.toString());
        StringBuilder expected = new StringBuilder();
        value.codePoints().forEach(c -> expected.appendCodePoint(Character.isSurrogate((char) c) && c < 0x10000
                ? 0xFFFD : c)); // a lone surrogate has no UTF-8 form: it is sent as U+FFFD
        assertEquals(new PromQLTokens.Token(PromQLTokens.Kind.STRING, expected.toString()), tokens.get(4));
    }

    @Property(tries = 1000)
    void regexLiteralsMatchOnlyTheirText(@ForAll("hostile") String literal, @ForAll @Size(max = 3) List<String> others) {
        Pattern p = Pattern.compile(PromQL.regexLiteral(literal), Pattern.DOTALL);
        assertTrue(p.matcher(literal).matches(), literal);
        for (String o : others) {
            assertEquals(o.equals(literal), p.matcher(o).matches(), o);
        }
        assertFalse(p.matcher(literal + "x").matches());
    }

    @Example
    void theReportedContainerProbeIsRefused() {
        String probe = first(ATTACKS);
        MetricsException e = org.junit.jupiter.api.Assertions.assertThrows(MetricsException.class,
                () -> BUILDER.podResource("memory", "default", List.of("web-0"), probe));
        assertEquals(MetricsException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("invalid container name \"nginx\\u0022}[3m]) or on() label_rep"),
                e.getMessage());
    }
}
