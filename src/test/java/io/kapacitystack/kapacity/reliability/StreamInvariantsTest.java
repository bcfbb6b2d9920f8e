package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.reliability.StreamInvariants.Numbers;
import io.kapacitystack.kapacity.reliability.StreamInvariants.TopicRecord;
import io.kapacitystack.kapacity.reliability.StreamInvariants.Transition;
import io.kapacitystack.kapacity.stream.ScalingFact;
import io.kapacitystack.kapacity.stream.StreamRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream checker of KafkaOutageIT: a correct topic passes; a lost, doubled, reordered or foreign record is caught. */
class StreamInvariantsTest {

    private static final String KEY = "chaos/chaos";
    private static final Instant T0 = Instant.parse("2026-12-08T00:00:00Z");

    private static final Numbers N5 = new Numbers(5, 0, 0);
    private static final Numbers N3 = new Numbers(3, 2, 0);
    private static final Numbers N1C = new Numbers(1, 4, 0);
    private static final Numbers N1 = new Numbers(1, 0, 0);
    /** What the API showed for a gray 5 -> 1: created at 5, two steps, done. */
    private static final List<Transition> API = List.of(new Transition(null, N5), new Transition(N5, N3),
            new Transition(N3, N1C), new Transition(N1C, N1));

    private static Map<String, Object> side(Integer before, int after) {
        Map<String, Object> m = new HashMap<>();
        m.put("before", before);
        m.put("after", after);
        return m;
    }

    private static StreamRecord profileRecord(String id, int second, Transition t) {
        Map<String, Object> data = Map.of(
                "online", side(t.before() == null ? null : t.before().online(), t.after().online()),
                "cutoff", side(t.before() == null ? null : t.before().cutoff(), t.after().cutoff()),
                "standby", side(t.before() == null ? null : t.before().standby(), t.after().standby()));
        return new StreamRecord(id, ScalingFact.REPLICA_PROFILE_CHANGED, "/apis/x", KEY, T0.plusSeconds(second),
                "ReplicaProfile", "chaos", "chaos", data);
    }

    private static StreamRecord gray(String id, int second, int percent) {
        return new StreamRecord(id, ScalingFact.GRAY_STEP, "/apis/x", KEY, T0.plusSeconds(second),
                "IntelligentHorizontalPodAutoscaler", "chaos", "chaos", Map.of("percentAfter", percent));
    }

    /** The records of a correct run: the API's transitions, in order, with gray steps between them. */
    private static List<TopicRecord> correct() {
        List<TopicRecord> out = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < API.size(); i++) {
            out.add(new TopicRecord(1, offset++, KEY, profileRecord("p" + i, i * 10, API.get(i))));
            out.add(new TopicRecord(1, offset++, KEY, gray("g" + i, i * 10 + 1, i * 25)));
        }
        out.add(new TopicRecord(0, 0, "other/x", gray("o", 3, 0)));
        return out;
    }

    private static List<String> check(List<TopicRecord> topic) {
        return StreamInvariants.violations(topic, KEY, API);
    }

    @Test
    void aCorrectTopicPasses() {
        assertEquals(List.of(), check(correct()));
        assertEquals(API, StreamInvariants.topicTransitions(correct(), KEY));
    }

    @Test
    void theApiHistoryBecomesTransitionsFromTheCreationOn() {
        List<ScalingInvariants.Observation> history = List.of(new ScalingInvariants.Replicas(T0, 5),
                new ScalingInvariants.Profile(T0, 5, 0, 0), new ScalingInvariants.Profile(T0, 3, 2, 0),
                new ScalingInvariants.Profile(T0, 1, 4, 0), new ScalingInvariants.Profile(T0, 1, 0, 0));
        assertEquals(API, StreamInvariants.apiTransitions(history));
    }

    /** A publisher that drops what it buffered while the broker was down (or a leader killed before the ack). */
    @Test
    void aLostRecordIsCaught() {
        List<TopicRecord> topic = new ArrayList<>(correct());
        topic.removeIf(r -> r.event().id().equals("p2"));
        List<String> v = check(topic);
        assertTrue(v.stream().anyMatch(s -> s.contains("does not follow")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("3/2/0 -> 1/4/0 (online/cutoff/standby): 0 record(s) for 1")), v.toString());
        assertEquals(2, v.size(), v.toString());
    }

    /** A producer without idempotence that wrote a retried batch twice: same id, same content. */
    @Test
    void aRecordWrittenTwiceIsCaught() {
        List<TopicRecord> topic = new ArrayList<>(correct());
        topic.add(new TopicRecord(1, 100, KEY, gray("g3", 31, 75)));
        List<String> v = check(topic);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("id g3 on 2 records")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("the same fact 2 times")), v.toString());
    }

    /** A standby that publishes too (or a new leader that re-derives its predecessor's facts): a fact twice with its own id. */
    @Test
    void aFactPublishedByTwoManagersIsCaught() {
        List<TopicRecord> topic = new ArrayList<>(correct());
        topic.add(new TopicRecord(1, 100, KEY, profileRecord("standby-1", 30, API.get(3))));
        List<String> v = check(topic);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("the same fact 2 times")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("1/4/0 -> 1/0/0 (online/cutoff/standby): 2 record(s) for 1")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("does not follow")), v.toString());
    }

    @Test
    void recordsOutOfOrderAreCaught() {
        List<TopicRecord> topic = new ArrayList<>();
        for (TopicRecord r : correct()) {
            long offset = r.event().id().equals("p1") ? 5 : r.event().id().equals("p2") ? 2 : r.offset();
            topic.add(new TopicRecord(r.partition(), offset, r.key(), r.event()));
        }
        List<String> v = check(topic);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("ReplicaProfile records in another order")), v.toString());
    }

    @Test
    void aKeySplitOverPartitionsAndAChangeTheApiNeverShowedAreCaught() {
        List<TopicRecord> topic = new ArrayList<>(correct());
        topic.add(new TopicRecord(2, 0, KEY, profileRecord("x", 50, new Transition(N1, N5))));
        List<String> v = check(topic);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("key chaos/chaos in partitions 1 and 2")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.contains("for a change the API never showed")), v.toString());
    }
}
