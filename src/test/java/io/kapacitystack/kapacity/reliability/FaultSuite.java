package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.Pod;
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
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every scenario of the fault-injection suite shares (docs/reliability.md): {@code sandbox --controllers=false}
 * with nginx (a StatefulSet) and one IHPA whose static portrait the test moves, gray scale-down (Cutoff, 50 %, 5 s
 * apart, 5 s observation); managers as their own processes ({@code kill -9}-able, leader-elected through the
 * sandbox's Lease, started again when they exit, as a Deployment's pod would be); and the history the invariants are checked on, recorded by informers of the sandbox's own client
 * (never faulted), so it is what the API showed, not what the controller says it did.
 */
final class FaultSuite implements AutoCloseable {

    static final String NS = "chaos";
    static final String LEASE = "kapacity-manager.kapacitystack.io";
    /** The manager's leader election (ManagerOptions' defaults, as controller-runtime's). */
    static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
    /**
     * How long a wait for a condition may last before it is a hang: a JVM start, cache sync and a Lease expiry on a
     * machine shared by several builds (at a load average of 50 on 2 cores a manager took over 2 minutes to lead).
     * A bound against hangs, not a timing claim: figures are printed and reported in docs/reliability.md.
     */
    static final Duration START = Duration.ofMinutes(5);
    /** The IHPA's gray: its changeIntervalSeconds, and the most pods one step of 5 -> 1 cuts off (50 % of 4). */
    static final Duration GRAY_INTERVAL = Duration.ofSeconds(5);
    static final int GRAY_STEP = 2;

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

    private final Path dir;
    private final Vertx vertx;
    private final SandboxApp app;
    private final List<Process> managers = new ArrayList<>();
    /** Each manager's /metrics port, by its index in {@link #managers}. */
    private final List<Integer> metricsPorts = new ArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<Observation> history = Collections.synchronizedList(new ArrayList<>());
    private List<String> managerFlags = List.of();
    private Map<String, String> managerEnv = Map.of();
    private volatile boolean restartExited = true;
    private volatile boolean closing;
    private final java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();

    private FaultSuite(Path dir, Vertx vertx, SandboxApp app) {
        this.dir = dir;
        this.vertx = vertx;
        this.app = app;
    }

    /** The sandbox without controllers, the recorder, nginx and the IHPA (no manager yet: nothing scales). */
    static FaultSuite start(String name) throws Exception {
        return start(name, IHPA);
    }

    /** {@link #start(String)} with another IHPA {@code chaos} on nginx. */
    static FaultSuite start(String name, String ihpa) throws Exception {
        Path dir = Files.createTempDirectory(name);
        Vertx vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.controllers = false;
        SandboxApp app = Await.result(SandboxApp.start(vertx, s), Duration.ofSeconds(60));
        FaultSuite suite = new FaultSuite(dir, vertx, app);
        suite.record();
        Await.result(app.cluster().applyYaml(NS, resource("k8s-examples/nginx-statefulset.yaml")), Duration.ofSeconds(60));
        Await.result(app.cluster().applyYaml(NS, ihpa), Duration.ofSeconds(60));
        return suite;
    }

    /** {@link #start} and a first manager, leading, with nginx at 5 ready pods. */
    static FaultSuite scaledUp(String name) throws Exception {
        FaultSuite suite = start(name);
        suite.startManager();
        suite.awaitConverged(5, START);
        return suite;
    }

    /** Extra flags for every manager started from now on (e.g. another metric provider). */
    FaultSuite managerFlags(String... flags) {
        managerFlags = List.of(flags);
        return this;
    }

    /** Extra environment for every manager started from now on (e.g. POD_NAME, as the chart sets it). */
    FaultSuite managerEnv(Map<String, String> env) {
        managerEnv = Map.copyOf(env);
        return this;
    }

    SandboxApp app() {
        return app;
    }

    SandboxCluster cluster() {
        return app.cluster();
    }

    KubernetesClient client() {
        return app.cluster().client(); // the sandbox's own client: never faulted
    }

    Path dir() {
        return dir;
    }

    Instant now() {
        return app.clock().now();
    }

