package io.kapacitystack.kapacity.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Vertx;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * fabric8's mock API server in CRUD mode with Kapacity's three kinds registered, and a controller manager wired to
 * it. The only stand-in in these tests is the API server (none can run here); note its gaps: no admission, no
 * defaulting, set-based selectors ignored, no garbage collection.
 */
public final class MockCluster implements AutoCloseable {

    public final KubernetesMockServer server;
    public final KubernetesClient client;
    public final Vertx vertx;
    public ControllerManager manager;
    public final ControllerMetrics metrics = new ControllerMetrics();
    public final List<RecordedEvent> events = new CopyOnWriteArrayList<>();

    public MockCluster(Vertx vertx) {
        this.vertx = vertx;
        this.server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new PatientMockWebServer(),
                new java.util.HashMap<>(), new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
        server.init();
        for (String[] kind : new String[][]{
                {"IntelligentHorizontalPodAutoscaler", "intelligenthorizontalpodautoscalers"},
                {"HorizontalPortrait", "horizontalportraits"},
                {"ReplicaProfile", "replicaprofiles"}}) {
            server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
                    .withGroup("autoscaling.kapacitystack.io").withVersion("v1alpha1").withKind(kind[0])
                    .withPlural(kind[1]).withScope("Namespaced").withStatusSubresource(true).build());
        }
        this.client = server.createClient();
    }

    public ControllerManager startManager(Clock clock) {
        return startManager(clock, new ControllerManager.Settings());
    }

    public ControllerManager startManager(Clock clock, ControllerManager.Settings settings) {
        manager = new ControllerManager(vertx, client, clock, metrics, settings);
        manager.ihpaEvents().addListener(events::add);
        join(manager.startCaches().toCompletionStage());
        manager.startControllers();
        return manager;
    }

    public void stopManager() {
        if (manager != null) {
            join(manager.stop().toCompletionStage());
            manager = null;
        }
    }

    public void namespace(String name) {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
        client.namespaces().resource(ns).create();
    }

    /** Applies a k8s-examples file into {@code namespace}, as {@code kubectl apply -n} would. */
    public List<HasMetadata> applyExample(String file, String namespace) {
        try {
            String yaml = Files.readString(Path.of("k8s-examples", file));
            return apply(yaml, namespace);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<HasMetadata> apply(String yaml, String namespace) {
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
        return objects.stream().map(o -> client.resource(o).inNamespace(namespace).create()).collect(Collectors.toList());
    }

    /** Creates the objects, or with {@code update} replaces the spec of existing ones (a JSON patch). */
    public List<HasMetadata> apply(String yaml, String namespace, boolean update) {
        if (!update) {
            return apply(yaml, namespace);
        }
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
        io.fabric8.kubernetes.client.utils.KubernetesSerialization json = client.getKubernetesSerialization();
        return objects.stream().map(o -> {
            Object spec = json.convertValue(o, java.util.Map.class).get("spec");
            String patch = json.asJson(List.of(java.util.Map.of("op", "replace", "path", "/spec", "value", spec)));
            return client.resource(o).inNamespace(namespace).patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), patch);
        }).collect(Collectors.toList());
    }

    /** Creates a custom resource exactly as written, bypassing the Java model (as kubectl would). */
    public void createRaw(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext ctx, String yaml, String namespace) {
        io.fabric8.kubernetes.api.model.GenericKubernetesResource raw =
                client.getKubernetesSerialization().unmarshal(yaml, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
        client.genericKubernetesResources(ctx).inNamespace(namespace).resource(raw).create();
    }

    public List<String> eventMessages(String namespace, String name) {
        return events.stream().filter(e -> namespace.equals(e.namespace()) && name.equals(e.name()))
                .map(e -> e.message()).collect(Collectors.toList());
    }

    public static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the manager, then the client, then the server, each even when the one before failed: a manager that does
     * not stop in time must not leave the mock server and its Vert.x running under the tests that follow. The first
     * failure is thrown, with the later ones attached.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Runnable step : new Runnable[]{this::stopManager, client::close, server::destroy}) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
