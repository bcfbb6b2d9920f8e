package io.kapacitystack.kapacity.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.kapacitystack.kapacity.api.crd.CrdStrictness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's CRDs are the ones generated from the Java model at process-classes
 * (target/classes/META-INF/fabric8/*-v1.yml), made strict by CrdStrictness. On a difference, run scripts/sync-crds.sh.
 */
class CrdSyncTest {

    private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
    private static final Path CHART_CRDS = ChartRender.CHART.resolve("crds");

    @Test
    void chartCrdsAreTheGeneratedOnes() throws IOException {
        Map<String, String> generated = read(GENERATED, "-v1.yml");
        Map<String, String> chart = read(CHART_CRDS, ".yaml");
        assertEquals(3, generated.size(), "generated CRDs: " + generated.keySet());
        assertEquals(generated.keySet(), chart.keySet(), "CRD files in the chart; run scripts/sync-crds.sh");
        CrdStrictness strictness = CrdStrictness.load();
        generated.forEach((name, content) -> assertEquals(
                strictness.apply(content, CrdStrictness.resourceOf(name + "-v1.yml")), chart.get(name),
                name + " differs from the generated CRD made strict; run scripts/sync-crds.sh"));
    }

    /**
     * Helm installs crds/ file by file. {@code helm show crds} prints those files one after the other (without a
     * "---" between them, as the generated files do not start with one), so compare it with the files, then check
     * each file.
     */
    @Test
    void helmInstallsTheCrdsOfKapacitysGroupAndKinds() throws IOException {
        Map<String, String> files = read(CHART_CRDS, ".yaml");
        String shown = new Helm(ChartRender.CHART).show().crds().call();
        assertEquals(files.values().stream().map(f -> f + "\n").collect(Collectors.joining()), shown,
                "helm show crds: the chart's crds/ files");
        Map<String, String> kinds = new TreeMap<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            CustomResourceDefinition crd = (CustomResourceDefinition) StrictManifests.parse(file.getValue(), file.getKey());
            assertEquals(file.getKey(), crd.getMetadata().getName());
            assertEquals("autoscaling.kapacitystack.io", crd.getSpec().getGroup());
            assertEquals("Namespaced", crd.getSpec().getScope());
            assertTrue(crd.getSpec().getVersions().stream()
                    .anyMatch(v -> v.getName().equals("v1alpha1") && v.getServed() && v.getStorage()));
            kinds.put(crd.getMetadata().getName(), crd.getSpec().getNames().getKind());
        }
        assertEquals(Map.of(
                "intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io", "IntelligentHorizontalPodAutoscaler",
                "horizontalportraits.autoscaling.kapacitystack.io", "HorizontalPortrait",
                "replicaprofiles.autoscaling.kapacitystack.io", "ReplicaProfile"), kinds);
    }

    private static Map<String, String> read(Path dir, String suffix) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.filter(f -> f.getFileName().toString().endsWith(suffix)).toList()) {
                String name = file.getFileName().toString();
                files.put(name.substring(0, name.length() - suffix.length()), Files.readString(file));
            }
        }
        return files;
    }
}
