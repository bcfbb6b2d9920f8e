package io.kapacitystack.kapacity.bench;

import io.cloudevents.core.message.Encoding;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.metrics.sandbox.SandboxMetricsProvider;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.stream.EmbeddedKafka;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingEventPublisher;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scaling-event stream through the real controllers (docs/benchmarks.md, "Scaling-event stream"): the sandbox's
 * API and simulator in this JVM without controllers of their own, N cron IHPAs (each with its StatefulSet) whose
 * boundaries fall at the same instants of one {@link ManualClock}, and a manager built as the sandbox builds it
 * ({@link SandboxApp#managerSettings}, a client of its own from the kubeconfig) with a higher API rate limit. Runs
 * alternate in pairs, Kafka on (publishing to a real broker in this process) then off, each with a fresh manager on
 * the same sandbox. Per boundary: cron boundary to StatefulSet replicas written (seen by the sandbox's own client),
 * each controller's reconcile time (from its histogram), and with Kafka the records, records/s while the controllers
 * make them, and latency from the planner's decision (and from publish()) to the broker's acknowledgement. Run with
 * {@code scripts/bench.sh kafka-controllers [ihpas] [boundaries] [pairs] [concurrency] [qps]}; nothing here asserts a time.
 */
public final class KafkaControllerBench {

    private static final Instant HOUR = Instant.parse("2026-11-23T08:00:00Z");
    private static final String NS = "bench";
    private static final String[] CONTROLLERS = {"intelligenthorizontalpodautoscaler", "replicaprofile"};
    /** Real time one boundary, or a quiet period, may take before the run is given up. */
    private static final Duration BOUND = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int ihpas = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int boundaries = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int pairs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int concurrency = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int qps = args.length > 5 ? Integer.parseInt(args[5]) : 5000;
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, HOUR.plus(Duration.ofMinutes(5)));
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = Files.createTempFile("kafka-controllers", ".kubeconfig");
        s.controllers = false;
        s.clock = clock;
        SandboxApp app = Await.result(SandboxApp.start(vertx, s), Duration.ofMinutes(2));
        try (EmbeddedKafka broker = EmbeddedKafka.builder().port(0).start()) {
            broker.createTopic("bench", 6, Duration.ofSeconds(60));
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), "bench", Map.of(),
                    KafkaSettings.DEFAULT_BUFFER, Encoding.BINARY);
            create(app.cluster().client(), ihpas);
            Bench bench = new Bench(vertx, app, clock, s.kubeconfig, ihpas, concurrency, qps);
            bench.watchReplicas();
            System.out.printf("%d IHPAs, %d boundaries a run, %d pairs, reconcile concurrency %d, API qps/burst %d; uptime: %s%n",
                    ihpas, boundaries, pairs, concurrency, qps, uptime());
            for (int pair = 1; pair <= pairs; pair++) {
                // Kafka first: the second run has the warmer JIT, so a slowdown from Kafka cannot hide behind warm-up
                bench.run(pair, boundaries, kafka);
                bench.run(pair, boundaries, null);
            }
            System.out.println("uptime after: " + uptime());
        } finally {
            Await.result(app.close(), Duration.ofMinutes(1));
            Await.result(vertx.close(), Duration.ofSeconds(30));
        }
        System.exit(0);
    }

    static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    /** N StatefulSets and their cron IHPAs in one namespace, created through the sandbox's own client. */
    static void create(KubernetesClient c, int n) throws InterruptedException {
        long t0 = System.nanoTime();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        ExecutorService creators = Executors.newFixedThreadPool(8);
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            int id = i;
            creators.execute(() -> {
                try {
                    c.apps().statefulSets().inNamespace(NS).resource(FoundationBench.sts("sts-" + id)).create();
                    c.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS)
                            .resource(c.getKubernetesSerialization().unmarshal(
                                    FoundationBench.ihpaYaml("ihpa-" + id, "sts-" + id), GenericKubernetesResource.class))
                            .create();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            });
        }
        creators.shutdown();
        creators.awaitTermination(10, TimeUnit.MINUTES);
        System.out.printf("created %d StatefulSets and IHPAs in %.1f s, %d failures%n", n, (System.nanoTime() - t0) / 1e9, failures.get());
    }

    /**
     * Boundaries at minutes 10, 20, 30, 40 and 50 of each hour (cron-2..cron-5 start: 2..5 replicas; at 50 the last
     * ends: 1); minute 0 changes nothing (cron-1 asks 1, as the static portrait does) and is passed outside any
     * measurement.
     */
    static Instant boundary(int k) {
        return HOUR.plus(Duration.ofMinutes(10L * (k + (k - 1) / 5)));
    }

    static int replicasAt(Instant boundary) {
        long minute = Duration.between(HOUR, boundary).toMinutes() % 60;
        return minute == 50 ? 1 : (int) (minute / 10 + 1);
    }

    static final class Bench {
        private final Vertx vertx;
        private final SandboxApp app;
        private final ManualClock clock;
        private final Path kubeconfig;
        private final int n;
        private final int concurrency;
        private final int qps;
        private final Map<String, Integer> expected = new ConcurrentHashMap<>();
        private final Map<String, Long> reachedAt = new ConcurrentHashMap<>();
        private SharedIndexInformer<StatefulSet> replicas;
        private int nextBoundary = 1;

        Bench(Vertx vertx, SandboxApp app, ManualClock clock, Path kubeconfig, int n, int concurrency, int qps) {
            this.vertx = vertx;
            this.app = app;
            this.clock = clock;
            this.kubeconfig = kubeconfig;
            this.n = n;
            this.concurrency = concurrency;
            this.qps = qps;
        }

        /** When each StatefulSet's replicas first equal what the current boundary asks (sandbox's own client). */
        void watchReplicas() {
            replicas = app.cluster().client().apps().statefulSets().inNamespace(NS).inform(ScaleBench.handler((sts, created) -> {
                Integer want = expected.get(sts.getMetadata().getName());
                if (want != null && want.equals(sts.getSpec().getReplicas())) {
                    reachedAt.putIfAbsent(sts.getMetadata().getName(), System.nanoTime());
                }
            }));
        }

        void run(int pair, int boundaries, KafkaSettings kafka) throws Exception {
            ControllerMetrics metrics = new ControllerMetrics();
            ScalingEventPublisher publisher = kafka == null ? null : new ScalingEventPublisher(kafka);
            Acks acks = new Acks();
            if (publisher != null) {
                publisher.onAcknowledged(acks::add);
            }
            Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
            KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
                    .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
            ControllerManager.Settings settings = SandboxApp.managerSettings(clock, app.grpcPort());
            settings.qps = qps;
            settings.burst = qps;
            settings.concurrency = concurrency;
            ControllerManager manager = new ControllerManager(vertx, client, clock, metrics, settings);
            manager.useMetrics(new SandboxMetricsProvider(vertx, app.cluster()));
            if (publisher != null) {
                manager.scalingEvents(publisher);
            }
            long started = System.nanoTime();
            Await.result(manager.startCaches(), BOUND);
            manager.startControllers();
            quiet(manager, metrics, publisher);
            System.out.printf("pair %d, Kafka %s: manager started and quiet after %.1f s%n", pair, kafka == null ? "off" : "on",
                    (System.nanoTime() - started) / 1e9);
            List<Long> toScale = new ArrayList<>();
            List<Long> sinceDecision = new ArrayList<>();
            List<Long> sincePublish = new ArrayList<>();
            long[] reconciles = new long[2 * (BUCKETS.length + 2)];
            double busySeconds = 0;
            try {
                for (int b = 0; b < boundaries; b++) {
                    Instant at = boundary(nextBoundary++);
                    // the quiet five minutes before: what the previous boundary started (pods starting) is done
                    clock.advanceTo(at.minus(Duration.ofMinutes(5)));
                    quiet(manager, metrics, publisher);
                    int want = replicasAt(at);
                    reachedAt.clear();
                    expected.clear();
                    for (int i = 0; i < n; i++) {
                        expected.put("sts-" + i, want);
                    }
                    Map<String, long[]> before = reconcileHistograms(metrics.scrape());
                    int acked = acks.count();
                    long t0 = System.nanoTime();
                    clock.advanceTo(at);
                    Await.until(n + " StatefulSets at " + want + " replicas after " + at, BOUND, () -> reachedAt.size() == n);
                    reachedAt.values().forEach(t -> toScale.add(t - t0));
                    quiet(manager, metrics, publisher);
                    Map<String, long[]> after = reconcileHistograms(metrics.scrape());
                    for (int c = 0; c < CONTROLLERS.length; c++) {
                        long[] d = delta(after.get(CONTROLLERS[c]), before.get(CONTROLLERS[c]));
                        for (int i = 0; i < d.length; i++) {
                            reconciles[c * d.length + i] += d[i];
                        }
                    }
                    int count = acks.count();
                    if (count > acked) {
                        busySeconds += (acks.lastAt(count - 1) - t0) / 1e9;
                        sinceDecision.addAll(acks.slice(acked, count, true));
                        sincePublish.addAll(acks.slice(acked, count, false));
                    }
                }
            } finally {
                Await.result(manager.stop(), BOUND);
                client.close();
                if (publisher != null) {
                    publisher.close(Duration.ofSeconds(30));
                }
            }
            report(pair, boundaries, kafka != null, toScale, reconciles, sinceDecision, sincePublish, busySeconds, publisher);
        }

        private void report(int pair, int boundaries, boolean kafka, List<Long> toScale, long[] reconciles,
                            List<Long> sinceDecision, List<Long> sincePublish, double busySeconds, ScalingEventPublisher publisher) {
            long[] scale = sorted(toScale);
            System.out.printf("pair %d, Kafka %s, %d IHPAs, %d boundaries: boundary -> replicas written p50 %.0f ms p99 %.0f ms max %.0f ms%n",
                    pair, kafka ? "on " : "off", n, boundaries, FoundationBench.pct(scale, 50) / 1e6,
                    FoundationBench.pct(scale, 99) / 1e6, scale[scale.length - 1] / 1e6);
            for (int c = 0; c < CONTROLLERS.length; c++) {
                long[] delta = Arrays.copyOfRange(reconciles, c * (BUCKETS.length + 2), (c + 1) * (BUCKETS.length + 2));
                System.out.printf("  reconcile %s: %d reconciles, mean %.2f ms, p50 <= %s, p90 <= %s, p99 <= %s, max <= %s (histogram buckets)%n",
                        CONTROLLERS[c], delta[BUCKETS.length + 1], delta[BUCKETS.length] / 1e6 / Math.max(1, delta[BUCKETS.length + 1]),
                        bucketOf(delta, 0.50), bucketOf(delta, 0.90), bucketOf(delta, 0.99), bucketOf(delta, 1.0));
            }
            if (publisher != null && !sinceDecision.isEmpty()) {
                long[] decision = sorted(sinceDecision);
                long[] publish = sorted(sincePublish);
                System.out.printf("  records acknowledged %d (%.1f per IHPA and boundary), %.0f records/s over the %.1f s from the"
                                + " boundaries to their last record; decision -> ack p50 %.1f ms p99 %.1f ms max %.1f ms;"
                                + " publish() -> ack p50 %.1f ms p99 %.1f ms max %.1f ms; failed %d dropped %d%n",
                        decision.length, decision.length / (double) n / boundaries, decision.length / busySeconds, busySeconds,
                        FoundationBench.pct(decision, 50) / 1e6, FoundationBench.pct(decision, 99) / 1e6,
                        decision[decision.length - 1] / 1e6, FoundationBench.pct(publish, 50) / 1e6,
                        FoundationBench.pct(publish, 99) / 1e6, publish[publish.length - 1] / 1e6,
                        publisher.failed(), publisher.dropped());
            }
        }

        /**
         * Until both work queues are empty, no reconcile has finished for half a second (a reconcile in progress is
         * not in the queue) and the publisher's buffer is empty.
         */
        private void quiet(ControllerManager manager, ControllerMetrics metrics, ScalingEventPublisher publisher) {
            AtomicLong lastCount = new AtomicLong(-1);
            AtomicLong since = new AtomicLong(System.nanoTime());
            Await.until("controllers quiet", BOUND, () -> {
                long count = reconcileHistograms(metrics.scrape()).values().stream().mapToLong(h -> h[BUCKETS.length + 1]).sum();
                if (count != lastCount.getAndSet(count) || manager.ihpaController().depth() > 0
                        || manager.replicaProfileController().depth() > 0 || (publisher != null && publisher.buffered() > 0)) {
                    since.set(System.nanoTime());
                    return false;
                }
                return System.nanoTime() - since.get() > 500_000_000L;
            });
        }
    }

    private static long[] sorted(List<Long> values) {
        long[] out = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(out);
        return out;
    }

    /** Acknowledgements: both latencies and when each came. */
    static final class Acks {
        private final long[] sinceDecision = new long[2_000_000];
        private final long[] sincePublish = new long[2_000_000];
        private final long[] at = new long[2_000_000];
        private int count;

        synchronized void add(long decision, long publish) {
            if (count < at.length) {
                sinceDecision[count] = decision;
                sincePublish[count] = publish;
                at[count++] = System.nanoTime();
            }
        }

        synchronized int count() {
            return count;
        }

        synchronized long lastAt(int i) {
            return at[i];
        }

        synchronized List<Long> slice(int from, int to, boolean fromDecision) {
            return Arrays.stream(fromDecision ? sinceDecision : sincePublish, from, to).boxed().toList();
        }
    }

    private static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final Pattern SERIES = Pattern.compile(
            "controller_runtime_reconcile_time_seconds_(bucket|sum|count)\\{controller=\"([^\"]+)\"(?:,le=\"([^\"]+)\")?}\\s+(\\S+)");

    /**
     * Each controller's reconcile-time histogram from /metrics: cumulative bucket counts for {@link #BUCKETS}, then
     * the sum in nanoseconds and the count.
     */
    static Map<String, long[]> reconcileHistograms(String scrape) {
        Map<String, long[]> out = new ConcurrentHashMap<>();
        Matcher m = SERIES.matcher(scrape);
        while (m.find()) {
            long[] h = out.computeIfAbsent(m.group(2), c -> new long[BUCKETS.length + 2]);
            double value = Double.parseDouble(m.group(4));
            switch (m.group(1)) {
                case "sum" -> h[BUCKETS.length] = Math.round(value * 1e9);
                case "count" -> h[BUCKETS.length + 1] = Math.round(value);
                default -> {
                    for (int i = 0; i < BUCKETS.length; i++) {
                        if (!m.group(3).equals("+Inf") && Double.parseDouble(m.group(3)) == BUCKETS[i]) {
                            h[i] = Math.round(value);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static long[] delta(long[] after, long[] before) {
        long[] d = new long[BUCKETS.length + 2];
        for (int i = 0; i < d.length; i++) {
            d[i] = (after == null ? 0 : after[i]) - (before == null ? 0 : before[i]);
        }
        return d;
    }

    /** The upper bound of the bucket that holds quantile q. */
    private static String bucketOf(long[] delta, double q) {
        long total = delta[BUCKETS.length + 1];
        for (int i = 0; i < BUCKETS.length; i++) {
            if (delta[i] >= Math.ceil(q * total)) {
                return BUCKETS[i] * 1000 + " ms";
            }
        }
        return "> " + BUCKETS[BUCKETS.length - 1] + " s";
    }
}
