package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingFact;
import io.kapacitystack.kapacity.stream.StreamReader;
import io.kapacitystack.kapacity.stream.StreamRecord;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kapacity.jar sandbox --kafka embedded}: the command's flags start a broker in the process, the cron sample's
 * step reaches its topic, and the banner's way of reading it works (our {@code events} reader, and kcat as an
 * independent client).
 */
class SandboxKafkaIT {

    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2026-11-23T08:09:50Z");

    @Test
    void kafkaEmbeddedStartsABrokerThatReceivesTheCronSamplesRecords() throws Exception {
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

            app.loadSamples(vertx, List.of("cron")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            List<StreamRecord> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread follower = new Thread(() -> {
                try (StreamReader reader = new StreamReader(kafka)) {
                    reader.follow(START.minus(Duration.ofHours(1)), Duration.ofSeconds(20), seen::add, stop::get);
                }
            });
            follower.start();
            try {
                // 08:10: the cron sample goes from 1 to 2 replicas
                Await.until("the cron sample's step on the embedded broker's topic", Duration.ofSeconds(120), () -> {
                    if (seen.stream().anyMatch(r -> r.namespace().equals("cron-sample")
                            && r.type().equals(ScalingFact.REPLICA_PROFILE_CHANGED)
                            && Integer.valueOf(2).equals(((Map<?, ?>) r.data().get("online")).get("after")))) {
                        return true;
                    }
                    clock.advance(Duration.ofSeconds(1));
                    return false;
                });
            } finally {
                stop.set(true);
                follower.join(10_000);
            }

            // kcat (librdkafka), as the banner says, sees the same records under the IHPA's key
            Process kcat = new ProcessBuilder("kcat", "-C", "-b", kafka.bootstrapServers(), "-t", kafka.topic(), "-e", "-q",
                    "-f", "%k %h\\n").redirectErrorStream(true).start();
            String out = new String(kcat.getInputStream().readAllBytes());
            assertTrue(kcat.waitFor(60, TimeUnit.SECONDS), "kcat did not finish");
            assertEquals(0, kcat.exitValue(), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("cron-sample/cron-portrait-sample ")
                    && l.contains("ce_specversion=1.0") && l.contains("ce_type=" + ScalingFact.REPLICA_PROFILE_CHANGED)), out);
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
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
