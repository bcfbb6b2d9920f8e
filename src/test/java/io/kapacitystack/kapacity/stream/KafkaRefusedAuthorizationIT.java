package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker that authorizes (KRaft's {@code StandardAuthorizer}, SCRAM users) where the manager's principal may not
 * write the topic: one clear reason per outage (the log line and the Warning event come from it), {@code /metrics}
 * says why, nothing is lost, and once an ACL grants the write the buffered records are written in order.
 */
class KafkaRefusedAuthorizationIT {

    private static final String TOPIC = "guarded";

    private static List<Event> events(MockCluster cluster, String reason) {
        return cluster.client.v1().events().inNamespace("kapacity-system").list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    @Test
    void aPrincipalThatMayNotWriteTheTopicIsOneClearOutageUntilAnAclGrantsIt() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (EmbeddedKafka broker = EmbeddedKafka.builder()
                .listener("SASL_PLAINTEXT", "SASL_PLAINTEXT")
                .config("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .config("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .config("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                // the plaintext listener (controller, inter-broker, this test's admin) is the cluster's operator
                .config("super.users", "User:ANONYMOUS")
                .config("auto.create.topics.enable", "false")
                .scramUser("SCRAM-SHA-512", "kapacity", "pw")
                .start();
             MockCluster cluster = new MockCluster(vertx);
             KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2)) {
            broker.createTopic(TOPIC, 1, Duration.ofSeconds(60));
            cluster.namespace("kapacity-system");
            Pod pod = cluster.client.pods().inNamespace("kapacity-system").resource(new PodBuilder()
                    .withNewMetadata().withName("kapacity-manager-0").endMetadata().build()).create();
            EventRecorder recorder = new EventRecorder(cluster.client, executor, new SystemClock(vertx), "kapacity-manager");
            KafkaSettings s = new KafkaSettings("127.0.0.1:" + broker.port("SASL_PLAINTEXT"), TOPIC, Map.of(
                    "security.protocol", "SASL_PLAINTEXT",
                    "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kapacity\" password=\"pw\";"),
                    100, Encoding.BINARY);
            List<String> reasons = new CopyOnWriteArrayList<>();
            try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
                KafkaAvailabilityEvents.attach(p, recorder, pod);
                p.onUnavailable(reasons::add);
                for (int seq = 0; seq < 5; seq++) {
                    p.publish(ScalingEventPublisherIT.fact("ns", "app", seq));
                }
                Await.until("several refused attempts", Duration.ofSeconds(60), () -> p.failed() >= 4);
                assertEquals(1, reasons.size(), "one log line per outage, not one per retry: " + reasons);
                assertTrue(reasons.get(0).startsWith("not authorized to write topic \"guarded\": "), reasons.get(0));
                String metrics = p.scrape();
                assertTrue(metrics.contains("kapacity_kafka_available 0\n"), metrics);
                assertTrue(metrics.contains("kapacity_kafka_unavailable{cause=\"not_authorized\"} 1\n"), metrics);
                assertTrue(metrics.contains("kapacity_kafka_unavailable{cause=\"topic_not_found\"} 0\n"), metrics);
                assertEquals(5, p.buffered());
                assertEquals(0, p.sent());
                assertEquals(0, p.dropped());
                Await.until("the Warning event on the manager's Pod", Duration.ofSeconds(30),
                        () -> !events(cluster, KafkaAvailabilityEvents.UNAVAILABLE).isEmpty());
                Event warning = events(cluster, KafkaAvailabilityEvents.UNAVAILABLE).get(0);
                assertEquals("Warning", warning.getType());
                assertTrue(warning.getMessage().contains("not authorized to write topic \"guarded\""), warning.getMessage());

                // the operator grants the write: the buffer drains, in order, each record once
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                    admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL),
                            new AccessControlEntry("User:kapacity", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all().get();
                }
                Await.until("the five buffered records written", Duration.ofSeconds(60), () -> p.sent() == 5);
                assertTrue(p.available());
                assertTrue(p.scrape().contains("kapacity_kafka_unavailable{cause=\"not_authorized\"} 0\n"), p.scrape());
                assertEquals(1, reasons.size(), reasons.toString());
                Await.until("the Normal event", Duration.ofSeconds(30), () -> !events(cluster, KafkaAvailabilityEvents.AVAILABLE).isEmpty());
                assertEquals(1, events(cluster, KafkaAvailabilityEvents.UNAVAILABLE).size());
            }
            List<StreamRecord> records;
            KafkaSettings reader = new KafkaSettings(broker.bootstrapServers(), TOPIC, Map.of(), 100, Encoding.BINARY);
            try (StreamReader r = new StreamReader(reader)) {
                records = r.readSince(Instant.parse("2025-12-31T00:00:00Z"), Duration.ofSeconds(30));
            }
            assertEquals(List.of(0, 1, 2, 3, 4), records.stream().map(r -> ((Number) r.data().get("seq")).intValue()).toList());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
