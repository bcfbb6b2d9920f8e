package io.kapacitystack.kapacity.packaging;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every object the chart renders (defaults, and every feature on) is accepted by the sandbox's API. */
class ChartOnSandboxIT {

    @Test
    void renderedObjectsApplyWithoutErrors() throws Exception {
        Vertx vertx = Vertx.vertx();
        SandboxCluster cluster = SandboxCluster.start(vertx, new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z")),
                SandboxOptions.defaults()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            for (String crd : Files.readString(ChartRender.VALUES_DIR.resolve("cert-manager-crds.yaml")).split("\n---\n")) {
                cluster.registerCrd(crd).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            KubernetesClient client = cluster.client();
            for (ChartRender.Variant variant : List.of(ChartRender.Variant.DEFAULTS, ChartRender.Variant.ALL_FEATURES,
                    ChartRender.Variant.ALGORITHM_JOB_NAMESPACES)) {
                String ns = switch (variant) {
                    case DEFAULTS -> ChartRender.NAMESPACE;
                    case ALL_FEATURES -> "all-features";
                    default -> "job-namespaces";
                };
                List<HasMetadata> objects = ChartRender.of(variant).objects;
                // the release namespace, and those of objects the chart puts elsewhere (algorithmJob.namespaces)
                Set<String> namespaces = new TreeSet<>(Set.of(ns));
                objects.stream().map(o -> o.getMetadata().getNamespace()).filter(Objects::nonNull).forEach(namespaces::add);
                for (String name : namespaces) {
                    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                            .withNewMetadata().withName(name).endMetadata().build()).createOr(r -> r.update());
                }
                List<String> failures = new ArrayList<>();
                for (HasMetadata o : objects) {
                    try {
                        String in = o.getMetadata().getNamespace() != null ? o.getMetadata().getNamespace() : ns;
                        HasMetadata created = client.resource(o).inNamespace(in).createOr(r -> r.update());
                        assertNotNull(created.getMetadata().getUid());
                    } catch (RuntimeException e) {
                        failures.add(o.getKind() + "/" + o.getMetadata().getName() + ": " + e.getMessage());
                    }
                }
                assertEquals(List.of(), failures, variant + " objects the API refused");
                assertTrue(objects.size() > 10, variant + " rendered " + objects.size() + " objects");
                assertEquals(1, client.apps().deployments().inNamespace(ns).list().getItems().size(),
                        "the manager Deployment is stored");
            }
        } finally {
            cluster.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close();
        }
    }
}
