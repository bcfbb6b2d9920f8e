package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingFact;
import io.kapacitystack.kapacity.stream.StreamReader;
import io.kapacitystack.kapacity.stream.StreamRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds the console's recent events and each IHPA's replica timeline from the Kafka stream at start, so history
 * survives restarts and leader changes (docs/kafka.md). Read on a worker thread; a failure leaves the console as it
 * is without Kafka.
 */
public final class StreamHistory {

    private static final Logger LOG = LoggerFactory.getLogger(StreamHistory.class);
    static final Set<String> KINDS = Set.of("IntelligentHorizontalPodAutoscaler", "ReplicaProfile");

    private StreamHistory() {
    }

    /** Reads the records of the last {@code window} and restores them into {@code hub}; completes with their count. */
    public static Future<Integer> load(Vertx vertx, ConsoleHub hub, KafkaSettings settings, Instant now, Duration window) {
        if (window.isZero() || window.isNegative()) {
            return Future.succeededFuture(0);
        }
        return vertx.executeBlocking(() -> {
            try (StreamReader reader = new StreamReader(settings)) {
                List<StreamRecord> records = reader.readSince(now.minus(window), Duration.ofSeconds(30));
                restore(hub, records);
                return records.size();
            }
        }, false).onSuccess(n -> LOG.info("console history: {} records of the last {} read from Kafka topic {}", n, window, settings.topic()))
                .onFailure(e -> LOG.warn("console history not read from Kafka ({}): {}", settings.topic(), e.getMessage()));
    }

    /** Events and timeline points from records, oldest first. */
    static void restore(ConsoleHub hub, List<StreamRecord> records) {
        List<RecordedEvent> events = new ArrayList<>();
        Map<ObjectKey, List<ConsoleHub.Point>> points = new LinkedHashMap<>();
        Map<ObjectKey, Integer[]> last = new LinkedHashMap<>();
        for (StreamRecord r : records) {
            if (r.time() == null || !KINDS.contains(r.kind())) {
                continue;
            }
            ObjectKey key = new ObjectKey(r.namespace(), r.name());
            switch (r.type()) {
                case ScalingFact.EVENT_RECORDED -> events.add(new RecordedEvent(r.kind(), r.namespace(), r.name(),
                        text(r.data().get("component")), text(r.data().get("type")), text(r.data().get("reason")),
                        text(r.data().get("message")), r.time()));
                case ScalingFact.PORTRAIT_CHANGED, ScalingFact.REPLICA_PROFILE_CHANGED -> {
                    Integer[] desiredOnline = last.computeIfAbsent(key, k -> new Integer[2]);
                    if (r.type().equals(ScalingFact.PORTRAIT_CHANGED)) {
                        desiredOnline[0] = number(r.data().get("after"), "replicas");
                    } else {
                        desiredOnline[1] = number(r.data().get("online"), "after");
                    }
                    points.computeIfAbsent(key, k -> new ArrayList<>())
                            .add(new ConsoleHub.Point(r.time(), desiredOnline[0], desiredOnline[1], null));
                }
                default -> { }
            }
        }
        hub.restore(events, points);
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static Integer number(Object map, String field) {
        return map instanceof Map<?, ?> m && m.get(field) instanceof Number n ? n.intValue() : null;
    }
}
