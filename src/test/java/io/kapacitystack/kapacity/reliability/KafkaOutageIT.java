package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.app.ExternalManager;
import io.kapacitystack.kapacity.reliability.StreamInvariants.TopicRecord;
import io.kapacitystack.kapacity.stream.KafkaAvailabilityEvents;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 23, "Kafka down": a manager (its own process, publishing to a real in-process KRaft broker) scales nginx
 * 5 -> 1 in a gray scale-down while the broker is stopped, then the broker starts again on the same address.
 * Scaling is not held back (the gray finishes during the outage); the manager says Kafka is unavailable (a Warning
 * {@code KafkaUnavailable} on its Pod, {@code kapacity_kafka_available 0} and the buffered records on /metrics);
 * once the broker is back the topic holds every ReplicaProfile change the API showed, once each and in order, no
 * record twice, as many records as the manager counts acknowledged and none dropped ({@link StreamInvariants}), and
 * the scaling invariants hold on the API's watch history.
 */
class KafkaOutageIT {

    private static final String MANAGER_POD = "kapacity-manager-0";

    private SuiteKafka kafka;
    private FaultSuite suite;

    @AfterEach
    void stop() throws Exception {
        if (suite != null) {
            suite.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private long metric(String series) {
        return suite.metric(0, series);
    }

    private List<Event> podEvents(String reason) {
        return suite.client().v1().events().inNamespace(ExternalManager.LEASE_NAMESPACE).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && MANAGER_POD.equals(e.getInvolvedObject().getName())).toList();
    }

    @Test
    void scalingGoesOnWhileKafkaIsDownAndTheTopicGetsEveryFactOnceInOrderAfter() throws Exception {
        kafka = SuiteKafka.start();
        suite = FaultSuite.start("kafka-outage");
        // the manager's own Pod, named by the downward API's variables as the chart sets them: outages become Events on it
        suite.client().pods().inNamespace(ExternalManager.LEASE_NAMESPACE).resource(new PodBuilder().withNewMetadata()
                .withName(MANAGER_POD).endMetadata().withNewSpec().addNewContainer().withName("manager").withImage("kapacity")
                .endContainer().endSpec().build()).create();
        suite.managerEnv(Map.of("POD_NAME", MANAGER_POD, "POD_NAMESPACE", ExternalManager.LEASE_NAMESPACE))
                .managerFlags(kafka.managerFlags()).startManager();
        suite.awaitConverged(5, FaultSuite.START);
        Await.until("the scale-up's records acknowledged", FaultSuite.START,
                () -> metric("kapacity_kafka_records_sent_total") > 0 && metric("kapacity_kafka_records_buffered") == 0);

        kafka.broker.stop();
        Instant down = suite.now();
        suite.desire(1);
        // scaling is not held back: the whole gray runs while the broker is down
        Duration gray = suite.awaitConverged(1, FaultSuite.START);
        Await.until("the manager to say Kafka is unavailable", FaultSuite.START,
                () -> metric("kapacity_kafka_available") == 0 && !podEvents(KafkaAvailabilityEvents.UNAVAILABLE).isEmpty());
        long buffered = metric("kapacity_kafka_records_buffered");
        Instant up = suite.now();
        long duringOutage = suite.history().stream().filter(o -> o instanceof ScalingInvariants.Profile
                && o.at().isAfter(down) && o.at().isBefore(up)).count();
        assertTrue(buffered > 0, "the facts of the gray wait in the buffer: " + buffered);
        assertTrue(suite.history().stream().anyMatch(o -> o instanceof ScalingInvariants.Profile p && p.cutoff() > 0
                && p.at().isAfter(down) && p.at().isBefore(up)), "the gray's steps were taken while Kafka was down");

        kafka.broker.startAgain();
        Await.until("the buffer drained", FaultSuite.START, () -> metric("kapacity_kafka_available") == 1
                && metric("kapacity_kafka_records_buffered") == 0);
        Await.until("the Normal KafkaAvailable event", FaultSuite.START,
                () -> !podEvents(KafkaAvailabilityEvents.AVAILABLE).isEmpty());
        long sent = metric("kapacity_kafka_records_sent_total");
        long dropped = metric("kapacity_kafka_records_dropped_total");
        List<TopicRecord> topic = kafka.records();
        List<StreamInvariants.Transition> api = StreamInvariants.apiTransitions(suite.history());
        System.out.println("Kafka outage: " + Duration.between(down, up).toMillis() + " ms down, gray 5 -> 1 done "
                + gray.toMillis() + " ms after the broker stopped; " + buffered + " records buffered, " + sent
                + " sent, " + dropped + " dropped; " + topic.size() + " records on the topic; ReplicaProfile changes "
                + api + " (" + duringOutage + " of them during the outage)");
        assertEquals(0, dropped, "no record dropped");
        assertEquals(sent, topic.size(), "the topic holds each acknowledged record once, and nothing else");
        assertEquals(List.of(), StreamInvariants.violations(topic, "chaos/chaos", api));
        assertEquals(1, podEvents(KafkaAvailabilityEvents.UNAVAILABLE).size(), "one Warning for the outage");
        suite.convergesWithoutViolations("Kafka down during a gray scale-down", 1, Map.of("broker stopped", 1L));
    }
}
