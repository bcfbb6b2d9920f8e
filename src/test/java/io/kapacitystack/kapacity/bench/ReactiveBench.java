package io.kapacitystack.kapacity.bench;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.reactive.MetricsBatcher;
import io.kapacitystack.kapacity.reactive.ReactiveGenerator;
import io.kapacitystack.kapacity.reactive.ReactiveOutcome;
import io.kapacitystack.kapacity.reactive.ReplicaBounds;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reactive generator (issue #5): cost of one generation per IHPA, how many generations fit in a 15 s sync period
 * on this machine, and provider queries per sync with and without namespace batching. Pods live in the mock API and
 * are read through the same {@link ResourceCache} the manager uses; metrics come from an in-memory provider that
 * selects pods like the Prometheus provider (selector over the namespace's cached pods) and optionally answers after
 * a simulated Prometheus latency. Run with {@code scripts/bench.sh reactive [namespaces] [hpsPerNamespace] [latencyMs]}.
 */
public final class ReactiveBench {

    static final int PODS_PER_HP = 3;
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    public static void main(String[] args) throws Exception {
        int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int perNamespace = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int latencyMs = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Vertx vertx = Vertx.vertx();
        MockCluster cluster = new MockCluster(vertx);
        long t = System.nanoTime();
        for (int n = 0; n < namespaces; n++) {
            for (int w = 0; w < perNamespace; w++) {
                for (int p = 0; p < PODS_PER_HP; p++) {
                    Pod pod = pod("ns-" + n, "w" + w, "w" + w + "-" + p);
                    cluster.client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
                }
            }
        }
        ResourceCache<Pod> pods = new ResourceCache<>(cluster.client.pods(), null, null);
        pods.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        int total = namespaces * perNamespace;
        System.out.printf("setup: %d namespaces x %d HPs x %d pods = %d pods cached in %d ms; provider latency %d ms%n",
                namespaces, perNamespace, PODS_PER_HP, pods.list().size(), (System.nanoTime() - t) / 1_000_000, latencyMs);

        List<HorizontalPortrait> hps = new ArrayList<>();
        KubernetesSerialization yaml = new KubernetesSerialization();
        for (int n = 0; n < namespaces; n++) {
            for (int w = 0; w < perNamespace; w++) {
                hps.add(yaml.unmarshal("apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: HorizontalPortrait\n"
                        + "metadata: {name: w" + w + ", namespace: ns-" + n + "}\n"
                        + "spec:\n  portraitType: Reactive\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w" + w + "}\n"
                        + "  algorithm:\n    type: KubeHPA\n    kubeHPA:\n      behavior: {}\n"
                        + "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n",
                        HorizontalPortrait.class));
            }
        }

        for (boolean batched : new boolean[]{false, true}) {
            SimProvider provider = new SimProvider(vertx, pods, latencyMs);
            ReactiveGenerator g = batched
                    ? new ReactiveGenerator(provider, pods, new MetricsBatcher(provider))
                    : new ReactiveGenerator(provider, pods, null);
            int syncs = 12;
            int warm = 4;
            long measuredNanos = 0;
            long queriesBefore = 0;
            long cpuBefore = 0;
            for (int s = 0; s < syncs; s++) {
                if (s == warm) {
                    queriesBefore = provider.queries.get();
                    cpuBefore = processCpuNanos();
                }
                Instant now = T0.plusSeconds(15L * s);
                long start = System.nanoTime();
                List<Future<ReactiveOutcome>> out = new ArrayList<>(total);
                for (HorizontalPortrait hp : hps) {
                    out.add(g.generate(hp, new ScaleInfo(PODS_PER_HP, PODS_PER_HP, "app=" + hp.getMetadata().getName()),
                            new ReplicaBounds(1, 50), now));
                }
                Future.all(out).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
                long took = System.nanoTime() - start;
                for (Future<ReactiveOutcome> f : out) {
                    if (f.result().failed()) {
                        throw new IllegalStateException("generation failed: " + f.result().error());
                    }
                }
                if (s >= warm) {
                    measuredNanos += took;
                }
            }
            int measured = syncs - warm;
            double wallPerSyncMs = measuredNanos / 1e6 / measured;
            double cpuPerSyncMs = (processCpuNanos() - cpuBefore) / 1e6 / measured;
            double queriesPerSync = (double) (provider.queries.get() - queriesBefore) / measured;
            System.out.printf("%-9s %5d HPs/sync: wall %.1f ms/sync, process CPU %.1f ms/sync (%.1f us CPU per HP), "
                            + "provider queries %.0f/sync; ~%,.0f generations fit in 15 s of one core%n",
                    batched ? "batched" : "unbatched", total, wallPerSyncMs, cpuPerSyncMs, cpuPerSyncMs * 1000 / total,
                    queriesPerSync, 15_000.0 / (cpuPerSyncMs / total));
        }
        pods.stop();
        cluster.close();
        System.exit(0);
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    static Pod pod(String ns, String app, String name) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(Map.of("app", app)).endMetadata()
                .withNewSpec().addToContainers(new ContainerBuilder().withName("app").withImage("app")
                        .withNewResources().withRequests(Map.of("cpu", new Quantity("500m"))).endResources().build()).endSpec()
                .withNewStatus().withPhase("Running").withStartTime(T0.minusSeconds(3600).toString())
                .addToConditions(new PodConditionBuilder().withType("Ready").withStatus("True")
                        .withLastTransitionTime(T0.minusSeconds(3600).toString()).build()).endStatus().build();
    }

    /** Answers pod-resource queries from the pod cache like the Prometheus provider selects pods, after a delay. */
    static final class SimProvider implements MetricsProvider {
        final Vertx vertx;
        final ResourceCache<Pod> pods;
        final int latencyMs;
        final AtomicLong queries = new AtomicLong();

        SimProvider(Vertx vertx, ResourceCache<Pod> pods, int latencyMs) {
            this.vertx = vertx;
            this.pods = pods;
            this.latencyMs = latencyMs;
        }

        @Override
        public Future<List<Sample>> queryLatest(MetricQuery query) {
            queries.incrementAndGet();
            if (!(query instanceof MetricQuery.PodResource q)) {
                return Future.failedFuture(MetricsException.unsupported("only pod resource queries"));
            }
            List<Sample> out = new ArrayList<>();
            for (Pod p : pods.list(q.namespace())) {
                if (q.selector().matches(p.getMetadata().getLabels())) {
                    String name = p.getMetadata().getName();
                    double cores = 0.1 + (Math.abs(name.hashCode()) % 50) / 100.0;
                    out.add(new Sample(T0.toEpochMilli(), cores, Map.of("pod", name), Duration.ofMinutes(3)));
                }
            }
            if (latencyMs <= 0) {
                return Future.succeededFuture(out);
            }
            Promise<List<Sample>> p = Promise.promise();
            vertx.setTimer(latencyMs, id -> p.complete(out));
            return p.future();
        }

        @Override
        public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
            return Future.failedFuture(MetricsException.unsupported("range"));
        }
    }
}
