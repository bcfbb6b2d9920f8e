package io.kapacitystack.kapacity.stream;

import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CloudEventMappingTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:20:00.123Z");

    @Test
    void attributesOfAFact() {
        Map<String, Object> data = new LinkedHashMap<>();
        // insertion-ordered, as the facts' data is (Map.of iterates in a different order in each JVM)
        Map<String, Object> online = new LinkedHashMap<>();
        online.put("before", 1);
        online.put("after", 2);
        data.put("online", online);
        CloudEvent e = CloudEventMapping.toCloudEvent(new ScalingFact(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile",
                "cron-sample", "cron", NOW, data, 0), "id-1");
        assertEquals(SpecVersion.V1, e.getSpecVersion());
        assertEquals("id-1", e.getId());
        assertEquals("io.kapacitystack.replicaprofile.changed", e.getType());
        assertEquals("/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/cron-sample/replicaprofiles/cron", e.getSource().toString());
        assertEquals("cron-sample/cron", e.getSubject());
        assertEquals(NOW, e.getTime().toInstant());
        assertEquals("application/json", e.getDataContentType());
        assertEquals("{\"online\":{\"before\":1,\"after\":2}}", new String(e.getData().toBytes()));
    }

    @Test
    void hostileNamesAreEscapedInTheSource() {
        assertEquals("/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/a%2F..%3Fx%3D1/intelligenthorizontalpodautoscalers/%3Cb%3E%20%C3%A9",
                CloudEventMapping.source("IntelligentHorizontalPodAutoscaler", "a/..?x=1", "<b> é").toString());
    }

    @Test
    void roundTripThroughBothKafkaModes() {
        ScalingFact fact = new ScalingFact(ScalingFact.EVENT_RECORDED, "IntelligentHorizontalPodAutoscaler", "ns", "web",
                NOW, Map.of("reason", "UpdateReplicaProfile"), 0);
        for (Encoding mode : java.util.List.of(Encoding.BINARY, Encoding.STRUCTURED)) {
            KafkaSettings s = new KafkaSettings("127.0.0.1:9", "t", Map.of(), 10, mode);
            try (CloudEventSerializer ser = new CloudEventSerializer(); CloudEventDeserializer de = new CloudEventDeserializer()) {
                ser.configure(s.producerConfig(), false);
                RecordHeaders headers = new RecordHeaders();
                byte[] value = ser.serialize("t", headers, CloudEventMapping.toCloudEvent(fact, "x"));
                StreamRecord r = CloudEventMapping.fromCloudEvent(de.deserialize("t", headers, value));
                assertEquals("IntelligentHorizontalPodAutoscaler", r.kind(), mode.name());
                assertEquals("ns", r.namespace());
                assertEquals("web", r.name());
                assertEquals("event.recorded", r.shortType());
                assertEquals(NOW, r.time());
                assertEquals("UpdateReplicaProfile", r.data().get("reason"));
            }
        }
    }

    @Test
    void settingsGuardDeliveryAndBounds() {
        KafkaSettings s = new KafkaSettings("k:9092", "t", Map.of("acks", "0", "enable.idempotence", "false",
                "security.protocol", "SASL_SSL"), 10, Encoding.BINARY);
        Map<String, Object> p = s.producerConfig();
        assertEquals("all", p.get("acks"), "acks=all cannot be overridden");
        assertEquals("true", p.get("enable.idempotence"));
        assertEquals("SASL_SSL", p.get("security.protocol"), "any other client setting passes through");
        assertEquals("k:9092", p.get("bootstrap.servers"));
        assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("k:9092", "bad topic/..", Map.of(), 10, Encoding.BINARY));
        assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("k:9092", "t", Map.of(), 0, Encoding.BINARY));
        assertThrows(IllegalArgumentException.class, () -> new KafkaSettings("k:9092", "t", Map.of(), KafkaSettings.MAX_BUFFER + 1, Encoding.BINARY));
        assertThrows(IllegalArgumentException.class, () -> KafkaSettings.encoding("avro"));
    }
}
