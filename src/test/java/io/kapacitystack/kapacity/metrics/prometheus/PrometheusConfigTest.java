package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricsException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strict config parsing, the template subset, query building (spec §9.3.4 examples) and range sharding. */
class PrometheusConfigTest {

    private static final PrometheusConfig SHIPPED = PrometheusConfig.defaults();
    private static final QueryBuilder BUILDER = new QueryBuilder(SHIPPED);

    /** Kapacity's shipped cpu rule (spec §9.3.6), whose readyPodsOnly query selects every pod's readiness. */
    private static final String UPSTREAM_READY_PODS_ONLY = """
            resourceRules:
              cpu:
                containerQuery: sum by (<<.GroupBy>>) (irate(container_cpu_usage_seconds_total{container!="",container!="POD",<<.LabelMatchers>>}[3m]))
                readyPodsOnlyContainerQuery: sum by (<<.GroupBy>>) ((kube_pod_status_ready{condition="true"} == 1) * on (namespace, pod) group_left () sum by (namespace, pod) (irate(container_cpu_usage_seconds_total{container!="",container!="POD",<<.LabelMatchers>>}[3m])))
                resources:
                  overrides:
                    namespace: {resource: namespace}
                    pod: {resource: pod}
                containerLabel: container
              window: 3m
            workloadPodNamePatterns:
            - {group: apps, kind: Deployment, pattern: "^%s-[a-z0-9]+-[a-z0-9]+$"}
            """;

    private static String squash(String s) {
        return s.replaceAll("\\s+", "");
    }

    private static void assertPromQL(String expected, String actual) {
        assertEquals(squash(expected), squash(actual), actual);
    }

    @Test
    void shippedConfigParses() {
        assertEquals(Duration.ofMinutes(3), SHIPPED.resourceRules().window());
        assertEquals("container", SHIPPED.resourceRules().cpu().containerLabel());
        assertEquals(List.of(), SHIPPED.rules());
        assertEquals(1, SHIPPED.externalRules().size());
        assertEquals("{__name__=\"kube_pod_status_ready\"}", SHIPPED.externalRules().get(0).seriesQuery());
        assertEquals("ready_pods_count", SHIPPED.externalRules().get(0).name().name("kube_pod_status_ready").get());
        assertEquals("^web-[a-z0-9]+-[a-z0-9]+$", SHIPPED.podNamePattern("apps", "Deployment", "web").get());
        assertEquals(3, SHIPPED.workloadPodNamePatterns().size());
    }

    @Test
    void specExamples() {
        assertPromQL("sum by (pod) (irate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\","
                + "namespace=\"default\",pod=~\"a|b\"}[3m]))",
                BUILDER.podResource("cpu", "default", List.of("a", "b"), null));
        assertPromQL("sum by (pod) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\","
                + "container=\"app\",namespace=\"default\",pod=\"a\"})",
                BUILDER.podResource("memory", "default", List.of("a"), "app"));
        // Kapacity's own readyPodsOnly template renders as upstream's
        assertPromQL("sum by (namespace) ((kube_pod_status_ready{condition=\"true\"} == 1) * on (namespace, pod) "
                + "group_left () sum by (namespace, pod) (irate(container_cpu_usage_seconds_total{container!=\"\","
                + "container!=\"POD\",pod=~\"^web-[a-z0-9]+-[a-z0-9]+$\",namespace=\"default\"}[3m])))",
                new QueryBuilder(PrometheusConfig.parse(UPSTREAM_READY_PODS_ONLY)).workloadResource("cpu",
                        new GroupKind("apps", "Deployment"), "default", "web", null, true));
        // the shipped one narrows kube_pod_status_ready to the query's namespace and pods (docs/compatibility.md)
        assertPromQL("sum by (namespace) ((kube_pod_status_ready{condition=\"true\",namespace=\"default\","
                + "pod=~\"^web-[a-z0-9]+-[a-z0-9]+$\"} == 1) * on (namespace, pod) "
                + "group_left () sum by (namespace, pod) (irate(container_cpu_usage_seconds_total{container!=\"\","
                + "container!=\"POD\",pod=~\"^web-[a-z0-9]+-[a-z0-9]+$\",namespace=\"default\"}[3m])))",
                BUILDER.workloadResource("cpu", new GroupKind("apps", "Deployment"), "default", "web", null, true));
        assertPromQL("sum by (namespace) ((kube_pod_status_ready{condition=\"true\",namespace=\"default\","
                + "pod=~\"^db-[0-9]+$\"} == 1) * on (namespace, pod) group_left () sum by (namespace, pod) "
                + "(container_memory_working_set_bytes{container!=\"\",container!=\"POD\",container=\"app\","
                + "pod=~\"^db-[0-9]+$\",namespace=\"default\"}))",
                BUILDER.workloadResource("memory", new GroupKind("apps", "StatefulSet"), "default", "db", "app", true));
        PrometheusConfig.DiscoveryRule ready = SHIPPED.externalRules().get(0);
        assertPromQL("sum(kube_pod_status_ready{condition=\"true\",pod=~\"^db-[0-9]+$\",namespace=\"default\"})",
                BUILDER.external(ready, "kube_pod_status_ready", "default",
                        BUILDER.podNamePattern(new GroupKind("apps", "StatefulSet"), "db")));
    }

