package io.kapacitystack.kapacity.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.app.ExternalManager;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.vertx.core.Vertx;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 23 item 6 (docs/scaling-out.md): N IHPAs of mixed kinds (cron, reactive, gray), each with its StatefulSet, on
 * ONE manager process ({@code manager --kubeconfig}, its own JVM with {@code -Xmx1g}) against a sandbox without
 * controllers in this JVM. Reports start-up to the first reconcile of all (every ReplicaProfile created), the
 * manager's heap after a full GC, the lateness of cron boundaries (every minute a boundary: 1 ↔ 2 replicas),
 * how regularly reactive portraits are refreshed, and the manager's API requests per second in steady state.
 * Run with {@code scripts/bench.sh scale [N] [steady-minutes] [qps]}; not a test.
 */
public final class ScaleBench {

    private static final String[] KINDS = {"cron", "reactive", "gray"};

    public static void main(String[] args) throws Exception {
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int steadyMinutes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int qps = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        int perNamespace = 100;
        Vertx vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = Files.createTempFile("scale", ".kubeconfig");
        s.controllers = false;
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
        KubernetesClient c = app.cluster().client();
        Process manager = null;
        List<String> cmd;
        try {
            long t0 = System.nanoTime();
            ExecutorService creators = Executors.newFixedThreadPool(8);
            AtomicInteger failures = new AtomicInteger();
            for (int ns = 0; ns * perNamespace < n; ns++) {
                c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("scale-" + ns).endMetadata().build()).create();
            }
            for (int i = 0; i < n; i++) {
                int id = i;
                creators.execute(() -> {
                    try {
                        String ns = "scale-" + (id / perNamespace);
                        String kind = KINDS[id % KINDS.length];
                        String name = kind + "-" + id;
                        c.apps().statefulSets().inNamespace(ns).resource(c.getKubernetesSerialization()
                                .unmarshal(sts(name, kind.equals("gray")), StatefulSet.class)).create();
                        c.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(ns)
                                .resource(c.getKubernetesSerialization().unmarshal(ihpa(name, kind), GenericKubernetesResource.class))
                                .create();
                    } catch (RuntimeException e) {
                        if (failures.incrementAndGet() < 5) {
                            System.out.println("create failed: " + e);
                        }
                    }
                });
            }
            creators.shutdown();
            creators.awaitTermination(1, TimeUnit.HOURS);
            System.out.printf("created %d StatefulSets + %d IHPAs in %d namespaces in %.1f s (%d failures); sandbox pods: %d%n",
                    n, n, (n + perNamespace - 1) / perNamespace, (System.nanoTime() - t0) / 1e9, failures.get(),
                    app.cluster().world().pods().size());

            // observers (in this JVM, through the API like any client)
            Map<String, Long> profileSeen = new ConcurrentHashMap<>();
            Map<String, List<long[]>> replicaChanges = new ConcurrentHashMap<>(); // name -> [epochMillis, replicas]
            Map<String, List<Long>> portraitUpdates = new ConcurrentHashMap<>();
            SharedIndexInformer<GenericKubernetesResource> profiles = c.genericKubernetesResources(ReplicaProfile.RP_CONTEXT)
                    .inAnyNamespace().inform(handler((o, created) -> profileSeen.putIfAbsent(key(o), System.currentTimeMillis())));
            SharedIndexInformer<StatefulSet> sets = c.apps().statefulSets().inAnyNamespace().inform(handler((o, created) -> {
                List<long[]> changes = replicaChanges.computeIfAbsent(key(o), k -> new ArrayList<>());
                synchronized (changes) {
                    int replicas = o.getSpec().getReplicas() == null ? 1 : o.getSpec().getReplicas();
                    if (changes.isEmpty() || changes.get(changes.size() - 1)[1] != replicas) {
                        changes.add(new long[]{System.currentTimeMillis(), replicas});
                    }
                }
            }));
            SharedIndexInformer<GenericKubernetesResource> portraits = c.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT)
                    .inAnyNamespace().inform(handler((o, created) -> {
                        List<Long> times = portraitUpdates.computeIfAbsent(key(o), k -> new ArrayList<>());
                        synchronized (times) {
                            times.add(System.currentTimeMillis());
                        }
                    }));

