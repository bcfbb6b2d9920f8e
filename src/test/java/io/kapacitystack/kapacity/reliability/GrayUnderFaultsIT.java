package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.app.ExternalManager;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.Observation;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection, first scenario of issue 23: a gray scale-down (Cutoff, 50 %, 5 s apart) of a 5-pod StatefulSet
 * to 1 while the manager, its own process against {@code sandbox --controllers=false}, is killed with {@code kill -9}
 * at random instants and started again, and 20 % of its writes get 409 or 500. The invariants
 * ({@link ScalingInvariants}) are checked on everything the API's watches showed; after the faults stop the
 * workload converges. Short by default (3 kills); {@code -Dkapacity.reliability.kills=50} is the long profile.
 */
class GrayUnderFaultsIT {

    private static final String NS = "chaos";
    private static final String LEASE = "kapacity-manager.kapacitystack.io";
    private static final Duration START = Duration.ofSeconds(120);
    private static final int KILLS = Integer.getInteger("kapacity.reliability.kills", 3);

    private static final String IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata:
              name: chaos
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
              minReplicas: 1
              maxReplicas: 10
              portraitProviders:
              - {priority: 1, type: Static, static: {replicas: 5}}
              behavior:
                scaleDown:
                  grayStrategy: {grayState: Cutoff, changeIntervalSeconds: 5, changePercent: 50, observationSeconds: 5}
            """;

    private final List<Process> processes = new ArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<Observation> history = Collections.synchronizedList(new ArrayList<>());
    private Vertx vertx;
    private SandboxApp app;

    @AfterEach
    void stop() throws Exception {
        informers.forEach(SharedIndexInformer::stop);
        for (Process p : processes) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (app != null) {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** The sandbox without controllers, the history recorder, nginx with 5 ready pods under a first manager. */
    private Path scaledUp() throws Exception {
        Path dir = Files.createTempDirectory("gray-under-faults");
        vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.controllers = false;
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        KubernetesClient client = app.cluster().client(); // the sandbox's own client: never faulted
        record(client);
        app.cluster().applyYaml(NS, resource("k8s-examples/nginx-statefulset.yaml")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        app.cluster().applyYaml(NS, IHPA).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        startManager(s.kubeconfig, dir, 0, null);
        Await.until("5 ready pods", START, () -> readyPods(client) == 5 && profile(client) != null
                && profile(client).getSpec().online() == 5);
        return s.kubeconfig;
    }

    private void scaleDownTo1() {
        app.cluster().client().resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS).withName("chaos")
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"portraitProviders\":[{\"priority\":1,\"type\":\"Static\",\"static\":{\"replicas\":1}}]}}");
    }

    /** Waits for 1 pod after the faults stopped, then checks the invariants on the whole history. */
    private void convergedWithoutViolations(String scenario, Map<String, Long> injected) {
        KubernetesClient client = app.cluster().client();
        // from the faults' end the gray has at most two steps and an observation left
        Await.until("convergence to 1 pod after the faults", START, () -> readyPods(client) == 1
                && pods(client) == 1 && profile(client).getSpec().online() == 1 && profile(client).getSpec().cutoff() == 0
                && replicas(client) == 1);
        List<Observation> seen;
        synchronized (history) {
            seen = List.copyOf(history);
        }
        System.out.println(scenario + ": injected " + injected + ", " + seen.size() + " observations");
        assertTrue(seen.stream().anyMatch(o -> o instanceof ScalingInvariants.Profile p && p.cutoff() > 0),
                "a gray step was observed (the run was not vacuous)");
        assertEquals(List.of(), new ScalingInvariants(1, 10, Duration.ofSeconds(3), 2).violations(seen));
    }

    @Test
    void aGrayScaleDownSurvivesKilledManagersAndFailedWrites() throws Exception {
        Path kubeconfig = scaledUp();
        KubernetesClient client = app.cluster().client();
        List<String> writes = List.of("create", "update", "patch", "delete");
        String[] resources = {"statefulsets", "pods", "replicaprofiles", "intelligenthorizontalpodautoscalers", "events"};
        app.cluster().faults().install(FaultPlan.of(23,
                Rule.of(Kind.CONFLICT, 0.1).onVerbs(writes.toArray(String[]::new)).onResources(resources),
                Rule.of(Kind.INTERNAL_ERROR, 0.1).onVerbs(writes.toArray(String[]::new)).onResources(resources)));
        scaleDownTo1();
        Random instants = new Random(23);
        for (int kill = 1; kill <= KILLS; kill++) {
            Process leader = processes.get(processes.size() - 1);
            // the kill instant is random by design: anywhere in the first 8 s of the gray's life under this leader
            Thread.sleep(instants.nextInt(8000));
            leader.destroyForcibly();
            assertTrue(leader.waitFor(30, TimeUnit.SECONDS));
            startManager(kubeconfig, kubeconfig.getParent(), kill, holder(client));
        }
        Map<String, Long> injected = app.cluster().faults().injected();
        app.cluster().faults().clear();
        assertTrue(injected.getOrDefault("conflict", 0L) + injected.getOrDefault("internalError", 0L) > 0,
                "faults were injected: " + injected);
        convergedWithoutViolations("gray under faults: " + KILLS + " kills", injected);
    }

    @Test
    void aGrayScaleDownSurvivesDroppedWatchesAndGone() throws Exception {
        scaledUp();
        // every watch of the manager lives 2 s; half of its resumes get 410 and must list again
        app.cluster().faults().install(FaultPlan.of(5, Rule.of(Kind.GONE, 0.5), Rule.of(Kind.DROP_WATCH, 1).after(Duration.ofSeconds(2))));
        app.cluster().faults().dropWatches(); // the watches opened before the plan reopen under it
        scaleDownTo1();
        KubernetesClient client = app.cluster().client();
        // the faults last as long as the gray: until its last step has cut off 4 pods
        Await.until("the gray's last step under watch faults", START, () -> profile(client).getSpec().cutoff() == 4
                || profile(client).getSpec().online() == 1 && replicas(client) == 1);
        Map<String, Long> injected = app.cluster().faults().injected();
        app.cluster().faults().clear();
        assertTrue(injected.getOrDefault("dropWatch", 0L) > 0 && injected.getOrDefault("gone", 0L) > 0,
                "faults were injected: " + injected);
        convergedWithoutViolations("gray under watch drops and 410", injected);
    }

    /** Starts a manager and waits until it leads (the Lease's holder is no longer {@code previous}). */
    private void startManager(Path kubeconfig, Path dir, int n, String previous) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.kapacitystack.kapacity.Main", "manager"));
        command.addAll(ExternalManager.managerArgs(kubeconfig, 0, 0));
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("manager-" + n + ".log").toFile()).start());
        KubernetesClient client = app.cluster().client();
        Await.until("manager " + n + " to lead", START, () -> holder(client) != null && !holder(client).equals(previous));
    }

    private static String holder(KubernetesClient client) {
        Lease lease = client.leases().inNamespace(ExternalManager.LEASE_NAMESPACE).withName(LEASE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    private static ReplicaProfile profile(KubernetesClient client) {
        return client.resources(ReplicaProfile.class).inNamespace(NS).withName("chaos").get();
    }

    private static int replicas(KubernetesClient client) {
        return client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas();
    }

    private static int pods(KubernetesClient client) {
        return client.pods().inNamespace(NS).list().getItems().size();
    }

    private static int readyPods(KubernetesClient client) {
        return (int) client.pods().inNamespace(NS).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .count();
    }

    /** Records the observations the invariants need from the API's watches (the sandbox's own client). */
    private void record(KubernetesClient client) {
        informers.add(client.apps().statefulSets().inNamespace(NS).inform(handler((old, sts) -> {
            Integer before = old == null ? null : old.getSpec().getReplicas();
            if (!Objects.equals(before, sts.getSpec().getReplicas())) {
                history.add(new ScalingInvariants.Replicas(app.clock().now(), sts.getSpec().getReplicas()));
            }
        }, sts -> { })));
        informers.add(client.pods().inNamespace(NS).inform(handler((old, pod) -> {
            String state = state(pod);
            if (old == null ? state != null : !Objects.equals(state(old), state)) {
                history.add(new ScalingInvariants.PodState(app.clock().now(), pod.getMetadata().getName(), state));
            }
            if (pod.getMetadata().getDeletionTimestamp() != null && (old == null || old.getMetadata().getDeletionTimestamp() == null)) {
                history.add(new ScalingInvariants.PodTerminating(app.clock().now(), pod.getMetadata().getName()));
            }
        }, pod -> history.add(new ScalingInvariants.PodTerminating(app.clock().now(), pod.getMetadata().getName())))));
        informers.add(client.resources(ReplicaProfile.class).inNamespace(NS).inform(handler((old, rp) -> {
            if (old == null || !old.getSpec().sameNumbers(rp.getSpec())) {
                history.add(new ScalingInvariants.Profile(app.clock().now(), rp.getSpec().online(), rp.getSpec().cutoff(),
                        rp.getSpec().standby()));
            }
        }, rp -> { })));
        informers.add(client.v1().events().inNamespace(NS).inform(handler((old, e) -> {
            if ("UpdateReplicaProfile".equals(e.getReason())) {
                history.add(new ScalingInvariants.ProfileEvent(app.clock().now(), e.getMetadata().getUid(), e.getMessage(),
                        e.getCount() == null ? 1 : e.getCount()));
            }
        }, e -> { })));
    }

    private static String state(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(Constants.POD_STATE_LABEL);
    }

    private static <T> ResourceEventHandler<T> handler(java.util.function.BiConsumer<T, T> change,
                                                       java.util.function.Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                change.accept(null, obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                change.accept(oldObj, newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                deleted.accept(obj);
            }
        };
    }

    private static String resource(String path) throws IOException {
        try (var in = GrayUnderFaultsIT.class.getClassLoader().getResourceAsStream(path)) {
            return new String(Objects.requireNonNull(in, path).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
