package io.kapacitystack.kapacity.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingFact;
import io.kapacitystack.kapacity.stream.StreamReader;
import io.kapacitystack.kapacity.stream.StreamRecord;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kapacity.jar sandbox --kafka embedded}: the command's flags start a broker in the process; the cron sample's
 * full hour (1 → 2 → 3 → 4 → 5 → 1) and the gray sample's scale-down reach its topic as CloudEvents, in order per
 * IHPA; the banner's way of reading it works (our {@code events} reader, and kcat as an independent client).
 */
class SandboxKafkaIT {

    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2026-11-23T08:09:50Z");
    static final String CRON = "cron-sample/cron-portrait-sample";
    static final String GRAY = "gray-sample/gray-strategy-sample";
    /** When the cron sample's replicas change (k8s-examples/cron-portrait-sample.yaml): to 2, 3, 4, 5, then 1. */
    static final List<Instant> CRON_STEPS = java.util.stream.Stream.of("08:10", "08:20", "08:30", "08:40", "09:00")
            .map(t -> Instant.parse("2026-11-23T" + t + ":00Z")).toList();

    /** One record as written: its key and partition beside the CloudEvent decoded from it (either mode). */
    record Written(String key, int partition, long offset, CloudEvent event, Map<String, Object> data) {
        String type() {
            return event.getType();
        }

        Instant time() {
            return event.getTime().toInstant();
        }

        Object at(String... path) {
            Object v = data;
            for (String p : path) {
                v = v instanceof Map<?, ?> m ? m.get(p) : null;
            }
            return v;
        }
    }