            int metricsPort = freePort();
            int probePort = freePort();
            cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                    "io.kapacitystack.kapacity.Main", "manager"));
            cmd.addAll(ExternalManager.managerArgs(s.kubeconfig, metricsPort, probePort));
            cmd.addAll(List.of("--kube-api-qps", String.valueOf(qps), "--kube-api-burst", String.valueOf(qps * 2),
                    "--reconcile-concurrency", "16"));
            File log = File.createTempFile("scale-manager", ".log");
            long requestsBefore = app.cluster().clientRequests();
            long managerStart = System.currentTimeMillis();
            manager = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
            System.out.println("manager pid " + manager.pid() + ", log " + log);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (profileSeen.size() < n && System.nanoTime() < deadline && manager.isAlive()) {
                TimeUnit.SECONDS.sleep(1);
            }
            long allReconciled = profileSeen.values().stream().mapToLong(Long::longValue).max().orElse(0);
            System.out.printf("manager start -> first reconcile of all %d IHPAs (ReplicaProfiles seen: %d): %.1f s; "
                            + "manager API requests meanwhile: %d%n", n, profileSeen.size(),
                    (allReconciled - managerStart) / 1e3, app.cluster().clientRequests() - requestsBefore);
            // steady state: from the next minute on
            long steadyStart = (System.currentTimeMillis() / 60_000 + 1) * 60_000;
            TimeUnit.MILLISECONDS.sleep(steadyStart - System.currentTimeMillis());
            long req0 = app.cluster().clientRequests();
            HttpClient http = HttpClient.newHttpClient();
            long portraitSyncs0 = reconciles(http, metricsPort, "horizontalportrait");
            long w0 = System.nanoTime();
            TimeUnit.MINUTES.sleep(steadyMinutes);
            long req1 = app.cluster().clientRequests();
            double seconds = (System.nanoTime() - w0) / 1e9;
            // a portrait whose value did not change writes nothing, so its syncs are counted by the manager itself
            System.out.printf("reactive portraits synced %.1f /s (one sync per portrait per 15 s period: %.1f /s)%n",
                    (reconciles(http, metricsPort, "horizontalportrait") - portraitSyncs0) / seconds,
                    (n / KINDS.length) / 15.0);
            System.out.printf("steady state %d min: manager API requests %.0f /s; sandbox pods now %d%n", steadyMinutes,
                    (req1 - req0) / seconds, app.cluster().world().pods().size());
            long steadyEnd = steadyStart + steadyMinutes * 60_000L;
            lateness(replicaChanges, "cron-", steadyStart, steadyEnd, 2, 1);
            lateness(replicaChanges, "gray-", steadyStart, steadyEnd, 3, -1);
            portraitIntervals(portraitUpdates, steadyStart, steadyEnd);
            System.out.println("manager heap after a full GC: " + heapAfterGc(manager.pid()));
            System.out.println(Files.readAllLines(log.toPath()).stream().filter(l -> l.contains("ERROR") || l.contains("Exception"))
                    .limit(5).toList());
            profiles.close();
            sets.close();
            portraits.close();
            handover(app, s.kubeconfig, cmd, manager, n);
        } finally {
            if (manager != null) {
                manager.destroyForcibly();
            }
            app.close().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            vertx.close();
        }
        System.exit(0);
    }

    /**
     * The cost of one handover: a standby manager (same flags, its own ports) waits with synced caches; the leader is
     * killed with SIGKILL (its Lease is not released); measured from the kill to the Lease changing hands, and to the
     * new leader's IHPA reconciles reaching N (the first reconcile of all, as its work queue is filled on promotion).
     */
    static void handover(SandboxApp app, Path kubeconfig, List<String> leaderCmd, Process leader, int n) throws Exception {
        int metricsPort = freePort();
        int probePort = freePort();
        List<String> cmd = new ArrayList<>(leaderCmd.subList(0, leaderCmd.indexOf("manager") + 1));
        cmd.addAll(ExternalManager.managerArgs(kubeconfig, metricsPort, probePort));
        cmd.addAll(leaderCmd.subList(leaderCmd.indexOf("--kube-api-qps"), leaderCmd.size()));
        File log = File.createTempFile("scale-standby", ".log");
        Process standby = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (get(http, "http://127.0.0.1:" + probePort + "/readyz") != 200 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            TimeUnit.SECONDS.sleep(5);
            KubernetesClient c = app.cluster().client();
            String before = holder(c);
            long kill = System.nanoTime();
            leader.destroyForcibly();
            long taken = 0;
            long all = 0;
            while ((taken == 0 || all == 0) && System.nanoTime() < deadline) {
                if (taken == 0 && !Objects.equals(before, holder(c))) {
                    taken = System.nanoTime();
                }
                if (all == 0 && reconciles(http, metricsPort, "intelligenthorizontalpodautoscaler") >= n) {
                    all = System.nanoTime();
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            System.out.printf("handover of %d IHPAs: SIGKILL of the leader -> Lease taken by the standby %.1f s; "
                    + "-> its IHPA reconciles reach %d: %.1f s%n", n, (taken - kill) / 1e9, n, (all - kill) / 1e9);
        } finally {
            standby.destroyForcibly();
        }
    }

    static String holder(KubernetesClient c) {
        var lease = c.leases().inNamespace(ExternalManager.LEASE_NAMESPACE).withName("kapacity-manager.kapacitystack.io").get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The manager's reconciles of one controller so far, from its {@code /metrics}. */
    static long reconciles(HttpClient http, int port, String controller) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("controller_runtime_reconcile_total{controller=\"" + controller + "\""))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    static int get(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Per boundary (each minute: even minutes up to {@code up}, odd minutes back to {@code down}, or -1 = any lower
     * value, for gray steps that go down gradually): the time from the boundary to the first change to it.
     */
    static void lateness(Map<String, List<long[]>> changes, String prefix, long from, long to, int up, int down) {
        List<Long> late = new ArrayList<>();
        int missed = 0;
        for (Map.Entry<String, List<long[]>> e : changes.entrySet()) {
            if (!e.getKey().contains("/" + prefix)) {
                continue;
            }
            List<long[]> list;
            synchronized (e.getValue()) {
                list = new ArrayList<>(e.getValue());
            }
            for (long boundary = from; boundary < to - 60_000; boundary += 60_000) {
                boolean even = (boundary / 60_000) % 2 == 0;
                long b = boundary;
                long[] hit = list.stream().filter(x -> x[0] >= b - 5_000 && x[0] < b + 60_000)
                        .filter(x -> even ? x[1] == up : (down < 0 ? x[1] < up : x[1] == down)).findFirst().orElse(null);
                if (hit == null) {
                    missed++;
                } else {
                    late.add(hit[0] - boundary);
                }
            }
        }
        long[] sorted = late.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            System.out.printf("%s boundaries: none applied, %d missed%n", prefix, missed);
            return;
        }
        System.out.printf("%s boundaries applied: %d, missed (not within the minute): %d; lateness p50 %.1f s, p90 %.1f s, "
                        + "p99 %.1f s, max %.1f s%n", prefix, sorted.length, missed, FoundationBench.pct(sorted, 50) / 1e3,
                FoundationBench.pct(sorted, 90) / 1e3, FoundationBench.pct(sorted, 99) / 1e3, sorted[sorted.length - 1] / 1e3);
    }

    static void portraitIntervals(Map<String, List<Long>> updates, long from, long to) {
        List<Long> gaps = new ArrayList<>();
        int stale = 0;
        for (List<Long> times : updates.values()) {
            List<Long> in;
            synchronized (times) {
                in = times.stream().filter(t -> t >= from && t < to).toList();
            }
            if (in.isEmpty()) {
                stale++;
            }
            for (int i = 1; i < in.size(); i++) {
                gaps.add(in.get(i) - in.get(i - 1));
            }
        }
        long[] sorted = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("reactive portraits: %d, never updated in the steady window: %d; interval between updates "
                        + "p50 %.1f s, p99 %.1f s, max %.1f s%n", updates.size(), stale,
                sorted.length == 0 ? 0 : FoundationBench.pct(sorted, 50) / 1e3,
                sorted.length == 0 ? 0 : FoundationBench.pct(sorted, 99) / 1e3,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e3);
    }

    static String heapAfterGc(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start().waitFor(120, TimeUnit.SECONDS);
        Process p = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return out.lines().filter(l -> l.contains("used")).findFirst().orElse(out).trim();
    }

    interface Seen<T> {
        void seen(T object, boolean created);
    }

    static <T extends HasMetadata> ResourceEventHandler<T> handler(Seen<T> seen) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                seen.seen(obj, true);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                seen.seen(newObj, false);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            }
        };
    }

    static String key(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String sts(String name, boolean gated) {
        return "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: " + name + "}\nspec:\n  replicas: 1\n"
                + "  podManagementPolicy: Parallel\n  serviceName: " + name
                + "\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name
                + (gated ? ", kapacitystack.io/inject-pod-readiness-gate: \"true\"" : "") + "}}\n"
                + "    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m, memory: 100Mi}}}]}\n";
    }

    /** cron: 2 replicas from each even minute to the next odd one, else 1; gray: 3 then down in gray steps; reactive: CPU. */
    static String ihpa(String name, String kind) {
        String head = "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\n"
                + "metadata: {name: " + name + "}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: "
                + name + "}\n  minReplicas: 1\n  maxReplicas: 10\n  portraitProviders:\n";
        return switch (kind) {
            case "cron" -> head + "  - {type: Static, priority: 0, static: {replicas: 1}}\n"
                    + "  - type: Cron\n    priority: 1\n    cron:\n      crons:\n"
                    + "      - {name: up, start: \"*/2 * * * *\", end: \"1-59/2 * * * *\", replicas: 2}\n";
            case "gray" -> head + "  - {type: Static, priority: 0, static: {replicas: 1}}\n"
                    + "  - type: Cron\n    priority: 1\n    cron:\n      crons:\n"
                    + "      - {name: up, start: \"*/2 * * * *\", end: \"1-59/2 * * * *\", replicas: 3}\n"
                    + "  behavior:\n    scaleDown:\n      grayStrategy: {grayState: Cutoff, changeIntervalSeconds: 10, "
                    + "changePercent: 50, observationSeconds: 10}\n";
            default -> head + "  - type: Dynamic\n    priority: 1\n    dynamic:\n      portraitType: Reactive\n"
                    + "      metrics:\n      - type: Resource\n        resource: {name: cpu, target: {type: Utilization, "
                    + "averageUtilization: 30}}\n      algorithm: {type: KubeHPA}\n";
        };
    }
}
