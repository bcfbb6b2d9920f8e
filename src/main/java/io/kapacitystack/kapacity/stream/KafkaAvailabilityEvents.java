package io.kapacitystack.kapacity.stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.events.PlannedEvent;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kafka outages as Kubernetes Events on one object (the manager's own Pod, docs/kafka.md): a Warning
 * {@code KafkaUnavailable} when an outage starts and a Normal {@code KafkaAvailable} when the broker acknowledges
 * again. One pair per outage, however often the publisher retries or its reason changes; the recorder's spam filter
 * bounds a flapping broker further. Recording hands the write to the API executor and never blocks the publisher.
 */
public final class KafkaAvailabilityEvents {

    public static final String UNAVAILABLE = "KafkaUnavailable";
    public static final String AVAILABLE = "KafkaAvailable";
    /** Longer reasons (a client's exception text) are cut: the message of an events.k8s.io Event has at most 1 kB. */
    static final int MAX_MESSAGE = 1024;

    private final EventRecorder recorder;
    private final HasMetadata object;
    private final String topic;
    private final AtomicBoolean outage = new AtomicBoolean();

    private KafkaAvailabilityEvents(EventRecorder recorder, HasMetadata object, String topic) {
        this.recorder = recorder;
        this.object = object;
        this.topic = topic;
    }

    /** Reports the publisher's outages on {@code object} through {@code recorder}. */
    public static KafkaAvailabilityEvents attach(ScalingEventPublisher publisher, EventRecorder recorder, HasMetadata object) {
        KafkaAvailabilityEvents events = new KafkaAvailabilityEvents(recorder, object, publisher.settings().topic());
        publisher.onUnavailable(events::unavailable);
        publisher.onAvailableAgain(events::availableAgain);
        return events;
    }

    void unavailable(String reason) {
        if (outage.compareAndSet(false, true)) {
            recorder.record(object, PlannedEvent.warning(UNAVAILABLE, bounded(
                    "Kafka unavailable, scaling events are buffered (scaling goes on): " + reason)));
        }
    }

    void availableAgain() {
        if (outage.compareAndSet(true, false)) {
            recorder.record(object, PlannedEvent.normal(AVAILABLE,
                    "Kafka is available again: the buffered scaling events are published to topic " + topic));
        }
    }

    static String bounded(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
