package io.kapacitystack.kapacity.events;

import java.time.Instant;

/** One event as it happened: what {@code kubectl describe} shows, the console streams and Kafka carries. */
public final class RecordedEvent {
    public final String kind;
    public final String namespace;
    public final String name;
    public final String component;
    public final String type;
    public final String reason;
    public final String message;
    public final Instant time;

    public RecordedEvent(String kind, String namespace, String name, String component, String type, String reason,
                         String message, Instant time) {
        this.kind = kind;
        this.namespace = namespace;
        this.name = name;
        this.component = component;
        this.type = type;
        this.reason = reason;
        this.message = message;
        this.time = time;
    }

    @Override
    public String toString() {
        return time + " " + kind + " " + namespace + "/" + name + " " + type + " " + reason + ": " + message;
    }
}