    /** Starts a manager process (its log in {@code dir/manager-<n>.log}); it leads once the Lease is free. */
    Process launchManager() throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.kapacitystack.kapacity.Main", "manager"));
        int metricsPort = freePort();
        command.addAll(ExternalManager.managerArgs(dir.resolve("sandbox.kubeconfig"), metricsPort, 0));
        command.addAll(managerFlags);
        Process p;
        synchronized (managers) {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log(managers.size()).toFile());
            builder.environment().putAll(managerEnv);
            p = builder.start();
            managers.add(p);
            metricsPorts.add(metricsPort);
        }
        p.onExit().thenRun(() -> {
            if (restartExited && !closing) {
                restarts.incrementAndGet();
                try {
                    launchManager();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        return p;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The value of an unlabelled series on the n-th manager's {@code /metrics} (e.g.
     * {@code kapacity_kafka_records_sent_total}), or -1 while it does not answer (starting, or gone).
     */
    long metric(int n, String series) {
        int port;
        synchronized (managers) {
            port = metricsPorts.get(n);
        }
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                    .map(l -> (long) Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(-1L);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The output of the n-th manager started. */
    Path log(int n) {
        return dir.resolve("manager-" + n + ".log");
    }

    /**
     * How many managers exited (killed, or of their own: one that loses its Lease exits, as controller-runtime's do,
     * and so does one whose caches cannot sync) and were started again, as their Deployment would.
     */
    int restarts() {
        return restarts.get();
    }

    /** Starts a manager and waits until it leads (the Lease's holder is a new one). */
    Process startManager() throws IOException {
        String previous = holder();
        Process p = launchManager();
        Await.until("manager " + (managers.size() - 1) + " to lead", START, () -> holder() != null && !holder().equals(previous));
        return p;
    }

    /** The manager started last (the leader, when each start waited for leadership). */
    Process leader() {
        synchronized (managers) {
            return managers.get(managers.size() - 1);
        }
    }

    /**
     * {@code kill -9} of the leading manager (the one started last) and the wait until another leads: the one
     * {@link #restartExitedManagers} starts in its place, or one already waiting.
     */
    void killLeaderAndAwaitTakeover() throws InterruptedException {
        String previous = holder();
        kill(leader());
        Await.until("a new leader after the kill", START, () -> holder() != null && !holder().equals(previous));
    }

    /** The n-th manager started. */
    Process manager(int n) {
        synchronized (managers) {
            return managers.get(n);
        }
    }

    /** {@code kill -9}: no Lease release, no last words. */
    static void kill(Process manager) throws InterruptedException {
        manager.destroyForcibly();
        assertTrue(manager.waitFor(30, TimeUnit.SECONDS), "the killed manager is gone");
    }

    Lease lease() {
        return client().leases().inNamespace(ExternalManager.LEASE_NAMESPACE).withName(LEASE).get();
    }

    String holder() {
        Lease lease = lease();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The IHPA asks for {@code replicas} (its static portrait), recorded as {@link ScalingInvariants.Desired}. */
    void desire(int replicas) {
        client().resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS).withName("chaos")
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"portraitProviders\":[{\"priority\":1,\"type\":\"Static\",\"static\":{\"replicas\":" + replicas + "}}]}}");
    }

    ReplicaProfile profile() {
        return client().resources(ReplicaProfile.class).inNamespace(NS).withName("chaos").get();
    }

    /** Profile cutoff pods now (0 without a ReplicaProfile). */
    int cutoff() {
        ReplicaProfile rp = profile();
        return rp == null ? 0 : rp.getSpec().cutoff();
    }

    int replicas() {
        return client().apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas();
    }

    private int pods() {
        return client().pods().inNamespace(NS).list().getItems().size();
    }

    private int readyPods() {
        return (int) client().pods().inNamespace(NS).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .count();
    }

    /** Whether the workload is at {@code n} ready pods and nothing else, its ReplicaProfile {@code n} online and no gray. */
    boolean converged(int n) {
        ReplicaProfile rp = profile();
        return rp != null && rp.getSpec().online() == n && rp.getSpec().cutoff() == 0 && rp.getSpec().standby() == 0
                && replicas() == n && pods() == n && readyPods() == n;
    }

    /** Waits for {@link #converged}; answers how long it took. */
    Duration awaitConverged(int n, Duration timeout) {
        Instant from = now();
        Await.until("convergence to " + n + " pods", timeout, () -> converged(n));
        return Duration.between(from, now());
    }

    List<Observation> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /**
     * After the faults stopped: the workload converges to {@code n} (no further trigger from the test), then the
     * invariants hold on the whole history and a gray step was seen (the run was not vacuous). Prints what it saw.
     */
    Duration convergesWithoutViolations(String scenario, int n, Map<String, Long> injected) {
        Duration took = awaitConverged(n, START);
        List<Observation> seen = history();
        System.out.println(scenario + ": injected " + injected + "; converged " + took.toMillis() + " ms after the faults; "
                + seen.size() + " observations");
        assertTrue(seen.stream().anyMatch(o -> o instanceof ScalingInvariants.Profile p && p.cutoff() > 0),
                "a gray step was observed (the run was not vacuous)");
        assertEquals(List.of(), invariants().violations(seen));
        return took;
    }

    /** The invariants of this IHPA: [1, 10], steps of at most 2 pods, 5 s apart less 2 s for watch delivery. */
    static ScalingInvariants invariants() {
        return new ScalingInvariants(1, 10, GRAY_INTERVAL.minusSeconds(2), GRAY_STEP);
    }

    @Override
    public void close() throws Exception {
        closing = true;
        informers.forEach(SharedIndexInformer::stop);
        List<Process> all;
        synchronized (managers) {
            all = List.copyOf(managers);
        }
        for (Process p : all) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        Await.result(app.close(), Duration.ofSeconds(30));
        Await.result(vertx.close(), Duration.ofSeconds(30));
    }

    /** Records the observations the invariants need from the API's watches. */
    private void record() {
        KubernetesClient client = client();
        informers.add(client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS).inform(handler((old, ihpa) -> {
            Integer before = old == null ? null : staticReplicas(old);
            Integer after = staticReplicas(ihpa);
            if (after != null && !after.equals(before)) {
                history.add(new ScalingInvariants.Desired(now(), after));
            }
        }, ihpa -> { })));
        informers.add(client.apps().statefulSets().inNamespace(NS).inform(handler((old, sts) -> {
            Integer before = old == null ? null : old.getSpec().getReplicas();
            if (!Objects.equals(before, sts.getSpec().getReplicas())) {
                history.add(new ScalingInvariants.Replicas(now(), sts.getSpec().getReplicas()));
            }
        }, sts -> { })));
        informers.add(client.pods().inNamespace(NS).inform(handler((old, pod) -> {
            String state = state(pod);
            if (old == null ? state != null : !Objects.equals(state(old), state)) {
                history.add(new ScalingInvariants.PodState(now(), pod.getMetadata().getName(), state));
            }
            if (pod.getMetadata().getDeletionTimestamp() != null && (old == null || old.getMetadata().getDeletionTimestamp() == null)) {
                history.add(new ScalingInvariants.PodTerminating(now(), pod.getMetadata().getName()));
            }
        }, pod -> history.add(new ScalingInvariants.PodTerminating(now(), pod.getMetadata().getName())))));
        informers.add(client.resources(ReplicaProfile.class).inNamespace(NS).inform(handler((old, rp) -> {
            if (old == null || !old.getSpec().sameNumbers(rp.getSpec())) {
                history.add(new ScalingInvariants.Profile(now(), rp.getSpec().online(), rp.getSpec().cutoff(),
                        rp.getSpec().standby()));
            }
        }, rp -> { })));
        informers.add(client.v1().events().inNamespace(NS).inform(handler((old, e) -> {
            if ("UpdateReplicaProfile".equals(e.getReason())) {
                history.add(new ScalingInvariants.ProfileEvent(now(), e.getMetadata().getUid(), e.getMessage(),
                        e.getCount() == null ? 1 : e.getCount()));
            }
        }, e -> { })));
    }

    private static Integer staticReplicas(IntelligentHorizontalPodAutoscaler ihpa) {
        var providers = ihpa.getSpec().portraitProviders;
        return providers == null || providers.isEmpty() || providers.get(0)._static == null ? null : providers.get(0)._static.replicas;
    }

    /** The pod's state label (Online, Cutoff, Standby), or null. */
    static String state(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(Constants.POD_STATE_LABEL);
    }

    /** An informer handler from two callbacks: a change (null before on an add) and a deletion. */
    static <T> ResourceEventHandler<T> handler(BiConsumer<T, T> change, Consumer<T> deleted) {
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

    static String resource(String path) throws IOException {
        try (var in = FaultSuite.class.getClassLoader().getResourceAsStream(path)) {
            return new String(Objects.requireNonNull(in, path).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
