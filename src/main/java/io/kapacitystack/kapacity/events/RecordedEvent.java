package io.kapacitystack.kapacity.events;

import java.time.Instant;

/** One event as it happened: what {@code kubectl describe} shows, the console streams and Kafka carries. */
public record RecordedEvent(String kind, String namespace, String name, String component, String type, String reason,
                            String message, Instant time) {

    @Override
    public String toString() {
        return time + " " + kind + " " + namespace + "/" + name + " " + type + " " + reason + ": " + message;
    }
}
