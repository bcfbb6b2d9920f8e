package io.kapacitystack.kapacity.stream;

import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.kapacitystack.kapacity.testing.Await;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher against a real KRaft broker in this JVM: attributes, order, outages, overflow, missing topic. */
class ScalingEventPublisherIT {

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    static ScalingFact fact(String ns, String name, int seq) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("seq", seq);
        return new ScalingFact(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile", ns, name,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seq), data, System.nanoTime());
    }

    static List<CloudEvent> decode(List<ConsumerRecord<String, byte[]>> records) {
        List<CloudEvent> out = new ArrayList<>();
        try (CloudEventDeserializer d = new CloudEventDeserializer()) {
            for (ConsumerRecord<String, byte[]> r : records) {
                out.add(d.deserialize(r.topic(), r.headers(), r.value()));
            }
        }
        return out;
    }

    static int seq(CloudEvent e) {
        return ((Number) CloudEventMapping.fromCloudEvent(e).data().get("seq")).intValue();
    }

    @Test
    void binaryRecordsCarryCloudEventsAttributesAndOneKeysRecordsStayInOrder() throws Exception {
        broker.createTopic("ordered", 3);
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "ordered", Map.of(), 10_000, Encoding.BINARY);
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            for (int seq = 0; seq < 100; seq++) {
                for (int obj = 0; obj < 10; obj++) {
                    p.publish(fact("ns-" + obj % 3, "app-" + obj, seq));
                }
            }
            Await.until("1000 acknowledged", Duration.ofSeconds(30), () -> p.sent() == 1000);
            assertEquals(0, p.buffered());
            assertEquals(0, p.dropped());
            assertTrue(p.available());
            assertTrue(p.scrape().contains("kapacity_kafka_records_sent_total 1000\n"), p.scrape());
            assertTrue(p.scrape().contains("kapacity_kafka_publish_latency_seconds_count 1000\n"), p.scrape());
        }
        List<ConsumerRecord<String, byte[]>> records = broker.readAll("ordered");
        assertEquals(1000, records.size());
        // binary mode: attributes are ce_ headers, the value is the JSON data alone
        ConsumerRecord<String, byte[]> first = records.get(0);
        assertEquals("1.0", new String(first.headers().lastHeader("ce_specversion").value(), StandardCharsets.UTF_8));
        assertEquals("application/json", new String(first.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
        assertTrue(new String(first.value(), StandardCharsets.UTF_8).startsWith("{\"seq\":"));

        Map<String, List<Integer>> perKey = new HashMap<>();
        Set<String> ids = new HashSet<>();
        List<CloudEvent> events = decode(records);
        for (int i = 0; i < records.size(); i++) {
            CloudEvent e = events.get(i);
            String key = records.get(i).key();
            assertEquals(SpecVersion.V1, e.getSpecVersion());
            assertEquals("io.kapacitystack.replicaprofile.changed", e.getType());
            assertEquals(key, e.getSubject());
            String[] nsName = key.split("/");
            assertEquals("/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/" + nsName[0] + "/replicaprofiles/" + nsName[1],
                    e.getSource().toString());
            assertEquals("application/json", e.getDataContentType());
            assertEquals(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seq(e)), e.getTime().toInstant());
            assertEquals(records.get(i).timestamp(), e.getTime().toInstant().toEpochMilli(), "record time is the fact's");
            assertTrue(ids.add(e.getId()), "unique id " + e.getId());
            perKey.computeIfAbsent(key, k -> new ArrayList<>()).add(seq(e));
        }
        assertEquals(10, perKey.size());
        List<Integer> expected = java.util.stream.IntStream.range(0, 100).boxed().toList();
        perKey.forEach((key, seqs) -> assertEquals(expected, seqs, "order of " + key));
    }

    @Test
    void aFactThatCannotBeEncodedIsCountedAndTheRecordsAfterItGoOn() throws Exception {
        broker.createTopic("unencodable", 1);
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "unencodable", Map.of(), 100, Encoding.BINARY);
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            p.publish(fact("ns", "app", 0));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("seq", new Object()); // Jackson has no serializer for it
            p.publish(new ScalingFact(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile", "ns", "app",
                    Instant.parse("2026-01-01T00:00:00Z"), data, 0));
            p.publish(fact("ns", "app", 2));
            Await.until("the two others acknowledged", Duration.ofSeconds(30), () -> p.sent() == 2);
            assertEquals(1, p.failed());
            assertEquals(0, p.buffered());
            assertTrue(p.available(), "a fact that cannot be encoded says nothing about Kafka");
        }
        assertEquals(List.of(0, 2), decode(broker.readAll("unencodable")).stream().map(ScalingEventPublisherIT::seq).toList());
    }

    @Test
    void structuredRecordsAreOneJsonDocument() throws Exception {
        broker.createTopic("structured", 1);
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "structured", Map.of(), 100, Encoding.STRUCTURED);
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            p.publish(fact("default", "web", 7));
            Await.until("acknowledged", () -> p.sent() == 1);
        }
        ConsumerRecord<String, byte[]> r = broker.readAll("structured").get(0);
        assertEquals("default/web", r.key());
        String json = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"specversion\":\"1.0\""), json);
        assertTrue(json.contains("\"subject\":\"default/web\""), json);
        assertTrue(json.contains("\"data\":{\"seq\":7}"), json);
        assertEquals("application/cloudevents+json", new String(r.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
        CloudEvent e = decode(List.of(r)).get(0);
        assertEquals(7, seq(e));
    }

    @Test
    void brokerDownAtStartThenStoppedMidStreamAndRestartedDeliversEveryRecordOnceInOrder() throws Exception {
        try (TestBroker own = TestBroker.start()) {
            own.createTopic("outage", 2);
            BrokerServer server = own.cluster.brokers().values().iterator().next();
            server.shutdown();
            server.awaitShutdown();
            KafkaSettings s = new KafkaSettings(own.bootstrapServers(), "outage", Map.of(), 10_000, Encoding.BINARY);
            List<String> reasons = new CopyOnWriteArrayList<>();
            try (ScalingEventPublisher p = new ScalingEventPublisher(s, ScalingEventPublisher::createProducer, Duration.ofSeconds(1))) {
                p.onUnavailable(reasons::add);
                // down at start: publishing returns at once, records wait
                for (int seq = 0; seq < 100; seq++) {
                    p.publish(fact("ns", "app-" + seq % 4, seq));
                }
                Await.until("reported unavailable", Duration.ofSeconds(30), () -> !p.available() && p.failed() > 0);
                // no broker to talk to is said so (it was reported as a missing topic: the producer's words are the same)
                assertEquals(KafkaOutageCause.UNREACHABLE, p.unavailableCause(), reasons.toString());
                assertTrue(reasons.get(0).startsWith("no connection to " + own.bootstrapServers()), reasons.toString());
                assertTrue(p.scrape().contains("kapacity_kafka_unavailable{cause=\"unreachable\"} 1\n"), p.scrape());
                assertEquals(100, p.buffered());
                assertEquals(0, p.sent());
                server.startup();
                own.cluster.waitForReadyBrokers();
                for (int seq = 100; seq < 200; seq++) {
                    p.publish(fact("ns", "app-" + seq % 4, seq));
                }
                Await.until("first 200 acknowledged", Duration.ofSeconds(60), () -> p.sent() == 200);
                assertTrue(p.available());

                // stopped mid-stream
                server.shutdown();
                server.awaitShutdown();
                int reported = reasons.size();
                for (int seq = 200; seq < 500; seq++) {
                    p.publish(fact("ns", "app-" + seq % 4, seq));
                }
                Await.until("reported unavailable again", Duration.ofSeconds(30), () -> !p.available() && reasons.size() > reported);
                assertTrue(p.buffered() > 0, "buffered while down");
                assertTrue(p.scrape().contains("kapacity_kafka_available 0\n"));
                assertTrue(p.scrape().contains("kapacity_kafka_records_buffered " + p.buffered() + "\n"));
                server.startup();
                own.cluster.waitForReadyBrokers();
                Await.until("all 500 acknowledged", Duration.ofSeconds(60), () -> p.sent() == 500);
                assertEquals(0, p.buffered());
                assertEquals(0, p.dropped());
                assertTrue(p.available());
            }
            List<CloudEvent> events = decode(own.readAll("outage"));
            assertEquals(500, events.size(), "each record exactly once");
            assertEquals(500, events.stream().map(CloudEvent::getId).distinct().count());
            Map<String, List<Integer>> perKey = new HashMap<>();
            for (CloudEvent e : events) {
                perKey.computeIfAbsent(e.getSubject(), k -> new ArrayList<>()).add(seq(e));
            }
            for (int obj = 0; obj < 4; obj++) {
                int o = obj;
                assertEquals(java.util.stream.IntStream.range(0, 500).filter(i -> i % 4 == o).boxed().toList(),
                        perKey.get("ns/app-" + obj), "order of app-" + obj);
            }
        }
    }

    @Test
    void missingTopicIsReportedAndOverflowDropsTheOldestCounted() throws Exception {
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "not-yet", Map.of(), 10, Encoding.BINARY);
        List<String> reasons = new CopyOnWriteArrayList<>();
        try (ScalingEventPublisher p = new ScalingEventPublisher(s, ScalingEventPublisher::createProducer, Duration.ofSeconds(1))) {
            p.onUnavailable(reasons::add);
            for (int seq = 0; seq < 25; seq++) {
                p.publish(fact("ns", "app", seq));
            }
            assertEquals(15, p.dropped());
            assertEquals(10, p.buffered());
            Await.until("the producer to retry a few times", Duration.ofSeconds(60), () -> p.failed() >= 3);
            assertEquals(1, reasons.size(), "one log line per outage, not one per retry: " + reasons);
            assertTrue(reasons.get(0).contains("topic \"not-yet\" not found"), reasons.get(0));
            assertEquals(KafkaOutageCause.TOPIC_NOT_FOUND, p.unavailableCause());
            assertTrue(p.scrape().contains("kapacity_kafka_unavailable{cause=\"topic_not_found\"} 1\n"), p.scrape());
            assertTrue(p.scrape().contains("kapacity_kafka_unavailable{cause=\"unreachable\"} 0\n"), p.scrape());
            assertTrue(p.scrape().contains("kapacity_kafka_records_dropped_total 15\n"), p.scrape());
            assertFalse(p.scrape().contains("kapacity_kafka_send_failures_total 0\n"), p.scrape());
            broker.createTopic("not-yet", 1);
            Await.until("the 10 kept are written", Duration.ofSeconds(30), () -> p.sent() == 10);
        }
        List<Integer> seqs = decode(broker.readAll("not-yet")).stream().map(ScalingEventPublisherIT::seq).toList();
        assertEquals(10, seqs.size());
        // the newest nine are kept; the oldest of the ten is whichever record was being handed over when the rest came
        assertEquals(java.util.stream.IntStream.range(16, 25).boxed().toList(), seqs.subList(1, 10));
        assertTrue(seqs.get(0) < 16, seqs.toString());
    }

    @Test
    void eventsCommandPrintsTheStreamOfTheLastHourForOneNamespace() throws Exception {
        broker.createTopic("for-events", 2);
        Instant now = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(3600);
        KafkaSettings s = new KafkaSettings(broker.bootstrapServers(), "for-events", Map.of(), 100, Encoding.BINARY);
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            p.publish(fact("old", "app", -10)); // 2025-12-31T23:59:50Z: more than an hour before now
            p.publish(fact("prod", "web", 10));
            p.publish(fact("dev", "web", 20));
            p.publish(ScalingFacts.ofEvent(new io.kapacitystack.kapacity.events.RecordedEvent("IntelligentHorizontalPodAutoscaler",
                    "prod", "web", "ihpa_controller", "Normal", "UpdateReplicaProfile",
                    "update ReplicaProfile with onlineReplcas: 1 -> 2", Instant.parse("2026-01-01T00:30:00Z")), 0));
            Await.until("acknowledged", () -> p.sent() == 4);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code = EventsCommand.run(new String[]{"--bootstrap-servers", broker.bootstrapServers(), "--topic", "for-events",
                "--since", "1h", "--namespace", "prod"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                () -> now, new java.util.concurrent.atomic.AtomicBoolean());
        assertEquals(0, code);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(EventsCommand.HEADER, lines.get(0));
        assertTrue(lines.get(1).startsWith("2026-01-01T00:00:10Z"), lines.get(1));
        assertTrue(lines.get(1).contains("replicaprofile/web"), lines.get(1));
        assertTrue(lines.get(2).contains("UpdateReplicaProfile") && lines.get(2).endsWith("onlineReplcas: 1 -> 2"), lines.get(2));

        java.io.ByteArrayOutputStream json = new java.io.ByteArrayOutputStream();
        assertEquals(0, EventsCommand.run(new String[]{"--bootstrap-servers", broker.bootstrapServers(), "--topic", "for-events",
                "-o", "json"}, new java.io.PrintStream(json, true, StandardCharsets.UTF_8), System.err, () -> now,
                new java.util.concurrent.atomic.AtomicBoolean()));
        List<String> docs = json.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, docs.size(), "the record older than --since is left out: " + docs);
        assertTrue(docs.stream().allMatch(d -> d.startsWith("{\"specversion\":\"1.0\"")), docs.toString());
    }
}