    @Test
    void moreQueryShapes() {
        assertPromQL("sum by (pod) (irate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\","
                + "namespace=\"default\",pod=\"\"}[3m]))", BUILDER.podResource("cpu", "default", List.of(), null));
        assertPromQL("sum by (namespace) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\","
                + "container=\"app\",pod=~\"^db-[0-9]+$\",namespace=\"ns\"})",
                BUILDER.workloadResource("memory", new GroupKind("apps", "StatefulSet"), "ns", "db", "app", false));
        assertPromQL("sum(kube_pod_status_ready{condition=\"true\",namespace=\"ns\"})",
                BUILDER.external(SHIPPED.externalRules().get(0), "kube_pod_status_ready", "ns", null));
        MetricsException e = assertThrows(MetricsException.class,
                () -> BUILDER.podResource("gpu", "ns", List.of("a"), null));
        assertEquals("failed to build prom queries: unsupported resource \"gpu\"", e.getMessage());
        e = assertThrows(MetricsException.class, () -> BUILDER.workloadResource("cpu",
                new GroupKind("batch", "Job"), "ns", "x", null, false));
        assertEquals("failed to build prom queries: unknown workload type \"Job.batch\"", e.getMessage());
    }

    @Test
    void objectRulesWithTemplateMapping() {
        PrometheusConfig config = PrometheusConfig.parse("""
                resourceRules:
                  cpu:
                    containerQuery: x
                rules:
                - seriesQuery: 'nginx_ingress_controller_requests'
                  resources:
                    overrides:
                      namespace: {resource: namespace}
                      ingress: {group: networking.k8s.io, resource: ingresses}
                  name:
                    matches: ^(.*)_requests$
                    as: ${1}_per_second
                  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)
                """);
        PrometheusConfig.DiscoveryRule rule = config.rules().get(0);
        assertEquals("nginx_ingress_controller_per_second",
                rule.name().name("nginx_ingress_controller_requests").get());
        assertPromQL("sum(rate(nginx_ingress_controller_requests{namespace=\"ns\",ingress=~\"a|b\"}[2m])) by (ingress)",
                new QueryBuilder(config).object(rule, "nginx_ingress_controller_requests",
                        new PrometheusConfig.GroupResource("networking.k8s.io", "ingresses"), "ns", List.of("a", "b"),
                        "m"));
        PrometheusConfig.ResourceMapping templated = new PrometheusConfig.ResourceMapping("kube_<<.Resource>>",
                Map.of());
        assertEquals("kube_pod", templated.labelFor("", "pods").get());
        assertEquals("deployment", templated.resourceFor("kube_deployment").get().resource());
    }

    @Test
    void templateSubset() {
        QueryTemplate t = QueryTemplate.compile("a <<- .Series ->> b <<index .LabelValuesByName \"pod\">> "
                + "<<index .GroupBySlice 0>>");
        assertEquals("aSb x|y g", t.render(new QueryTemplate.Values("S", "", Map.of("pod", "x|y"), "g",
                List.of("g"))));
        assertThrows(IllegalArgumentException.class, () -> QueryTemplate.compile("<<range .GroupBySlice>>x<<end>>"));
    }

    private static String error(String yaml) {
        return assertThrows(PrometheusConfig.ConfigException.class, () -> PrometheusConfig.parse(yaml)).getMessage();
    }

    @Test
    void strictParsingNamesTheLine() {
        assertEquals("missing resource rules in metrics discovery config", error("rules: []\n"));
        assertEquals("missing resource rules in metrics discovery config", error(""));
        assertEquals("line 3: unknown field \"containerQeury\" in resourceRules.cpu",
                error("resourceRules:\n  cpu:\n    containerQeury: x\n"));
        assertEquals("line 2: not a valid duration string: \"3 minutes\"",
                error("resourceRules:\n  window: 3 minutes\n"));
        assertEquals("line 3: invalid query template: unsupported template action \"<<.Bogus>>\"",
                error("resourceRules:\n  cpu:\n    containerQuery: sum(<<.Bogus>>)\n"));
        assertTrue(error("resourceRules:\n  cpu: {}\nexternalRules:\n- seriesQuery: x\n  seriesFilters:\n"
                + "  - is: '('\n").startsWith("line 6: invalid regex"));
        assertEquals("line 4: unknown field \"extra\" in config", error("resourceRules:\n  cpu:\n"
                + "    containerQuery: x\nextra: 1\n"));
        assertTrue(error("resourceRules: [\n").startsWith("invalid YAML"));
        assertEquals(Duration.ofMinutes(90), PrometheusConfig.parseDuration("1h30m"));
        assertEquals(Duration.ofMillis(1500), PrometheusConfig.parseDuration("1s500ms"));
    }

    @Test
    void shardsOfAtMost11000Steps() {
        Instant start = Instant.parse("2024-05-01T00:00:00Z");
        Duration step = Duration.ofSeconds(1);
        List<Instant[]> one = PrometheusMetricsProvider.shards(start, start.plusSeconds(10), step);
        assertEquals(1, one.size());
        assertEquals(start.plusSeconds(10), one.get(0)[1]);
        List<Instant[]> three = PrometheusMetricsProvider.shards(start, start.plusSeconds(25_000), step);
        assertEquals(3, three.size());
        assertEquals(start.plusSeconds(11_000), three.get(0)[1]);
        assertEquals(start.plusSeconds(11_001), three.get(1)[0]);
        assertEquals(start.plusSeconds(22_001), three.get(1)[1]);
        assertEquals(start.plusSeconds(22_002), three.get(2)[0]);
        assertEquals(start.plusSeconds(25_000), three.get(2)[1]);
        // exactly one shard's worth ends the first shard at end
        assertEquals(1, PrometheusMetricsProvider.shards(start, start.plusSeconds(11_000), step).size());
        assertEquals(1, PrometheusMetricsProvider.shards(start, start, step).size());
    }
}
