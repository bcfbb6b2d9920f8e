package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sandbox --controllers=false} with managers as their own processes ({@code kapacity.jar manager
 * --kubeconfig}, the flags the banner prints): the first leads through the Lease in the sandbox's API and
 * reconciles; a second waits; {@code kill -9} of the leader hands the Lease and the reconciling to the second.
 */
class ExternalManagerIT {

    private static final String LEASE = "kapacity-manager.kapacitystack.io";
    private static final Duration START = Duration.ofSeconds(120);

    private final List<Process> processes = new ArrayList<>();
    private Vertx vertx;
    private SandboxApp app;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
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

    /** A manager process on free ports, its output in {@code dir/<name>.log}. */
    static Process startManager(Path kubeconfig, Path log, String... moreArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.kapacitystack.kapacity.Main", "manager"));
        command.addAll(ExternalManager.managerArgs(kubeconfig, 0, 0));
        command.addAll(List.of(moreArgs));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private String holder() {
        Lease lease = app.cluster().client().leases().inNamespace(ExternalManager.LEASE_NAMESPACE).withName(LEASE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private ReplicaProfile profile() {
        return app.cluster().client().resources(ReplicaProfile.class).inNamespace("gray-sample")
                .withName("gray-strategy-sample").get();
    }

    @Test
    void managersOfTheirOwnLeadInTurnThroughTheSandboxsLease() throws Exception {
        dir = Files.createTempDirectory("external-manager");
        vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.controllers = false;
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        app.loadSamples(vertx, List.of("gray")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertNull(app.manager(), "no controllers in the sandbox");
        assertTrue(ExternalManager.banner(8080, app.cluster().apiUrl(), s.kubeconfig, List.of("gray"))
                .contains("manager --kubeconfig " + s.kubeconfig), "the banner says how to run a manager");

        Path logA = dir.resolve("a.log");
        Process a = startManager(s.kubeconfig, logA);
        processes.add(a);
        Await.until("manager a to take the Lease", START, () -> holder() != null);
        String first = holder();
        Await.until("the leader to reconcile the gray sample", START, () -> profile() != null);

        Path logB = dir.resolve("b.log");
        Process b = startManager(s.kubeconfig, logB);
        processes.add(b);
        Await.until("manager b to see a leading", START, () -> read(logB).contains("leader is now " + first));
        assertEquals(first, holder(), "the second manager waits while the Lease is held");
        assertTrue(read(logA).contains("became leader (" + first + ")"), "a is the leader: " + read(logA));

        a.destroyForcibly(); // SIGKILL: no release of the Lease, b must wait for it to expire
        assertTrue(a.waitFor(30, TimeUnit.SECONDS));
        // Lease duration 15 s, retry period 2 s: well within a minute on a loaded machine
        Await.until("b to take the Lease over", Duration.ofSeconds(60), () -> holder() != null && !first.equals(holder()));
        String second = holder();
        assertNotEquals(first, second);
        Await.until("b to start its controllers", START, () -> read(logB).contains("became leader (" + second + ")"));
        // and b reconciles: a change made after the takeover reaches the ReplicaProfile
        app.cluster().client().resources(IntelligentHorizontalPodAutoscaler.class).inNamespace("gray-sample")
                .withName("gray-strategy-sample").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"minReplicas\":7}}");
        Await.until("the new leader to apply minReplicas 7", START, () -> profile() != null && profile().getSpec().online() == 7);
    }

    /**
     * A manager whose caches cannot sync within --cache-sync-timeout (here: an API server that accepts connections and
     * never answers) exits with 1, as controller-runtime's does, so that Kubernetes restarts it. It used to log the failure and return 0,
     * which left the JVM running without caches or controllers, never leading (found by the fault suite under load).
     */
    @Test
    void aManagerWhoseCachesCannotSyncExitsNonZero() throws Exception {
        dir = Files.createTempDirectory("external-manager-silent");
        vertx = Vertx.vertx();
        var silent = Await.result(vertx.createHttpServer().requestHandler(req -> { }).listen(0, "127.0.0.1"), Duration.ofSeconds(10));
        Path kubeconfig = dir.resolve("silent.kubeconfig");
        Files.writeString(kubeconfig, String.join("\n",
                "apiVersion: v1", "kind: Config", "current-context: silent",
                "clusters:", "- name: silent", "  cluster: {server: 'http://127.0.0.1:" + silent.actualPort() + "'}",
                "contexts:", "- name: silent", "  context: {cluster: silent, user: nobody, namespace: default}",
                "users:", "- name: nobody", "  user: {token: none}", ""));
        // the caches keep retrying their lists until the sync timeout (2m by default), then the manager exits
        Process manager = startManager(kubeconfig, dir.resolve("silent.log"), "--cache-sync-timeout", "10s");
        processes.add(manager);
        Await.until("the manager to give up on its caches and exit", START, () -> !manager.isAlive());
        assertEquals(1, manager.exitValue(), read(dir.resolve("silent.log")));
        assertTrue(read(dir.resolve("silent.log")).contains("failed to start caches"), read(dir.resolve("silent.log")));
    }
}
