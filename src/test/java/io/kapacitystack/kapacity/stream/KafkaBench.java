package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scaling-event stream's numbers for docs/benchmarks.md (scripts/bench.sh kafka): publish latency from the
 * decision to the broker's acknowledgement with 1,000 objects scaling every second, the cost of publish() to the
 * caller (a reconcile), sustained records/s, and heap per buffered record while Kafka is down.
 */
public final class KafkaBench {

    public static void main(String[] args) throws Exception {
        int objects = 1000;
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic("bench", 6);
            KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "bench", Map.of(), 1_000_000, Encoding.BINARY);
            try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
                long[] latencies = new long[2_000_000];
                AtomicInteger n = new AtomicInteger();
                p.onAcknowledged((nanos, sincePublish) -> {
                    int i = n.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[i] = nanos;
                    }
                });
                // warm-up: a running manager's encoding and producer paths are compiled (C2); the first ~30,000
                // records of a fresh JVM run interpreted and take several times longer
                for (int round = 0; round < 30; round++) {
                    publish(p, objects, round, 1);
                    await(p, (round + 1L) * objects);
                }
                n.set(0);
                // 1,000 objects each scaling once a second (3 facts: portrait, ReplicaProfile, Event), for 20 s:
                // all 3,000 at the same instant (the worst case), then each object at its own moment of the second
                // (as reconciles come: one API write each)
                paced(p, objects, latencies, n, true);
                paced(p, objects, latencies, n, false);
                // as fast as possible
                long before = p.sent();
                long t0 = System.nanoTime();
                publish(p, objects, 100, 200);
                await(p, before + 200L * objects);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("burst: %d records acknowledged in %.2f s = %.0f records/s%n", 200 * objects, secs, 200 * objects / secs);
            }
        }
        // heap per buffered record while Kafka is unreachable
        KafkaSettings down = new KafkaSettings("127.0.0.1:1", "bench", Map.of(), 1_000_000, Encoding.BINARY);
        try (ScalingEventPublisher p = new ScalingEventPublisher(down)) {
            long heap0 = heap();
            int count = 200_000;
            for (int i = 0; i < count; i++) {
                p.publish(fact(i % objects, i));
            }
            long heap1 = heap();
            System.out.printf("buffered while down: %d records, %.0f bytes per record (fact + id + queue entry)%n",
                    p.buffered(), (heap1 - heap0) / (double) count);
            p.close(Duration.ZERO);
        }
    }

    private static void paced(ScalingEventPublisher p, int objects, long[] latencies, AtomicInteger n, boolean burst)
            throws InterruptedException {
        long sentBefore = p.sent();
        n.set(0);
        long[] callNanos = new long[20 * objects * 3];
        int calls = 0;
        long start = System.nanoTime();
        for (int second = 0; second < 20; second++) {
            for (int o = 0; o < objects; o++) {
                if (!burst || o == 0) {
                    // parked, not spinning: a spinning publisher would take one of the machine's two cores
                    long due = start + second * 1_000_000_000L + (burst ? 0 : o * 1_000_000_000L / objects);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                for (int k = 0; k < 3; k++) {
                    long t = System.nanoTime();
                    p.publish(fact(o, second * 3 + k));
                    callNanos[calls++] = System.nanoTime() - t;
                }
            }
        }
        await(p, sentBefore + calls);
        long[] l = Arrays.copyOf(latencies, Math.min(n.get(), latencies.length));
        Arrays.sort(l);
        Arrays.sort(callNanos);
        System.out.printf("paced %s: %d records (%d objects x 3/s, 20 s): ack latency p50 %.2f ms p99 %.2f ms max %.2f ms; "
                        + "publish() p50 %.1f us p99 %.1f us max %.1f us; failed %d dropped %d%n",
                burst ? "(all of a second at once)" : "(spread over each second)",
                calls, objects, pct(l, 50) / 1e6, pct(l, 99) / 1e6, l[l.length - 1] / 1e6,
                pct(callNanos, 50) / 1e3, pct(callNanos, 99) / 1e3, callNanos[callNanos.length - 1] / 1e3, p.failed(), p.dropped());
    }

    private static void publish(ScalingEventPublisher p, int objects, int from, int rounds) {
        for (int r = from; r < from + rounds; r++) {
            for (int o = 0; o < objects; o++) {
                p.publish(fact(o, r));
            }
        }
    }

    static ScalingFact fact(int object, int seq) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("online", Map.of("before", seq, "after", seq + 1));
        data.put("cutoff", Map.of("before", 0, "after", 0));
        data.put("standby", Map.of("before", 0, "after", 0));
        return new ScalingFact(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile", "ns-" + object % 50, "app-" + object,
                Instant.now(), data, System.nanoTime());
    }

    private static void await(ScalingEventPublisher p, long sent) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (p.sent() < sent && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static double pct(long[] sorted, int p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    private static long heap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
