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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every object the chart renders (defaults, and every feature on) is accepted by the sandbox's API. */
class ChartOnSandboxTest {

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
            for (ChartRender.Variant variant : List.of(ChartRender.Variant.DEFAULTS, ChartRender.Variant.ALL_FEATURES)) {
                String ns = variant == ChartRender.Variant.DEFAULTS ? ChartRender.NAMESPACE : "all-features";
                client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata().withName(ns).endMetadata().build()).createOr(r -> r.update());
                List<String> failures = new ArrayList<>();
                List<HasMetadata> objects = ChartRender.of(variant).objects;
                for (HasMetadata o : objects) {
                    try {
                        HasMetadata created = client.resource(o).inNamespace(ns).createOr(r -> r.update());
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
