package io.kapacitystack.kapacity.bench;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.console.Console;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.kapacitystack.kapacity.testing.MockCluster.join;

/**
 * N concurrent SSE clients on one console (the overview stream): delivery latency from a change written to the API
 * (a label patch of an IHPA, through the manager's informer, the hub and the rendering of the row) to each client
 * having read it, and heap per connected client (server and clients share this JVM, so an upper bound).
 * Usage: scripts/bench.sh console [clients] [rounds] [separate|shared]
 */
public final class ConsoleSseBench {

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) { // the event loops are not daemon threads: exit instead of hanging
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        Vertx vertx = Vertx.vertx();
        MockCluster cluster = new MockCluster(vertx);
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T10:00:00Z"));
        ControllerManager manager = new ControllerManager(vertx, cluster.client, clock, new ControllerMetrics(), new ControllerManager.Settings());
        var api = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("bench");
        api.resource(cluster.client.getKubernetesSerialization().unmarshal("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata: {name: web}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
                  minReplicas: 1
                  maxReplicas: 10
                  portraitProviders:
                  - {type: Static, priority: 1, static: {replicas: 2}}
                """, GenericKubernetesResource.class)).create();
        // stage timings: when the informer hands the round's change over (this handler runs before the console's), and
        // when the hub publishes it (a subscription whose filter sees every published item)
        AtomicLong round = new AtomicLong(-1);
        AtomicLong startedAt = new AtomicLong();
        AtomicLong informerAt = new AtomicLong();
        AtomicLong publishedAt = new AtomicLong();
        manager.ihpaCache().onEvent(o -> { }, (o, n) -> {
            String label = n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get("round");
            if (label != null && label.equals(Long.toString(round.get()))) {
                informerAt.compareAndSet(0, System.nanoTime());
            }
        }, o -> { });
        Console console = Console.attach(vertx, manager, cluster.client);
        console.hub().subscribe(Long.MAX_VALUE, i -> {
            if (informerAt.get() != 0) {
                publishedAt.compareAndSet(0, System.nanoTime());
            }
            return false;
        }, vertx.getOrCreateContext(), i -> { }, r -> { });
        join(manager.startCaches().toCompletionStage());
        Console.Listening server = join(console.listen("127.0.0.1", 0).toCompletionStage());
        while (manager.ihpaCache().get(new ObjectKey("bench", "web")) == null) {
            Thread.sleep(20);
        }
        // The clients run on their own Vert.x instance (own event loops), so that reading 1,000 streams does not compete
        // with the server's event loops: `shared` as the third argument puts them on the server's instance instead.
        boolean shared = args.length > 3 && args[3].equals("shared");
        Vertx clientVertx = shared ? vertx : Vertx.vertx();
        HttpClient http = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(clients + 10));

        System.gc();
        Thread.sleep(500);
        System.gc();
        long heapBefore = FoundationBench.usedHeap();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        CountDownLatch connected = new CountDownLatch(clients);
        CountDownLatch[] delivered = {new CountDownLatch(clients)};
        for (int i = 0; i < clients; i++) {
            long[] seen = {-1};
            http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(server.actualPort()).setURI("/sse/overview"))
                    .compose(r -> r.send()).onSuccess(resp -> {
                        connected.countDown();
                        resp.handler(chunk -> {
                            long r = round.get();
                            if (r >= 0 && seen[0] < r && chunk.toString().contains("round=" + r + "<")) {
                                seen[0] = r;
                                latencies.add(System.nanoTime() - startedAt.get());
                                delivered[0].countDown();
                            }
                        });
                    }).onFailure(e -> System.err.println("client failed: " + e));
        }
        if (!connected.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("only " + (clients - connected.getCount()) + " clients connected");
        }
        Thread.sleep(1000);
        System.gc();
        Thread.sleep(500);
        System.gc();
        long heapAfter = FoundationBench.usedHeap();

        List<Long> all = new ArrayList<>();
        List<Long> informer = new ArrayList<>();
        List<Long> publish = new ArrayList<>();
        List<Long> first = new ArrayList<>();
        List<Long> spread = new ArrayList<>();
        int missed = 0;
        for (int r = 0; r < rounds; r++) {
            latencies.clear();
            delivered[0] = new CountDownLatch(clients);
            informerAt.set(0);
            publishedAt.set(0);
            startedAt.set(System.nanoTime());
            round.set(r);
            api.withName("web").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"round\":\"" + r + "\"}}}");
            if (!delivered[0].await(30, TimeUnit.SECONDS)) {
                missed += (int) delivered[0].getCount();
            }
            if (r >= 3) { // the first rounds warm the JIT
                all.addAll(latencies);
                long s0 = startedAt.get();
                informer.add(informerAt.get() - s0);
                publish.add(publishedAt.get() - informerAt.get());
                long min = latencies.stream().mapToLong(Long::longValue).min().orElse(0);
                long max = latencies.stream().mapToLong(Long::longValue).max().orElse(0);
                first.add(min - (publishedAt.get() - s0));
                spread.add(max - min);
            }
            Thread.sleep(200);
        }
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("console SSE: %d clients, %d rounds (%d deliveries measured, %d missed)%n", clients, rounds, sorted.length, missed);
        System.out.printf("  delivery latency (API write -> informer -> hub -> rendered row read by the client): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                FoundationBench.pct(sorted, 50) / 1e6, FoundationBench.pct(sorted, 99) / 1e6, sorted[sorted.length - 1] / 1e6);
        System.out.printf("  stages (median / max over rounds): API write -> informer handler %s; informer -> hub publish %s;"
                        + " publish -> first client read %s; first -> last client read %s%n",
                stage(informer), stage(publish), stage(first), stage(spread));
        System.out.printf("  clients on %s%n", shared ? "the server's Vert.x instance (shared event loops)" : "their own Vert.x instance");
        System.out.printf("  heap per connected client (server + client side, one JVM): %.1f KiB%n", (heapAfter - heapBefore) / 1024.0 / clients);
        http.close();
        join(server.close().toCompletionStage());
        join(manager.stop().toCompletionStage());
        cluster.close();
        if (!shared) {
            join(clientVertx.close().toCompletionStage());
        }
        join(vertx.close().toCompletionStage());
        System.exit(0);
    }

    private static String stage(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted.length == 0 ? "-" : String.format("%.1f / %.1f ms", FoundationBench.pct(sorted, 50) / 1e6, sorted[sorted.length - 1] / 1e6);
    }
}
