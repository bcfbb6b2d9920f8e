package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.reliability.StreamInvariants.Numbers;
import io.kapacitystack.kapacity.reliability.StreamInvariants.TopicRecord;
import io.kapacitystack.kapacity.reliability.StreamInvariants.Transition;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20, "only the leader publishes", under issue 23's leader kill: two manager processes with
 * {@code --leader-elect}, both given Kafka. While the standby waits (also during the leader's gray) it publishes
 * nothing: the broker knows one producer, and the standby's /metrics counts nothing sent or buffered. The leader is
 * killed ({@code kill -9}) at gray stage 1 once its records were acknowledged; the new leader finishes the gray and
 * its records follow: the topic holds every ReplicaProfile change the API showed, once, in order, the killed leader's
 * producer wrote exactly what it had counted sent and a second producer the rest. Then what a kill costs: with the
 * broker down, the leader scales 1 -> 5 and is killed with that fact still buffered; the new leader does not derive
 * it again (the ReplicaProfile is already written), so after the broker returns the topic lacks exactly that change,
 * and holds nothing twice (docs/kafka.md, "Across a leader change").
 */
class KafkaLeaderIT {

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

    private long sent(int manager) {
        return suite.metric(manager, "kapacity_kafka_records_sent_total");
    }

    private long buffered(int manager) {
        return suite.metric(manager, "kapacity_kafka_records_buffered");
    }

    /** The index of the manager whose log says it became the leader {@code holder}. */
    private int managerHolding(String holder, int started) {
        for (int n = 0; n < started; n++) {
            if (read(suite.log(n)).contains("became leader (" + holder + ")")) {
                return n;
            }
        }
        return -1;
    }

    private int started() {
        int n = 0;
        while (Files.exists(suite.log(n))) {
            n++;
        }
        return n;
    }

    /** Kills the leader {@code leader} (index) and answers the index of the manager that took over. */
    private int killAndAwaitTakeover(int leader) throws InterruptedException {
        String first = suite.holder();
        FaultSuite.kill(suite.manager(leader));
        Await.until("another manager to take the Lease", FaultSuite.START, () -> suite.holder() != null && !first.equals(suite.holder()));
        String holder = suite.holder();
        Await.until("the new leader's log", FaultSuite.START, () -> managerHolding(holder, started()) >= 0);
        return managerHolding(holder, started());
    }

    @Test
    void onlyTheLeaderPublishesAndAKillLosesAtMostItsUnacknowledgedFactsNeverDoublesThem() throws Exception {
        kafka = SuiteKafka.start();
        suite = FaultSuite.start("kafka-leader");
        suite.managerFlags(kafka.managerFlags()).startManager();
        suite.awaitConverged(5, FaultSuite.START);
        String first = suite.holder();
        suite.launchManager();
        Await.until("the standby to see the leader", FaultSuite.START, () -> read(suite.log(1)).contains("leader is now " + first));
        Await.until("the leader's records acknowledged", FaultSuite.START, () -> sent(0) > 0 && buffered(0) == 0);

        // the standby publishes nothing while it waits, also while the leader takes gray steps
        suite.desire(1);
        Await.until("gray stage 1, acknowledged", FaultSuite.START, () -> suite.cutoff() == 2 && buffered(0) == 0);
        Await.until("the standby's /metrics", FaultSuite.START, () -> sent(1) >= 0);
        assertEquals(0, sent(1), "the standby sent nothing");
        assertEquals(0, buffered(1), "the standby buffered nothing");
        Map<Long, Long> producers = kafka.recordsByProducer();
        assertEquals(1, producers.size(), "one producer while the standby waits: " + producers);
        long sentByFirst = sent(0);

        int second = killAndAwaitTakeover(0);
        suite.awaitConverged(1, FaultSuite.START);
        Await.until("the new leader's records acknowledged", FaultSuite.START, () -> sent(second) > 0 && buffered(second) == 0);
        List<TopicRecord> topic = kafka.records();
        Map<Long, Long> afterTakeover = kafka.recordsByProducer();
        List<Transition> api = StreamInvariants.apiTransitions(suite.history());
        System.out.println("leader kill at gray stage 1: the killed leader sent " + sentByFirst + ", manager " + second
                + " took over and sent " + sent(second) + "; producers " + afterTakeover + "; " + topic.size() + " records; "
                + "ReplicaProfile changes " + api);
        assertEquals(List.of(), StreamInvariants.violations(topic, "chaos/chaos", api));
        assertEquals(2, afterTakeover.size(), "the killed leader's producer and the new leader's: " + afterTakeover);
        assertEquals(sentByFirst, afterTakeover.get(producers.keySet().iterator().next()),
                "the killed leader's producer wrote what it had counted acknowledged");
        assertEquals(topic.size(), afterTakeover.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(topic.size() - sentByFirst, sent(second), "the new leader wrote the rest");
        for (int n = 0; n < started(); n++) {
            if (n != 0 && n != second) {
                assertTrue(sent(n) <= 0, "manager " + n + " (a standby, or still starting: no /metrics yet) sent nothing");
            }
        }

        // a fact not yet acknowledged when its leader dies is lost, not derived again by the next leader
        kafka.broker.stop();
        suite.desire(5);
        Await.until("the scale-up written, its fact buffered", FaultSuite.START,
                () -> suite.profile().getSpec().online() == 5 && buffered(second) > 0);
        int third = killAndAwaitTakeover(second);
        suite.awaitConverged(5, FaultSuite.START);
        kafka.broker.startAgain();
        Await.until("the third leader's buffer drained", FaultSuite.START,
                () -> buffered(third) == 0 && suite.metric(third, "kapacity_kafka_available") == 1);
        List<TopicRecord> after = kafka.records();
        List<Transition> all = StreamInvariants.apiTransitions(suite.history());
        Transition lost = new Transition(new Numbers(1, 0, 0), new Numbers(5, 0, 0));
        assertEquals(lost, all.get(all.size() - 1), "the API's last change: " + all);
        List<Transition> delivered = new ArrayList<>(all.subList(0, all.size() - 1));
        System.out.println("leader killed with a buffered fact: " + after.size() + " records, manager " + third
                + " took over and sent " + sent(third) + "; producers " + kafka.recordsByProducer());
        assertEquals(List.of("ReplicaProfile " + lost + ": 0 record(s) for 1 such change(s) on the API"),
                StreamInvariants.violations(after, "chaos/chaos", all), "exactly the unacknowledged change is missing");
        assertEquals(List.of(), StreamInvariants.violations(after, "chaos/chaos", delivered));
        suite.convergesWithoutViolations("leader kills with Kafka", 5, Map.of("kill -9 of the leader", 2L, "broker stopped", 1L));
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
