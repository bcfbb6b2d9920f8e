package io.kapacitystack.kapacity.packaging;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How strict the chart's CRDs are, path by path: every {@code required}, {@code enum}, {@code minimum},
 * {@code maximum}, {@code minItems} and {@code pattern} of every schema node, diffed against the checked list
 * {@code src/test/resources/crd-strictness.txt}. A change to the model or to CrdStrictness that loosens (or tightens)
 * a schema shows up here line by line; when it is meant, copy {@code target/crd-strictness.actual.txt} over the list.
 */
class CrdStrictnessTest {

    private static final Path CHECKED = Path.of("src/test/resources/crd-strictness.txt");
    private static final Path ACTUAL = Path.of("target/crd-strictness.actual.txt");
    private static final List<String> KEYWORDS = List.of("required", "enum", "minimum", "maximum", "minItems", "pattern");

    @Test
    void theSchemasAreAsStrictAsTheCheckedList() throws IOException {
        List<String> actual = strictness();
        Files.createDirectories(ACTUAL.getParent());
        Files.write(ACTUAL, actual);
        List<String> checked = Files.readAllLines(CHECKED);
        List<String> missing = new ArrayList<>(checked);
        missing.removeAll(actual);
        List<String> added = new ArrayList<>(actual);
        added.removeAll(checked);
        assertEquals("", String.join("\n", missing.stream().map(l -> "- " + l).toList())
                + String.join("\n", added.stream().map(l -> "+ " + l).toList()),
                "strictness differs from " + CHECKED + " (- lost, + new); the actual list is in " + ACTUAL);
    }

    /** The fields whose absence Kapacity's schemas refuse at apply time (issue 21) are among them. */
    @Test
    void kubernetesRequiredFieldsInsideEmbeddedTypesAreRequired() throws IOException {
        List<String> actual = strictness();
        String metrics = "ihpa spec.portraitProviders[].dynamic.metrics[]";
        for (String line : List.of(
                metrics + ".resource required [name, target]",
                metrics + ".resource.target required [type]",
                metrics + ".pods required [metric, target]",
                metrics + ".pods.metric required [name]",
                metrics + ".external.metric.selector.matchExpressions[] required [key, operator]",
                "ihpa spec.portraitProviders[].dynamic.algorithm.kubeHPA.behavior.scaleUp.policies[] required [periodSeconds, type, value]",
                "ihpa spec.portraitProviders[].dynamic.algorithm.externalJob.job.cronJob.template.spec required [jobTemplate, schedule]",
                "ihpa spec.portraitProviders[].dynamic.algorithm.externalJob.job.cronJob.template.spec.jobTemplate.spec.template.spec.containers[] required [name]",
                "ihpa status.conditions[].status enum [True, False, Unknown]",
                "hp status.conditions[] required [lastTransitionTime, message, reason, status, type]",
                "rp status.conditions[].observedGeneration minimum 0")) {
            assertTrue(actual.contains(line), line + "\nin\n" + String.join("\n", actual));
        }
    }

    private static List<String> strictness() throws IOException {
        Map<String, String> shortNames = Map.of(
                "intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io.yaml", "ihpa",
                "horizontalportraits.autoscaling.kapacitystack.io.yaml", "hp",
                "replicaprofiles.autoscaling.kapacitystack.io.yaml", "rp");
        KubernetesSerialization yaml = new KubernetesSerialization();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> crd : new TreeMap<>(shortNames).entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = yaml.unmarshal(Files.readString(ChartRender.CHART.resolve("crds").resolve(crd.getKey())), Map.class);
            Map<String, Object> version = map(((List<?>) map(doc.get("spec")).get("versions")).get(0));
            walk(crd.getValue(), "", map(map(version.get("schema")).get("openAPIV3Schema")), out);
        }
        return out;
    }

    private static void walk(String crd, String path, Map<String, Object> schema, List<String> out) {
        for (String keyword : KEYWORDS) {
            if (schema.containsKey(keyword)) {
                Object value = schema.get(keyword);
                out.add(crd + " " + (path.isEmpty() ? "." : path) + " " + keyword + " "
                        + (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? String.valueOf(n.longValue()) : value));
            }
        }
        if (schema.get("properties") instanceof Map<?, ?> properties) {
            for (Map.Entry<?, ?> p : new TreeMap<>(properties).entrySet()) {
                walk(crd, path.isEmpty() ? (String) p.getKey() : path + "." + p.getKey(), map(p.getValue()), out);
            }
        }
        if (schema.get("items") instanceof Map<?, ?> items) {
            walk(crd, path + "[]", map(items), out);
        }
        if (schema.get("additionalProperties") instanceof Map<?, ?> values) {
            walk(crd, path + "{}", map(values), out);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
