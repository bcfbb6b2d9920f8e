package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.console.ConsoleHub;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox's samples scaling with the stream on, against a real broker: the records of a cron step and of a gray
 * scale-down, then the console of a restarted sandbox rebuilt from the topic.
 */
class SandboxStreamIT {

    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2026-11-23T08:09:50Z");

    private static SandboxApp start(Vertx vertx, Path kubeconfig, ManualClock clock, KafkaSettings kafka, Duration history)
            throws Exception {
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = kubeconfig;
        s.clock = clock;
        s.kafka = kafka;
        s.kafkaHistory = history;
        return SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static List<StreamRecord> read(KafkaSettings kafka) {
        try (StreamReader reader = new StreamReader(kafka)) {
            return reader.readSince(START.minus(Duration.ofHours(1)), Duration.ofSeconds(20));
        }
    }

    private static boolean has(List<StreamRecord> records, String ns, Predicate<StreamRecord> p) {
        return records.stream().anyMatch(r -> r.namespace().equals(ns) && p.test(r));
    }

    @Test
    void cronStepAndGrayScaleDownAreRecordsAndARestartedConsoleRebuildsItsHistory() throws Exception {
        // The broker and the first sandbox start side by side (both are mostly class loading when the JVM is cold):
        // the broker's address is chosen first, the producer connects with the first record, after the topic exists.
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        java.util.concurrent.CompletableFuture<EmbeddedKafka> starting = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> EmbeddedKafka.builder().port(port).config("auto.create.topics.enable", "false").start());
        KafkaSettings kafka = new KafkaSettings("127.0.0.1:" + port, KafkaSettings.DEFAULT_TOPIC, Map.of(), 10_000, Encoding.BINARY);
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, START);
        SandboxApp app = null;
        try {
            // nothing to restore yet: the first console does not read the topic
            app = start(vertx, dir.resolve("k1"), clock, kafka, Duration.ZERO);
        } finally {
            if (app == null) {
                starting.join().close();
            }
        }
        try (EmbeddedKafka broker = starting.join()) {
            broker.createTopic(KafkaSettings.DEFAULT_TOPIC, 3, Duration.ofSeconds(60));
            try {
                app.loadSamples(vertx, List.of("cron", "gray")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                // 08:09:50: cron 1 replica, gray 5; at 08:10 the cron sample goes to 2 and the gray sample scales down in steps
                List<StreamRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread follower = new Thread(() -> {
                    try (StreamReader reader = new StreamReader(kafka)) {
                        reader.follow(START.minus(Duration.ofHours(1)), Duration.ofSeconds(20), seen::add, stop::get);
                    }
                });
                follower.start();
                try {
                    Await.until("the gray scale-down to complete on the stream", Duration.ofSeconds(120), () -> {
                        if (has(seen, "gray-sample", r -> r.type().equals(ScalingFact.GRAY_STEP) && "completed".equals(r.data().get("stage")))
                                && has(seen, "cron-sample", r -> r.type().equals(ScalingFact.REPLICA_PROFILE_CHANGED)
                                && Integer.valueOf(2).equals(((Map<?, ?>) r.data().get("online")).get("after")))) {
                            return true;
                        }
                        // 5 simulated seconds per look: the gray steps are minutes apart (the assertions need no step in between)
                        clock.advance(Duration.ofSeconds(5));
                        return false;
                    });
                } finally {
                    stop.set(true);
                    follower.join(10_000);
                }
                assertTrue(app.publisher().sent() > 0);
            } finally {
                app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            List<StreamRecord> records = read(kafka);
            // cron: the profile's step and its Event, in Kapacity's words
            assertTrue(has(records, "cron-sample", r -> r.type().equals(ScalingFact.EVENT_RECORDED)
                    && "UpdateReplicaProfile".equals(r.data().get("reason"))
                    && String.valueOf(r.data().get("message")).contains("onlineReplcas: 1 -> 2")), records.toString());
            assertTrue(has(records, "cron-sample", r -> r.type().equals(ScalingFact.PORTRAIT_CHANGED)
                    && Integer.valueOf(2).equals(((Map<?, ?>) r.data().get("after")).get("replicas"))));
            // gray: started, then completed (steps in between as the pods allow); the profile parks pods Cutoff on the way
            List<String> stages = records.stream().filter(r -> r.namespace().equals("gray-sample") && r.type().equals(ScalingFact.GRAY_STEP))
                    .map(r -> String.valueOf(r.data().get("stage"))).toList();
            assertEquals("started", stages.get(0), stages.toString());
            assertEquals("completed", stages.get(stages.size() - 1), stages.toString());
            assertTrue(has(records, "gray-sample", r -> r.type().equals(ScalingFact.GRAY_STEP) && "Cutoff".equals(r.data().get("grayState"))));
            assertTrue(has(records, "gray-sample", r -> r.type().equals(ScalingFact.REPLICA_PROFILE_CHANGED)
                    && ((Number) ((Map<?, ?>) r.data().get("cutoff")).get("after")).intValue() > 0));
            for (StreamRecord r : records) {
                assertTrue(r.type().startsWith("io.kapacitystack."), r.type());
                assertEquals(r.namespace() + "/" + r.name(), r.subject());
                assertTrue(r.source().startsWith("/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/" + r.namespace() + "/"), r.source());
                assertFalse(r.time().isBefore(START), "time from the controller's clock: " + r.time());
            }

            // a restarted sandbox (no samples: nothing new happens) has the history in its console
            SandboxApp restarted = start(vertx, dir.resolve("k2"), new ManualClock(vertx, clock.now()), kafka, Duration.ofHours(1));
            try {
                ObjectKey gray = new ObjectKey("gray-sample", "gray-strategy-sample");
                ConsoleHub hub = restarted.console().hub();
                Await.until("the console history read from the stream", Duration.ofSeconds(30),
                        () -> !hub.events(gray).isEmpty() && !hub.timeline(gray).isEmpty());
                List<RecordedEvent> events = hub.events(gray);
                assertTrue(events.stream().anyMatch(e -> e.reason().equals("UpdateReplicaProfile")), events.toString());
                List<ConsoleHub.Point> timeline = hub.timeline(gray);
                assertEquals(1, timeline.get(timeline.size() - 1).online(), timeline.toString());
                assertTrue(timeline.stream().anyMatch(p -> Integer.valueOf(5).equals(p.online())), timeline.toString());
            } finally {
                restarted.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
