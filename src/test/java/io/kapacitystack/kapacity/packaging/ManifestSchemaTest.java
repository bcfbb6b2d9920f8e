package io.kapacitystack.kapacity.packaging;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kapacitystack.kapacity.packaging.ChartRender.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every rendered object and every k8s-examples/*.yaml is made only of fields Kubernetes knows. */
class ManifestSchemaTest {

    private static final Path EXAMPLES = Path.of("k8s-examples");

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyRenderedObjectHasOnlyKnownFields(Variant variant) {
        // ChartRender parses each document strictly; an unknown field fails the rendering
        List<HasMetadata> objects = ChartRender.of(variant).objects;
        assertFalse(objects.isEmpty());
        for (HasMetadata object : objects) {
            assertTrue(object.getMetadata().getName() != null && !object.getMetadata().getName().isEmpty(),
                    object.getKind() + " without a name");
        }
    }

    @Test
    void everyExampleHasOnlyKnownFields() throws IOException {
        assertTrue(Files.isDirectory(EXAMPLES), "k8s-examples/ is missing");
        List<Path> files;
        try (Stream<Path> list = Files.list(EXAMPLES)) {
            files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 7, "expected the quick-start examples, found " + files);
        for (Path file : files) {
            assertFalse(StrictManifests.parseAll(Files.readString(file), file.toString()).isEmpty(), file + " is empty");
        }
    }

    /** The check is not vacuous: an unknown field, at any depth, in a built-in or a Kapacity kind, fails. */
    @Test
    void unknownFieldsAreRejected() {
        assertThrows(AssertionError.class, () -> StrictManifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      containers:
                      - name: a
                        securityContext: {readOnlyRootFilesytem: true}
                """, "test"));
        assertThrows(AssertionError.class, () -> StrictManifests.parse("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata: {name: x}
                spec: {minReplicas: 1, maxReplica: 3}
                """, "test"));
        assertThrows(AssertionError.class, () -> StrictManifests.parse("""
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: x}
                spec: {secretname: y}
                """, "test"));
        assertThrows(AssertionError.class, () -> StrictManifests.parse("""
                apiVersion: example.com/v1
                kind: Unknown
                metadata: {name: x}
                """, "test"));
        StrictManifests.parse("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata: {name: x}
                spec: {minReplicas: 1, maxReplicas: 3}
                """, "test");
    }
}
