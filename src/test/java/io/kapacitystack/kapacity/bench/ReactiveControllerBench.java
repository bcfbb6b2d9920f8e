package io.kapacitystack.kapacity.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Reactive portraits through the whole controller (issue #5): N HorizontalPortraits, each on its own Deployment
 * with {@link ReactiveBench#PODS_PER_HP} pods, on fabric8's CRUD mock (the stubbed API server), with the manager
 * as it runs in a cluster: caches, the HorizontalPortrait work queue, scale from the Deployment cache, the reactive
 * generator with namespace batching, status writes only on change. Metrics come from the in-memory
 * {@link ReactiveBench.SimProvider} (constant per pod, so the steady state writes nothing). Reports how long the
 * first generation of all portraits takes, then over a measured window at the default 15 s sync period: generations
 * per second, whether every portrait kept its period, process CPU per generation and provider queries per sync.
 * Run with {@code scripts/bench.sh reactive-controller [namespaces] [hpsPerNamespace] [seconds]}.
 */
public final class ReactiveControllerBench {

    public static void main(String[] args) throws Exception {
        int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int perNamespace = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        int total = namespaces * perNamespace;
        Vertx vertx = Vertx.vertx();
        MockCluster cluster = new MockCluster(vertx);
        long t = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> creates = new ArrayList<>();
        for (int n = 0; n < namespaces; n++) {
            String ns = "ns-" + n;
            cluster.namespace(ns);
            for (int w = 0; w < perNamespace; w++) {
                String name = "w" + w;
                creates.add(pool.submit(() -> {
                    Deployment d = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                            .withNewSpec().withReplicas(ReactiveBench.PODS_PER_HP).withNewSelector()
                            .withMatchLabels(Map.of("app", name)).endSelector().withNewTemplate().withNewMetadata()
                            .withLabels(Map.of("app", name)).endMetadata().withNewSpec().addNewContainer().withName("app")
                            .withImage("app").endContainer().endSpec().endTemplate().endSpec()
                            .withNewStatus().withReplicas(ReactiveBench.PODS_PER_HP).endStatus().build();
                    cluster.client.apps().deployments().inNamespace(ns).resource(d).create();
                    for (int p = 0; p < ReactiveBench.PODS_PER_HP; p++) {
                        Pod pod = ReactiveBench.pod(ns, name, name + "-" + p);
                        cluster.client.pods().inNamespace(ns).resource(pod).create();
                    }
                    cluster.client.resources(HorizontalPortrait.class).inNamespace(ns).resource(hp(ns, name)).create();
                    return null;
                }));
            }
        }
        for (Future<?> f : creates) {
            f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        System.out.printf("setup: %d HPs, %d Deployments, %d pods in the mock in %d s%n", total, total,
                total * ReactiveBench.PODS_PER_HP, (System.nanoTime() - t) / 1_000_000_000);

        ControllerManager.Settings s = new ControllerManager.Settings();
        s.concurrency = 4;
        s.qps = 5000;
        s.burst = 5000;
        s.apiWorkers = 16;
        ReactiveBench.SimProvider provider = null;
        long started = System.nanoTime();
        ControllerManager manager = cluster.startManager(new SystemClock(vertx), s);
        provider = new ReactiveBench.SimProvider(vertx, manager.podCache(), 20);
        manager.useMetrics(provider);
        String success = "controller_runtime_reconcile_total{controller=\"horizontalportrait\",result=\"success\"}";
        // The first reconciles (before the provider was set) report "no metrics provider" and come back after the
        // sync period; wait until every portrait has data.
        while (generated(cluster, namespaces) < total) {
            Thread.sleep(500);
            if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
                throw new IllegalStateException("portraits not generated after 10 minutes: " + generated(cluster, namespaces));
            }
        }
        System.out.printf("all %d portraits generated %.1f s after the controllers started (caches synced, first pass "
                + "without metrics, then one 15 s period)%n", total, (System.nanoTime() - started) / 1e9);

        // Two more periods before measuring, so JIT compilation is not counted as the generations' cost.
        Thread.sleep(30_000);
        long requestsBefore = cluster.server.getRequestCount();
        long reconcilesBefore = cluster.metrics.counter(success);
        long queriesBefore = provider.queries.get();
        long cpuBefore = cpu();
        long windowStart = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double window = (System.nanoTime() - windowStart) / 1e9;
        long reconciles = cluster.metrics.counter(success) - reconcilesBefore;
        long queries = provider.queries.get() - queriesBefore;
        double cpuSeconds = (cpu() - cpuBefore) / 1e9;
        long requests = cluster.server.getRequestCount() - requestsBefore;
        System.out.printf("API requests in the window: %d (%.2f per generation)%n", requests, (double) requests / Math.max(1, reconciles));
        // The same window with the portrait controller stopped: what the process costs without generations (the
        // mock API server, informers, the JVM), subtracted to get the cost of a generation.
        manager.horizontalPortraitController().stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        long idleBefore = cpu();
        Thread.sleep(seconds * 1000L);
        double idleSeconds = (cpu() - idleBefore) / 1e9;
        System.out.printf("baseline: %.1f s process CPU in the same window without generations%n", idleSeconds);
        double expected = total * window / 15.0;
        double perGenerationMs = Math.max(0, cpuSeconds - idleSeconds) * 1000 / Math.max(1, reconciles);
        System.out.printf("window %.0f s: %d generations (%.0f/s; %.0f expected at one per 15 s each: %.0f %%), "
                        + "process CPU %.1f s (%.0f %% of 2 cores), %.3f ms CPU per generation above the baseline, provider queries %.1f per "
                        + "15 s sync (%d namespaces); capacity on 2 cores at a 15 s period ~%,.0f portraits%n",
                window, reconciles, reconciles / window, expected, 100.0 * reconciles / expected, cpuSeconds,
                100 * cpuSeconds / window / 2, perGenerationMs, queries / (window / 15.0), namespaces,
                2 * 15_000 / perGenerationMs);
        cluster.close();
        System.exit(0);
    }

    private static long generated(MockCluster cluster, int namespaces) {
        long n = 0;
        for (int i = 0; i < namespaces; i++) {
            n += cluster.client.resources(HorizontalPortrait.class).inNamespace("ns-" + i).list().getItems().stream()
                    .filter(hp -> hp.getStatus() != null && hp.getStatus().portraitData != null).count();
        }
        return n;
    }

    private static long cpu() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    static HorizontalPortrait hp(String ns, String name) {
        return new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
                "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: HorizontalPortrait\n"
                        + "metadata: {name: " + name + ", namespace: " + ns + "}\n"
                        + "spec:\n  portraitType: Reactive\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: " + name + "}\n"
                        + "  algorithm:\n    type: KubeHPA\n    kubeHPA:\n      behavior: {}\n"
                        + "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n",
                HorizontalPortrait.class);
    }
}
