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
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Kafka outage as Kubernetes Events on the manager's Pod: one Warning while the publisher retries (whatever its
 * reasons), one Normal once a broker comes up on the configured address and acknowledges the buffered record.
 */
class KafkaAvailabilityEventsIT {

    private static List<Event> events(MockCluster cluster, String reason) {
        return cluster.client.v1().events().inNamespace("kapacity-system").list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    @Test
    void anOutageIsOneWarningOnThePodAndItsEndOneNormalEvent() throws Exception {
        Vertx vertx = Vertx.vertx();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (MockCluster cluster = new MockCluster(vertx); KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2)) {
            cluster.namespace("kapacity-system");
            Pod pod = cluster.client.pods().inNamespace("kapacity-system").resource(new PodBuilder()
                    .withNewMetadata().withName("kapacity-manager-7d9f").endMetadata().build()).create();
            EventRecorder recorder = new EventRecorder(cluster.client, executor, new SystemClock(vertx), "kapacity-manager");
            // nothing listens on the port yet; a short metadata wait makes the publisher retry often
            KafkaSettings settings = new KafkaSettings("127.0.0.1:" + port, "outage", Map.of("max.block.ms", "300"),
                    100, Encoding.BINARY);
            try (ScalingEventPublisher publisher = new ScalingEventPublisher(settings)) {
                KafkaAvailabilityEvents bridge = KafkaAvailabilityEvents.attach(publisher, recorder, pod);
                publisher.publish(ScalingEventPublisherIT.fact("ns", "app", 1));
                Await.until("the publisher to retry a few times", Duration.ofSeconds(60), () -> publisher.failed() >= 3);
                Await.until("the Warning event", Duration.ofSeconds(30), () -> !events(cluster, KafkaAvailabilityEvents.UNAVAILABLE).isEmpty());
                // another reason within the same outage is no new event
                bridge.unavailable("a different reason");

                try (EmbeddedKafka broker = EmbeddedKafka.builder().port(port).config("auto.create.topics.enable", "false").start()) {
                    broker.createTopic("outage", 1, Duration.ofSeconds(60));
                    Await.until("the buffered record acknowledged", Duration.ofSeconds(60), () -> publisher.sent() == 1);
                    Await.until("the Normal event", Duration.ofSeconds(30), () -> !events(cluster, KafkaAvailabilityEvents.AVAILABLE).isEmpty());
                }
                List<Event> warnings = events(cluster, KafkaAvailabilityEvents.UNAVAILABLE);
                assertEquals(1, warnings.size(), warnings.toString());
                Event warning = warnings.get(0);
                assertEquals("Warning", warning.getType());
                assertEquals(1, warning.getCount(), "one Warning per outage, not one per retry");
                assertEquals("Pod", warning.getInvolvedObject().getKind());
                assertEquals("kapacity-manager-7d9f", warning.getInvolvedObject().getName());
                assertTrue(warning.getMessage().startsWith("Kafka unavailable, scaling events are buffered (scaling goes on): "),
                        warning.getMessage());
                Event back = events(cluster, KafkaAvailabilityEvents.AVAILABLE).get(0);
                assertEquals("Normal", back.getType());
                assertTrue(back.getMessage().contains("topic outage"), back.getMessage());
                assertTrue(publisher.available());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void aLongReasonIsCutToTheEventMessageLimit() {
        String cut = KafkaAvailabilityEvents.bounded("x".repeat(5000));
        assertEquals(KafkaAvailabilityEvents.MAX_MESSAGE, cut.length());
        assertTrue(cut.endsWith("..."));
        assertEquals("short", KafkaAvailabilityEvents.bounded("short"));
    }
}
