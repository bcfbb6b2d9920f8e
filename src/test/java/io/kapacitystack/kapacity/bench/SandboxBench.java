package io.kapacitystack.kapacity.bench;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * Sandbox benchmarks (docs/benchmarks.md): start-up time of the whole sandbox, and how large a scene (workloads x
 * pods) the simulator and the controller handle on this machine. Run with scripts/bench.sh sandbox.
 */
public final class SandboxBench {

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("gray")) {
            grayStepLatency(5);
            System.exit(0);
        }
        if (args.length > 1) {
            scene(Integer.parseInt(args[1]), 5);
            System.exit(0);
        }
        startup();
        for (int workloads : new int[]{10, 50, 100, 200}) {
            scene(workloads, 5);
        }
        System.exit(0);
    }

    static void startup() throws Exception {
        for (int i = 0; i < 5; i++) {
            Vertx vertx = Vertx.vertx();
            SandboxApp.Settings s = new SandboxApp.Settings();
            s.port = 0;
            s.kubeconfig = Files.createTempFile("bench", ".kubeconfig");
            long t0 = System.nanoTime();
            SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            app.loadSamples(vertx, java.util.List.of("cron", "gray")).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            long t2 = System.nanoTime();
            System.out.printf("sandbox start (API, simulator, controllers, HTTP, kubeconfig) run %d: %.0f ms; two samples loaded %.0f ms later%n",
                    i, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
            app.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** W StatefulSets with IHPAs asking for P replicas, then P + 5: time until every pod is Running and Ready. */
    static void scene(int workloads, int pods) throws Exception {
        Vertx vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = Files.createTempFile("bench", ".kubeconfig");
        s.clockSpeed = 10; // pods start in 0.5 s real instead of 5 s
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        KubernetesClient c = app.cluster().client();
        try {
            String ns = "scene";
            app.cluster().applyYaml(ns, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: marker}\n").toCompletionStage().toCompletableFuture().get();
            StringBuilder yaml = new StringBuilder();
            for (int i = 0; i < workloads; i++) {
                yaml.append(sts("w" + i)).append("---\n");
            }
            app.cluster().applyYaml(ns, yaml.toString()).toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
            waitReady(c, ns, workloads, 300);
            long t0 = System.nanoTime();
            for (int i = 0; i < workloads; i++) {
                c.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(ns).resource(
                        c.getKubernetesSerialization().unmarshal(ihpa("w" + i, pods), io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
            }
            waitReady(c, ns, workloads * pods, 120);
            long t1 = System.nanoTime();
            for (int i = 0; i < workloads; i++) {
                c.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(ns).withName("w" + i).patch(
                        PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"portraitProviders\":[{\"type\":\"Static\",\"priority\":1,\"static\":{\"replicas\":" + (pods + 5) + "}}]}}");
            }
            waitReady(c, ns, workloads * (pods + 5), 600);
            long t2 = System.nanoTime();
            System.out.printf("scene %d workloads: 1 -> %d pods each (%d pods) ready in %.1f s; -> %d each (%d pods) in %.1f s%n",
                    workloads, pods, workloads * pods, (t1 - t0) / 1e9, pods + 5, workloads * (pods + 5), (t2 - t1) / 1e9);
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** From a gray step's due time (the clock reaching it) to the pods' new states and traffic being written. */
    static void grayStepLatency(int hours) throws Exception {
        // Report where the event loop is blocked, if it ever is (a stack trace after 1 s instead of 5 s).
        Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setWarningExceptionTime(1)
                .setWarningExceptionTimeUnit(TimeUnit.SECONDS));
        java.time.Instant start = java.time.Instant.parse("2026-11-23T07:55:00Z");
        io.kapacitystack.kapacity.runtime.time.ManualClock clock = new io.kapacitystack.kapacity.runtime.time.ManualClock(vertx, start);
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = Files.createTempFile("bench", ".kubeconfig");
        s.clock = clock;
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        KubernetesClient c = app.cluster().client();
        java.util.List<Long> samples = new java.util.ArrayList<>();
        try {
            app.loadSamples(vertx, java.util.List.of("gray")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            String ns = "gray-sample";
            for (int h = 0; h < hours; h++) {
                java.time.Instant hour = java.time.Instant.parse("2026-11-23T08:00:00Z").plus(java.time.Duration.ofHours(h));
                clock.advanceTo(hour);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (running(c, ns) != 5 || cutoff(c, ns) != 0) {
                    clock.advance(java.time.Duration.ofSeconds(1));
                    Thread.sleep(20);
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("pods never reached 5 online");
                    }
                }
                Thread.sleep(500);
                samples.add(step(clock, c, ns, hour.plusSeconds(600), 2));
                Thread.sleep(300);
                samples.add(step(clock, c, ns, hour.plusSeconds(630), 4));
                Thread.sleep(300);
                clock.advanceTo(hour.plusSeconds(690));
                deadline = System.nanoTime() + 60_000_000_000L;
                while (running(c, ns) != 1) {
                    clock.advance(java.time.Duration.ofSeconds(1));
                    Thread.sleep(20);
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("pods never went back to 1");
                    }
                }
            }
            long[] lat = samples.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("gray step due -> pods cut off (label + readiness gate), %d steps: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    lat.length, FoundationBench.pct(lat, 50) / 1e6, FoundationBench.pct(lat, 99) / 1e6, lat[lat.length - 1] / 1e6);
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close();
        }
    }

    static long step(io.kapacitystack.kapacity.runtime.time.ManualClock clock, KubernetesClient c, String ns, java.time.Instant due, int cutoff)
            throws InterruptedException {
        long t0 = System.nanoTime();
        clock.advanceTo(due);
        while (cutoff(c, ns) != cutoff) {
            Thread.sleep(5);
            if (System.nanoTime() - t0 > 60_000_000_000L) {
                throw new IllegalStateException("step never applied");
            }
        }
        return System.nanoTime() - t0;
    }

    static long running(KubernetesClient c, String ns) {
        return c.pods().inNamespace(ns).list().getItems().stream().filter(io.kapacitystack.kapacity.replicaprofile.PodStates::isRunning).count();
    }

    static long cutoff(KubernetesClient c, String ns) {
        return c.pods().inNamespace(ns).list().getItems().stream().filter(io.kapacitystack.kapacity.replicaprofile.PodStates::isRunning)
                .filter(p -> p.getMetadata().getLabels() != null && "Cutoff".equals(p.getMetadata().getLabels().get("kapacitystack.io/pod-state"))
                        && p.getStatus().getConditions().stream().anyMatch(x -> "kapacitystack.io/online".equals(x.getType()) && "False".equals(x.getStatus())))
                .count();
    }

    static void waitReady(KubernetesClient c, String ns, int expected, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            long ready = c.pods().inNamespace(ns).list().getItems().stream().filter(SandboxBench::ready).count();
            if (ready == expected) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ready + " of " + expected + " pods ready; statefulsets "
                        + c.apps().statefulSets().inNamespace(ns).list().getItems().stream()
                        .map(x -> x.getMetadata().getName() + "=" + x.getSpec().getReplicas()).toList()
                        + "; ihpas " + c.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(ns).list().getItems().size());
            }
            Thread.sleep(100);
        }
    }

    static boolean ready(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(x -> "Ready".equals(x.getType()) && "True".equals(x.getStatus()));
    }

    static String sts(String name) {
        return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: " + name + "}\nspec:\n  replicas: 1\n  serviceName: " + name
                + "\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n"
                + "    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}}}]}\n";
    }

    static String ihpa(String name, int replicas) {
        return "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\nmetadata: {name: " + name + "}\n"
                + "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: " + name + "}\n  minReplicas: 1\n  maxReplicas: 50\n"
                + "  portraitProviders:\n  - {type: Static, priority: 1, static: {replicas: " + replicas + "}}\n";
    }
}