    private static List<Written> readAll(KafkaSettings kafka) throws Exception {
        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ObjectMapper json = new ObjectMapper();
        List<Written> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
             CloudEventDeserializer ce = new CloudEventDeserializer()) {
            List<TopicPartition> parts = consumer.partitionsFor(kafka.topic(), Duration.ofSeconds(20)).stream()
                    .map(p -> new TopicPartition(kafka.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            Await.until("the topic read to its end " + end, Duration.ofSeconds(30), () -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    CloudEvent e = ce.deserialize(r.topic(), r.headers(), r.value());
                    try {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> data = json.readValue(e.getData().toBytes(), Map.class);
                        out.add(new Written(r.key(), r.partition(), r.offset(), e, data));
                    } catch (java.io.IOException x) {
                        throw new java.io.UncheckedIOException(x);
                    }
                }
                return parts.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        // one key's records come from one partition: offset order is the order they were written
        out.sort(Comparator.comparingInt(Written::partition).thenComparingLong(Written::offset));
        return out;
    }

    private static List<Written> of(List<Written> all, String key, String type) {
        return all.stream().filter(w -> w.key().equals(key) && w.type().equals(type)).toList();
    }

    private static boolean seen(List<StreamRecord> seen, String key, String type, Predicate<StreamRecord> p) {
        return seen.stream().anyMatch(r -> r.subject().equals(key) && r.type().equals(type) && p.test(r));
    }

    private static boolean onlineAfter(StreamRecord r, int replicas) {
        return Integer.valueOf(replicas).equals(((Map<?, ?>) r.data().get("online")).get("after"));
    }

    /**
     * Moves the sandbox's clock on in 2-second looks until {@code done}, but never past {@code limit}: the
     * controller, not the test's pace, decides when a step happens, and no step is skipped because the clock ran ahead.
     */
    private static void advanceUntil(ManualClock clock, String what, Instant limit, Supplier<Boolean> done,
                                     List<StreamRecord> seen) {
        try {
            Await.until(what, Duration.ofSeconds(120), () -> {
                if (done.get()) {
                    return true;
                }
                if (clock.now().isBefore(limit)) {
                    clock.advance(Duration.ofSeconds(2));
                }
                return false;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " at " + clock.now() + "; on the stream: " + seen.stream()
                    .map(r -> r.time() + " " + r.subject() + " " + r.shortType() + " " + r.data()).toList(), e);
        }
    }

    @Test
    void kafkaEmbeddedRecordsACronHourAndAGrayScaleDownInOrderPerIhpa() throws Exception {
        Flags f = SandboxCommand.flags().parse(new String[]{"--kafka", "embedded", "--kafka-port", "0"});
        SandboxApp.Settings s = new SandboxApp.Settings();
        SandboxCommand.kafka(f, s);
        s.port = 0;
        s.kubeconfig = dir.resolve("kubeconfig");
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, START);
        s.clock = clock;
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        try {
            KafkaSettings kafka = app.kafka();
            assertEquals(KafkaSettings.DEFAULT_TOPIC, kafka.topic());
            String banner = SandboxCommand.kafkaBanner(kafka, true, "");
            assertTrue(banner.contains("\n  java -jar kapacity.jar events --bootstrap-servers " + kafka.bootstrapServers() + " --follow\n"), banner);
            assertTrue(banner.contains("\n  kcat -C -b " + kafka.bootstrapServers() + " -t " + KafkaSettings.DEFAULT_TOPIC + " "), banner);

            // 08:09:50: cron 1 replica, gray 5 (its cron ends at 08:10, then it scales down to 1 in gray steps)
            app.loadSamples(vertx, List.of("cron", "gray")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            List<StreamRecord> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread follower = new Thread(() -> {
                try (StreamReader reader = new StreamReader(kafka)) {
                    reader.follow(START.minus(Duration.ofHours(1)), Duration.ofSeconds(20), seen::add, stop::get);
                }
            });
            follower.start();
            try {
                // one cron boundary at a time (08:10 → 2, 08:20 → 3, 08:30 → 4, 08:40 → 5); the gray sample scales
                // down from 08:10 on at its own pace; back to 1 at 09:00 (no cron covers 08:50-09:00: the last value
                // stays until cron-1 starts again), when the gray sample's cron scales it up again
                // the clock stands until both samples exist at 08:09:50 (cron at 1, gray at 5): loading them may take
                // seconds on a loaded machine, and a gray sample made after 08:10 would start at 1, with nothing to scale down
                advanceUntil(clock, "the samples at their 08:09:50 replicas", START,
                        () -> seen(seen, GRAY, ScalingFact.REPLICA_PROFILE_CHANGED, r -> onlineAfter(r, 5))
                                && seen(seen, CRON, ScalingFact.REPLICA_PROFILE_CHANGED, r -> onlineAfter(r, 1)), seen);
                int[] replicas = {2, 3, 4, 5, 1};
                for (int i = 0; i < replicas.length; i++) {
                    Instant boundary = CRON_STEPS.get(i);
                    if (i == replicas.length - 1) {
                        // completed at 100 %, then after the observation time the parked pods go: 1 online, none parked
                        advanceUntil(clock, "the gray scale-down to complete", boundary.minus(Duration.ofMinutes(1)),
                                () -> seen(seen, GRAY, ScalingFact.GRAY_STEP, r -> "completed".equals(r.data().get("stage")))
                                        && seen(seen, GRAY, ScalingFact.REPLICA_PROFILE_CHANGED, r -> onlineAfter(r, 1)
                                        && Integer.valueOf(0).equals(((Map<?, ?>) r.data().get("cutoff")).get("after"))), seen);
                    }
                    if (clock.now().isBefore(boundary.minusSeconds(5))) {
                        clock.advance(Duration.between(clock.now(), boundary.minusSeconds(5)));
                    }
                    int want = replicas[i];
                    advanceUntil(clock, "the cron sample at " + want, boundary.plus(Duration.ofMinutes(1)),
                            () -> seen(seen, CRON, ScalingFact.REPLICA_PROFILE_CHANGED, r -> onlineAfter(r, want)
                                    && !r.time().isBefore(boundary)), seen);
                }
            } finally {
                stop.set(true);
                follower.join(10_000);
            }
            assertTrue(app.publisher().sent() > 0);
            Instant end = clock.now();

            List<Written> all = readAll(kafka);
            assertEquals(all.size(), all.stream().map(w -> w.event().getId()).distinct().count(), "every id unique");
            Map<String, Set<Integer>> partitions = new HashMap<>();
            Map<String, Instant> lastTime = new HashMap<>();
            for (Written w : all) {
                CloudEvent e = w.event();
                String ns = w.key().substring(0, w.key().indexOf('/'));
                String name = w.key().substring(w.key().indexOf('/') + 1);
                assertEquals(SpecVersion.V1, e.getSpecVersion(), w.toString());
                assertTrue(e.getType().startsWith("io.kapacitystack."), e.getType());
                assertEquals(w.key(), e.getSubject(), "key = subject = namespace/name");
                assertTrue(e.getSource().toString().startsWith("/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/" + ns + "/")
                        && e.getSource().toString().endsWith("/" + name), e.getSource().toString());
                assertFalse(e.getId().isBlank());
                // the controller's clock (the sandbox's, on 2026-11-23), not the machine's
                assertFalse(w.time().isBefore(START) || w.time().isAfter(end), w.time() + " outside " + START + " .. " + end);
                partitions.computeIfAbsent(w.key(), k -> new java.util.HashSet<>()).add(w.partition());
                // in order per key: one writer's facts of one kind are written (offset order) as they were decided (time
                // order). Across kinds a record's time is its decision, and it is written once the API took the write:
                // a status decided before an Event was recorded may follow it.
                String writer = w.key() + " " + w.type() + " " + w.at("component");
                Instant before = lastTime.put(writer, w.time());
                assertFalse(before != null && w.time().isBefore(before), writer + ": " + w.time() + " written after " + before);
            }
            partitions.forEach((key, parts) -> assertEquals(1, parts.size(), key + " in partitions " + parts));
            assertTrue(partitions.keySet().containsAll(List.of(CRON, GRAY)), partitions.toString());

            // cron: the ReplicaProfile goes 1 → 2 → 3 → 4 → 5 → 1, each change at its boundary and chained before → after
            List<Written> cronProfile = of(all, CRON, ScalingFact.REPLICA_PROFILE_CHANGED);
            List<Object> online = cronProfile.stream().map(w -> w.at("online", "after")).toList();
            assertEquals(List.of(2, 3, 4, 5, 1), online.subList(online.indexOf(2), online.size()), online.toString());
            for (int i = 1; i < cronProfile.size(); i++) {
                assertEquals(cronProfile.get(i - 1).at("online", "after"), cronProfile.get(i).at("online", "before"), cronProfile.toString());
            }
            for (int i = 0; i < 5; i++) {
                Written step = cronProfile.get(online.indexOf(2) + i);
                Instant boundary = CRON_STEPS.get(i);
                assertFalse(step.time().isBefore(boundary) || !step.time().isBefore(boundary.plus(Duration.ofMinutes(10))),
                        "the step at " + boundary + " recorded at " + step.time());
            }
            // its portrait value follows the crons, and each profile change is also the Event Kapacity records
            List<Object> portrait = of(all, CRON, ScalingFact.PORTRAIT_CHANGED).stream().map(w -> w.at("after", "replicas")).toList();
            assertTrue(java.util.Collections.indexOfSubList(portrait, List.of(2, 3, 4, 5)) >= 0, portrait.toString());
            assertTrue(of(all, CRON, ScalingFact.PORTRAIT_CHANGED).stream().allMatch(w -> "Cron".equals(w.at("provider"))
                    || w.at("provider") == null), portrait.toString());
            List<String> cronEvents = of(all, CRON, ScalingFact.EVENT_RECORDED).stream()
                    .filter(w -> "UpdateReplicaProfile".equals(w.at("reason"))).map(w -> String.valueOf(w.at("message"))).toList();
            List<String> steps = List.of("1 -> 2", "2 -> 3", "3 -> 4", "4 -> 5", "5 -> 1");
            int from = 0;
            for (String step : steps) {
                int at = indexFrom(cronEvents, from, m -> m.contains("onlineReplcas: " + step + ","));
                assertTrue(at >= 0, "Event for " + step + " after the one before it: " + cronEvents);
                from = at + 1;
            }
            assertFalse(of(all, CRON, ScalingFact.CONDITION_CHANGED).isEmpty(), "the IHPA's conditions as it started");
            assertTrue(of(all, CRON, ScalingFact.CONDITION_CHANGED).stream().allMatch(w -> w.at("conditionType") != null
                    && w.at("status") != null), all.toString());

            // gray, until its cron scales it up again at 09:00: started, completed (percent only grows), each
            // step parking pods Cutoff; the profile goes from 5 online to 1 through Cutoff pods, and ends with none parked
            Instant grayUp = CRON_STEPS.get(4);
            List<Written> gray = of(all, GRAY, ScalingFact.GRAY_STEP).stream().filter(w -> w.time().isBefore(grayUp)).toList();
            List<Object> stages = gray.stream().map(w -> w.at("stage")).toList();
            assertEquals("started", stages.get(0), stages.toString());
            assertEquals("completed", stages.get(stages.size() - 1), stages.toString());
            // changePercent 50: half of the 4 pods, then all of them
            assertEquals(List.of(50, 100), gray.stream().map(w -> w.at("percentAfter")).toList(), gray.toString());
            for (int i = 1; i < gray.size(); i++) {
                assertEquals(gray.get(i - 1).at("percentAfter"), gray.get(i).at("percentBefore"), stages.toString());
                assertTrue(((Number) gray.get(i).at("percentAfter")).intValue() > ((Number) gray.get(i).at("percentBefore")).intValue(),
                        gray.toString());
            }
            assertTrue(gray.stream().allMatch(w -> "Cutoff".equals(w.at("grayState")) && w.at("pods") instanceof Number),
                    gray.toString());
            assertTrue(gray.stream().anyMatch(w -> ((Number) w.at("pods")).intValue() > 0), gray.toString());
            List<Written> grayProfile = of(all, GRAY, ScalingFact.REPLICA_PROFILE_CHANGED).stream()
                    .filter(w -> w.time().isBefore(grayUp)).toList();
            assertTrue(grayProfile.stream().anyMatch(w -> ((Number) w.at("cutoff", "after")).intValue() > 0), grayProfile.toString());
            Written lastGrayProfile = grayProfile.get(grayProfile.size() - 1);
            assertEquals(1, lastGrayProfile.at("online", "after"), grayProfile.toString());
            assertEquals(0, lastGrayProfile.at("cutoff", "after"), grayProfile.toString());
            for (int i = 1; i < grayProfile.size(); i++) {
                assertEquals(grayProfile.get(i - 1).at("online", "after"), grayProfile.get(i).at("online", "before"));
                assertEquals(grayProfile.get(i - 1).at("cutoff", "after"), grayProfile.get(i).at("cutoff", "before"));
            }
            assertTrue(of(all, GRAY, ScalingFact.PORTRAIT_CHANGED).stream().anyMatch(w -> Integer.valueOf(1).equals(w.at("after", "replicas"))));
            assertTrue(of(all, GRAY, ScalingFact.EVENT_RECORDED).stream().anyMatch(w -> "UpdateReplicaProfile".equals(w.at("reason"))));
            assertFalse(of(all, GRAY, ScalingFact.CONDITION_CHANGED).isEmpty());

            // kcat (librdkafka), as the banner says, sees the same records under the IHPA's key
            Process kcat = new ProcessBuilder("kcat", "-C", "-b", kafka.bootstrapServers(), "-t", kafka.topic(), "-e", "-q",
                    "-f", "%k %h\\n").redirectErrorStream(true).start();
            String out = new String(kcat.getInputStream().readAllBytes());
            assertTrue(kcat.waitFor(60, TimeUnit.SECONDS), "kcat did not finish");
            assertEquals(0, kcat.exitValue(), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith(CRON + " ")
                    && l.contains("ce_specversion=1.0") && l.contains("ce_type=" + ScalingFact.REPLICA_PROFILE_CHANGED)), out);
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static int indexFrom(List<String> list, int from, Predicate<String> p) {
        for (int i = from; i < list.size(); i++) {
            if (p.test(list.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void kafkaFlagsAreCheckedBeforeAnythingStarts() throws Exception {
        SandboxApp.Settings none = new SandboxApp.Settings();
        SandboxCommand.kafka(SandboxCommand.flags().parse(new String[0]), none);
        assertNull(none.kafka);
        assertNull(none.embeddedKafkaPort);
        assertEquals("", SandboxCommand.kafkaBanner(null, false, ""));

        assertThrows(IllegalArgumentException.class, () -> SandboxCommand.kafka(
                SandboxCommand.flags().parse(new String[]{"--kafka", "external"}), new SandboxApp.Settings()));
        assertThrows(IllegalArgumentException.class, () -> SandboxCommand.kafka(SandboxCommand.flags().parse(
                new String[]{"--kafka", "embedded", "--kafka-bootstrap-servers", "b:9092"}), new SandboxApp.Settings()));
        assertThrows(IllegalArgumentException.class, () -> SandboxCommand.kafka(SandboxCommand.flags().parse(
                new String[]{"--kafka", "embedded", "--kafka-topic", "bad topic"}), new SandboxApp.Settings()));

        // an existing Kafka with a client properties file: the banner's reader gets the same file, no kcat line
        Path props = dir.resolve("client.properties");
        Files.writeString(props, "security.protocol=SASL_SSL\n");
        SandboxApp.Settings existing = new SandboxApp.Settings();
        SandboxCommand.kafka(SandboxCommand.flags().parse(new String[]{"--kafka-bootstrap-servers", "kafka-0:9093",
                "--kafka-topic", "scaling", "--kafka-client-properties", props.toString()}), existing);
        assertEquals("kafka-0:9093", existing.kafka.bootstrapServers());
        assertEquals("SASL_SSL", existing.kafka.clientProperties().get("security.protocol"));
        String banner = SandboxCommand.kafkaBanner(existing.kafka, false, props.toString());
        assertTrue(banner.endsWith("\n  java -jar kapacity.jar events --bootstrap-servers kafka-0:9093 --topic scaling --client-properties "
                + props + " --follow"), banner);
    }
}
