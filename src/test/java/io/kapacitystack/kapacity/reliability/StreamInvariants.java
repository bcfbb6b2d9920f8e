package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.stream.ScalingFact;
import io.kapacitystack.kapacity.stream.StreamRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the scaling-event stream must show after faults (docs/reliability.md, docs/kafka.md), checked on the records
 * read back from the topic against the ReplicaProfile history recorded from the API's watch (an independent
 * source: not what the manager says it published). Pure: records and history in, violations out.
 *
 * <ul>
 *   <li>every record has its own CloudEvents id, and no fact is there twice by content (type, subject, time, data);</li>
 *   <li>one key's records are in one partition (so Kafka keeps them in order);</li>
 *   <li>in offset order, each {@code replicaprofile.changed} record of a key starts where the one before it ended
 *   (a record lost or reordered breaks the chain);</li>
 *   <li>the ReplicaProfile transitions in the topic are the ones the API showed, each once, in the API's order.</li>
 * </ul>
 */
final class StreamInvariants {

    /** One record as read from the topic. */
    record TopicRecord(int partition, long offset, String key, StreamRecord event) {
    }

    /** A ReplicaProfile's numbers. */
    record Numbers(int online, int cutoff, int standby) {
        @Override
        public String toString() {
            return online + "/" + cutoff + "/" + standby;
        }
    }

    /** A ReplicaProfile change: {@code before} is null on creation. */
    record Transition(Numbers before, Numbers after) {
        @Override
        public String toString() {
            return (before == null ? "none" : before.toString()) + " -> " + after + " (online/cutoff/standby)";
        }
    }

    private StreamInvariants() {
    }

    /** The ReplicaProfile transitions the API's watch showed, in order (the first one a creation). */
    static List<Transition> apiTransitions(List<ScalingInvariants.Observation> history) {
        List<Transition> out = new ArrayList<>();
        Numbers last = null;
        for (ScalingInvariants.Observation o : history) {
            if (o instanceof ScalingInvariants.Profile p) {
                Numbers now = new Numbers(p.online(), p.cutoff(), p.standby());
                out.add(new Transition(last, now));
                last = now;
            }
        }
        return out;
    }

    /** The {@code replicaprofile.changed} records of {@code key}, in offset order, as transitions. */
    static List<Transition> topicTransitions(List<TopicRecord> topic, String key) {
        return topic.stream().filter(r -> key.equals(r.key()) && ScalingFact.REPLICA_PROFILE_CHANGED.equals(r.event().type()))
                .sorted(Comparator.comparingInt(TopicRecord::partition).thenComparingLong(TopicRecord::offset))
                .map(r -> transition(r.event().data())).toList();
    }

    static List<String> violations(List<TopicRecord> topic, String key, List<Transition> expected) {
        List<String> out = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        Map<String, Integer> contents = new LinkedHashMap<>();
        Map<String, Integer> partitions = new HashMap<>();
        for (TopicRecord r : topic) {
            ids.merge(r.event().id(), 1, Integer::sum);
            StreamRecord e = r.event();
            contents.merge(e.type() + " " + e.subject() + " " + e.time() + " " + e.data(), 1, Integer::sum);
            Integer other = partitions.putIfAbsent(r.key(), r.partition());
            if (other != null && other != r.partition()) {
                out.add("key " + r.key() + " in partitions " + other + " and " + r.partition());
            }
        }
        ids.forEach((id, n) -> {
            if (n > 1) {
                out.add("id " + id + " on " + n + " records");
            }
        });
        contents.forEach((content, n) -> {
            if (n > 1) {
                out.add("the same fact " + n + " times: " + content);
            }
        });
        List<Transition> seen = topicTransitions(topic, key);
        for (int i = 1; i < seen.size(); i++) {
            if (!Objects.equals(seen.get(i).before(), seen.get(i - 1).after())) {
                out.add("ReplicaProfile record " + seen.get(i) + " does not follow " + seen.get(i - 1)
                        + ": a record between them was lost, or they are out of order");
            }
        }
        Map<Transition, Integer> want = counts(expected);
        Map<Transition, Integer> got = counts(seen);
        want.forEach((t, n) -> {
            int g = got.getOrDefault(t, 0);
            if (g != n) {
                out.add("ReplicaProfile " + t + ": " + g + " record(s) for " + n + " such change(s) on the API");
            }
        });
        got.forEach((t, n) -> {
            if (!want.containsKey(t)) {
                out.add("ReplicaProfile " + t + ": " + n + " record(s) for a change the API never showed");
            }
        });
        if (want.equals(got) && !seen.equals(expected)) {
            out.add("ReplicaProfile records in another order than on the API: " + seen + " (API: " + expected + ")");
        }
        return out;
    }

    private static Map<Transition, Integer> counts(List<Transition> transitions) {
        Map<Transition, Integer> out = new LinkedHashMap<>();
        transitions.forEach(t -> out.merge(t, 1, Integer::sum));
        return out;
    }

    /** A {@code replicaprofile.changed} record's data: {@code online|cutoff|standby: {before, after}}. */
    private static Transition transition(Map<String, Object> data) {
        Integer online = side(data, "online", "before");
        Numbers before = online == null ? null
                : new Numbers(online, orZero(side(data, "cutoff", "before")), orZero(side(data, "standby", "before")));
        Numbers after = new Numbers(orZero(side(data, "online", "after")), orZero(side(data, "cutoff", "after")),
                orZero(side(data, "standby", "after")));
        return new Transition(before, after);
    }

    private static Integer side(Map<String, Object> data, String field, String side) {
        return data.get(field) instanceof Map<?, ?> m && m.get(side) instanceof Number n ? n.intValue() : null;
    }

    private static int orZero(Integer n) {
        return n == null ? 0 : n;
    }
}
