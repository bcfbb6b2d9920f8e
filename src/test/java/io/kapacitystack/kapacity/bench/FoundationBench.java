package io.kapacitystack.kapacity.bench;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The foundation's benchmarks (docs/benchmarks.md): planner throughput, 1,000 IHPAs to applied profiles on the mock
 * API, heap per cached IHPA, and cron boundary to scale-write latency. Run with scripts/bench.sh; not part of the
 * test suite, and nothing here asserts a time.
 */
public final class FoundationBench {

    private static final Instant HOUR = Instant.parse("2026-11-23T08:00:00Z");

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        if (which.equals("all") || which.equals("planner")) {
            plannerThroughput();
        }
        if (which.equals("all") || which.equals("heap")) {
            heapPerIhpa(10_000);
        }
        if (which.equals("all") || which.equals("mock")) {
            thousandIhpas(1000);
        }
        if (which.equals("all") || which.equals("latency")) {
            boundaryLatency(1);
            boundaryLatency(10);
            boundaryLatency(100);
        }
        System.exit(0);
    }

    static String ihpaYaml(String name, String target) {
        StringBuilder crons = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            crons.append("      - {name: cron-").append(i + 1).append(", start: \"").append(i * 10).append(" * * * *\", end: \"")
                    .append(i * 10 + 10).append(" * * * *\", replicas: ").append(i + 1).append("}\n");
        }
        return "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\nmetadata:\n  name: " + name
                + "\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: " + target + "}\n  minReplicas: 1\n  maxReplicas: 10\n"
                + "  portraitProviders:\n  - type: Static\n    priority: 0\n    static: {replicas: 1}\n  - type: Cron\n    priority: 1\n    cron:\n      crons:\n" + crons;
    }

    static void plannerThroughput() {
        Map<PortraitProvider.Type, PortraitProviderEvaluator> e = new EnumMap<>(PortraitProvider.Type.class);
        e.put(PortraitProvider.Type.Static, new StaticPortraitEvaluator());
        e.put(PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator());
        IhpaPlanner planner = new IhpaPlanner(new PortraitSelector(e));
        KubernetesSerialization s = new KubernetesSerialization();
        IntelligentHorizontalPodAutoscaler ihpa = s.unmarshal(ihpaYaml("web", "web"), IntelligentHorizontalPodAutoscaler.class);
        ihpa.getMetadata().setNamespace("default");
        ihpa.getMetadata().setGeneration(1L);
        long sink = 0;
        for (int round = 0; round < 10; round++) {
            long n = 0;
            long start = System.nanoTime();
            long end = start + Duration.ofSeconds(2).toNanos();
            Instant t = HOUR;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 1000; i++) {
                    t = t.plusSeconds(7);
                    sink += planner.plan(ihpa, null, null, t).events().size();
                }
                n += 1000;
            }
            double perSecond = n / ((System.nanoTime() - start) / 1e9);
            System.out.printf("planner round %d: %.0f plans/s (%.2f us/plan)%n", round, perSecond, 1e6 / perSecond);
        }
        System.out.println("(sink " + sink + ")");
    }

    static void heapPerIhpa(int count) {
        KubernetesSerialization s = new KubernetesSerialization();
        List<GenericKubernetesResource> cache = new ArrayList<>(count);
        System.gc();
        long before = usedHeap();
        for (int i = 0; i < count; i++) {
            GenericKubernetesResource r = s.unmarshal(ihpaYaml("ihpa-" + i, "sts-" + i), GenericKubernetesResource.class);
            r.getMetadata().setNamespace("ns-" + (i % 100));
            r.getMetadata().setResourceVersion(Integer.toString(i));
            r.getMetadata().setUid("uid-" + i);
            cache.add(r);
        }
        System.gc();
        long after = usedHeap();
        System.out.printf("heap: %d IHPAs (5 cron rules + 1 static each) as cached objects: %.1f MiB, %.0f bytes per IHPA%n",
                count, (after - before) / 1048576.0, (after - before) / (double) count);
        if (cache.size() != count) {
            throw new IllegalStateException();
        }
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static void thousandIhpas(int count) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            ManualClock clock = new ManualClock(vertx, HOUR.plus(Duration.ofMinutes(5)));
            String ns = "bench";
            cluster.namespace(ns);
            for (int i = 0; i < count; i++) {
                cluster.client.apps().statefulSets().inNamespace(ns).resource(sts("sts-" + i)).create();
            }
            cluster.startManager(clock, benchSettings());

            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, ihpaYaml("ihpa-" + i, "sts-" + i), ns);
            }
            long created = System.nanoTime();
            waitFor(() -> cluster.client.genericKubernetesResources(ReplicaProfile.RP_CONTEXT).inNamespace(ns).list().getItems().stream()
                    .filter(rp -> rp.getAdditionalProperties().get("status") instanceof Map
                            && ((Map<?, ?>) rp.getAdditionalProperties().get("status")).get("conditions") != null).count() == count, 600);
            long applied = System.nanoTime();
            System.out.printf("%d IHPAs: created in %.2f s; every ReplicaProfile created and reconciled %.2f s after the first create%n",
                    count, (created - start) / 1e9, (applied - start) / 1e9);

        } finally {
            vertx.close();
        }
    }

    /**
     * Latency from a cron boundary (the clock reaching it) to the StatefulSet's new replica count being written,
     * with n IHPAs sharing every boundary, over the boundaries of two hours.
     */
    static void boundaryLatency(int n) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            ManualClock clock = new ManualClock(vertx, HOUR.plus(Duration.ofMinutes(5)));
            String ns = "latency";
            cluster.namespace(ns);
            for (int i = 0; i < n; i++) {
                cluster.client.apps().statefulSets().inNamespace(ns).resource(sts("sts-" + i)).create();
                cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, ihpaYaml("ihpa-" + i, "sts-" + i), ns);
            }
            cluster.startManager(clock, benchSettings());
            Map<String, Integer> expected = new ConcurrentHashMap<>();
            Map<String, Long> reachedAt = new ConcurrentHashMap<>();
            watchReplicas(cluster, ns, expected, reachedAt);
            settle(cluster);
            List<Long> latencies = new ArrayList<>();
            for (int b = 1; b <= 12; b++) {
                Instant boundary = HOUR.plus(Duration.ofMinutes(10L * b));
                int minute = (int) ((10L * b) % 60);
                if (minute == 0) {
                    // 1 (the static value since minute 50) -> 1 (cron-1): nothing to write
                    clock.advanceTo(boundary);
                    settle(cluster);
                    continue;
                }
                int want = minute == 50 ? 1 : minute / 10 + 1;
                expected.clear();
                reachedAt.clear();
                for (int i = 0; i < n; i++) {
                    expected.put("sts-" + i, want);
                }
                long t0 = System.nanoTime();
                clock.advanceTo(boundary);
                waitFor(() -> reachedAt.size() == n, 60, () -> "replicas now " + cluster.client.apps().statefulSets().inNamespace(ns)
                        .list().getItems().stream().map(x -> x.getSpec().getReplicas()).toList() + ", want " + want
                        + ", events " + cluster.events);
                reachedAt.values().forEach(t -> latencies.add(t - t0));
                if (System.getenv("BENCH_DEBUG") != null) {
                    System.out.println("boundary " + boundary + " want " + want + " ok, events " + cluster.events.size());
                }
                settle(cluster);
            }
            long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("cron boundary -> scale written, %d IHPA(s) per boundary, %d samples: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    n, lat.length, pct(lat, 50) / 1e6, pct(lat, 99) / 1e6, lat[lat.length - 1] / 1e6);
        } finally {
            vertx.close();
        }
    }

    /** Notes in {@code reachedAt} when each StatefulSet of {@code ns} first has the replicas {@code expected} names. */
    static void watchReplicas(MockCluster cluster, String ns, Map<String, Integer> expected, Map<String, Long> reachedAt) {
        cluster.client.apps().statefulSets().inNamespace(ns).inform(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            public void onAdd(StatefulSet o) {
            }

            public void onUpdate(StatefulSet o, StatefulSet x) {
                Integer want = expected.get(x.getMetadata().getName());
                if (want != null && want.equals(x.getSpec().getReplicas())) {
                    reachedAt.putIfAbsent(x.getMetadata().getName(), System.nanoTime());
                }
            }

            public void onDelete(StatefulSet o, boolean b) {
            }
        });
    }

    /** API limits high enough that the mock server, not the rate limiter, is what the benchmarks measure. */
    static ControllerManager.Settings benchSettings() {
        ControllerManager.Settings settings = new ControllerManager.Settings();
        settings.qps = 5000;
        settings.burst = 5000;
        settings.concurrency = 16;
        settings.apiWorkers = 16;
        return settings;
    }

    static void settle(MockCluster cluster) throws InterruptedException {
        Thread.sleep(300);
        waitFor(() -> cluster.manager.ihpaController().depth() == 0 && cluster.manager.replicaProfileController().depth() == 0, 600);
        Thread.sleep(300);
    }

    static StatefulSet sts(String name) {
        return new StatefulSetBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static void waitFor(java.util.function.BooleanSupplier c, int seconds) throws InterruptedException {
        waitFor(c, seconds, () -> "");
    }

    static void waitFor(java.util.function.BooleanSupplier c, int seconds, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out " + state.get());
            }
            Thread.sleep(50);
        }
    }
}
