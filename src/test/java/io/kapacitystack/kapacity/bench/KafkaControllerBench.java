package io.kapacitystack.kapacity.bench;

import io.cloudevents.core.message.Encoding;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.stream.EmbeddedKafka;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingEventPublisher;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scaling-event stream through the real controllers (docs/benchmarks.md, "Scaling-event stream"): N cron IHPAs
 * on fabric8's mock API whose boundaries fall at the same instant, once without Kafka and once publishing to a real
 * broker in this process. Per run: cron boundary to StatefulSet replicas written, each controller's reconcile time
 * (from its histogram), and with Kafka the records, records/s while the controllers make them, and latency from the
 * planner's decision (and from publish()) to the broker's acknowledgement. Run with
 * {@code scripts/bench.sh kafka-controllers [ihpas] [boundaries] [pairs]}; nothing here asserts a time.
 */
public final class KafkaControllerBench {

    private static final Instant HOUR = Instant.parse("2026-11-23T08:00:00Z");
    private static final String[] CONTROLLERS = {"intelligenthorizontalpodautoscaler", "replicaprofile"};

    public static void main(String[] args) throws Exception {
        int ihpas = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int boundaries = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int pairs = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        try (EmbeddedKafka broker = EmbeddedKafka.builder().port(0).start()) {
            broker.createTopic("bench", 6, Duration.ofSeconds(60));
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), "bench", Map.of(),
                    KafkaSettings.DEFAULT_BUFFER, Encoding.BINARY);
            for (int pair = 0; pair < pairs; pair++) {
                // Kafka first: the second run has the warmer JIT, so a slowdown from Kafka cannot hide behind warm-up
                run(ihpas, boundaries, kafka);
                run(ihpas, boundaries, null);
            }
        }
        System.exit(0);
    }

    static void run(int n, int boundaries, KafkaSettings kafka) throws Exception {
        Vertx vertx = Vertx.vertx();
        ScalingEventPublisher publisher = kafka == null ? null : new ScalingEventPublisher(kafka);
        try (MockCluster cluster = new MockCluster(vertx)) {
            ManualClock clock = new ManualClock(vertx, HOUR.plus(Duration.ofMinutes(5)));
            String ns = "bench";
            cluster.namespace(ns);
            for (int i = 0; i < n; i++) {
                cluster.client.apps().statefulSets().inNamespace(ns).resource(FoundationBench.sts("sts-" + i)).create();
                cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, FoundationBench.ihpaYaml("ihpa-" + i, "sts-" + i), ns);
            }
            cluster.startManager(clock, FoundationBench.benchSettings());
            Acks acks = new Acks();
            if (publisher != null) {
                cluster.manager.scalingEvents(publisher);
                publisher.onAcknowledged(acks::add);
            }
            Map<String, Integer> expected = new ConcurrentHashMap<>();
            Map<String, Long> reachedAt = new ConcurrentHashMap<>();
            FoundationBench.watchReplicas(cluster, ns, expected, reachedAt);
            FoundationBench.settle(cluster);
            drained(publisher);
            acks.clear();
            Map<String, long[]> before = reconcileHistograms(cluster.metrics.scrape());
            List<Long> toScale = new ArrayList<>();
            double busySeconds = 0;
            for (int b = 1; b <= boundaries; b++) {
                // minutes 10, 20, 30, ...: cron-2, cron-3, ... of every IHPA start at the same instant
                int minute = 10 * b;
                int want = minute / 10 + 1;
                expected.clear();
                reachedAt.clear();
                for (int i = 0; i < n; i++) {
                    expected.put("sts-" + i, want);
                }
                int acked = acks.count();
                long t0 = System.nanoTime();
                clock.advanceTo(HOUR.plus(Duration.ofMinutes(minute)));
                FoundationBench.waitFor(() -> reachedAt.size() == n, 1200);
                reachedAt.values().forEach(t -> toScale.add(t - t0));
                FoundationBench.settle(cluster);
                drained(publisher);
                if (acks.count() > acked) {
                    busySeconds += (acks.lastAt(acks.count() - 1) - t0) / 1e9;
                }
            }
            Map<String, long[]> after = reconcileHistograms(cluster.metrics.scrape());
            long[] scale = toScale.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("%s, %d IHPAs, %d boundaries: boundary -> replicas written p50 %.0f ms p99 %.0f ms max %.0f ms%n",
                    kafka == null ? "Kafka off" : "Kafka on ", n, boundaries, FoundationBench.pct(scale, 50) / 1e6,
                    FoundationBench.pct(scale, 99) / 1e6, scale[scale.length - 1] / 1e6);
            for (String c : CONTROLLERS) {
                long[] delta = delta(after.get(c), before.get(c));
                System.out.printf("  reconcile %s: %d reconciles, mean %.1f ms, p50 <= %s, p99 <= %s (histogram buckets)%n",
                        c, delta[BUCKETS.length + 1], delta[BUCKETS.length] / 1e6 / Math.max(1, delta[BUCKETS.length + 1]),
                        bucketOf(delta, 0.50), bucketOf(delta, 0.99));
            }
            if (publisher != null) {
                long[] decision = acks.sorted(true);
                long[] publish = acks.sorted(false);
                System.out.printf("  records acknowledged %d (%.0f per IHPA and boundary), %.0f records/s over the %.1f s from the"
                                + " boundaries to their last record; decision -> ack p50 %.1f ms p99 %.1f ms max %.1f ms;"
                                + " publish() -> ack p50 %.1f ms p99 %.1f ms max %.1f ms; failed %d dropped %d%n",
                        decision.length, decision.length / (double) n / boundaries, decision.length / busySeconds, busySeconds,
                        FoundationBench.pct(decision, 50) / 1e6, FoundationBench.pct(decision, 99) / 1e6,
                        decision[decision.length - 1] / 1e6, FoundationBench.pct(publish, 50) / 1e6,
                        FoundationBench.pct(publish, 99) / 1e6, publish[publish.length - 1] / 1e6,
                        publisher.failed(), publisher.dropped());
            }
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static void drained(ScalingEventPublisher publisher) throws InterruptedException {
        if (publisher != null) {
            FoundationBench.waitFor(() -> publisher.buffered() == 0, 600);
        }
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

        synchronized void clear() {
            count = 0;
        }

        synchronized int count() {
            return count;
        }

        synchronized long lastAt(int i) {
            return at[i];
        }

        synchronized long[] sorted(boolean fromDecision) {
            long[] out = Arrays.copyOf(fromDecision ? sinceDecision : sincePublish, count);
            Arrays.sort(out);
            return out;
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
