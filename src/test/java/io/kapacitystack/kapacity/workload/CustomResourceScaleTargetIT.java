package io.kapacitystack.kapacity.workload;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An IHPA whose target is a custom resource with a scale subresource: scaled through discovery and the raw /scale. */
class CustomResourceScaleTargetIT {

    private static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder()
            .withGroup("sandbox-test.kapacitystack.io").withVersion("v1alpha1").withKind("WidgetScaler")
            .withPlural("widgetscalers").withNamespaced(true).build();

    @Test
    void scalesACustomResourceThroughItsScaleSubresource() throws Exception {
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z"));
        SandboxCluster cluster = SandboxCluster.start(vertx, clock, SandboxOptions.defaults())
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        ControllerManager manager = null;
        try {
            cluster.registerCrd(Files.readString(Path.of("src/test/resources/sandbox/test-crd.yaml")))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            KubernetesClient c = cluster.client();
            cluster.applyYaml("custom", "apiVersion: sandbox-test.kapacitystack.io/v1alpha1\nkind: WidgetScaler\n"
                    + "metadata: {name: custom}\nspec:\n  scaleTargetRef: {kind: Thing, name: x}\n  maxReplicas: 10\n  replicas: 1\n")
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            c.genericKubernetesResources(WIDGETS).inNamespace("custom").withName("custom").subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"replicas\":1,\"selector\":\"app=custom\"}}");
            cluster.applyYaml("custom", "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\n"
                    + "metadata: {name: custom}\nspec:\n  scaleTargetRef: {apiVersion: sandbox-test.kapacitystack.io/v1alpha1, kind: WidgetScaler, name: custom}\n"
                    + "  minReplicas: 1\n  maxReplicas: 10\n  portraitProviders:\n  - {type: Static, priority: 1, static: {replicas: 4}}\n")
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

            manager = new ControllerManager(vertx, c, clock, new ControllerMetrics(), new ControllerManager.Settings());
            manager.startCaches().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            manager.startControllers();

            Await.until("the WidgetScaler to be scaled to 4", () -> replicas(c) == 4);
            GenericKubernetesResource rp = c.genericKubernetesResources(
                    io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile.RP_CONTEXT).inNamespace("custom").withName("custom").get();
            assertEquals(4, ((Number) ((Map<?, ?>) rp.getAdditionalProperties().get("spec")).get("onlineReplicas")).intValue());
        } finally {
            if (manager != null) {
                manager.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            cluster.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close();
        }
    }

    private static int replicas(KubernetesClient c) {
        GenericKubernetesResource w = c.genericKubernetesResources(WIDGETS).inNamespace("custom").withName("custom").get();
        return ((Number) ((Map<?, ?>) w.getAdditionalProperties().get("spec")).get("replicas")).intValue();
    }
}
