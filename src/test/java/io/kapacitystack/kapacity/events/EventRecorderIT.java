package io.kapacitystack.kapacity.events;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EventRecorderIT {

    @Test
    void repeatsAreAggregatedIntoOneEventWithACount() {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            cluster.namespace("ev");
            HasMetadata owner = cluster.client.configMaps().inNamespace("ev").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("cm").endMetadata().build()).create();
            ManualClock clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z"));
            KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2);
            EventRecorder recorder = new EventRecorder(cluster.client, executor, clock, "test_controller");
            List<RecordedEvent> heard = new ArrayList<>();
            recorder.addListener(heard::add);
            MockCluster.join(recorder.record(owner, PlannedEvent.warning("NoValidPortraitValue", "no valid portrait value for now")).toCompletionStage());
            clock.advance(Duration.ofMinutes(1));
            MockCluster.join(recorder.record(owner, PlannedEvent.warning("NoValidPortraitValue", "no valid portrait value for now")).toCompletionStage());
            MockCluster.join(recorder.record(owner, PlannedEvent.normal("Other", "something else")).toCompletionStage());

            List<Event> events = cluster.client.v1().events().inNamespace("ev").list().getItems();
            assertEquals(2, events.size(), events.stream().map(Event::getMessage).collect(Collectors.toList()).toString());
            Event repeated = events.stream().filter(e -> "NoValidPortraitValue".equals(e.getReason())).findFirst().orElseThrow();
            assertEquals(2, repeated.getCount());
            assertEquals("2026-11-23T08:00:00Z", repeated.getFirstTimestamp());
            assertEquals("2026-11-23T08:01:00Z", repeated.getLastTimestamp());
            assertEquals("Warning", repeated.getType());
            assertEquals("test_controller", repeated.getSource().getComponent());
            assertEquals("cm", repeated.getInvolvedObject().getName());
            assertEquals(3, heard.size(), "listeners hear every occurrence");
            executor.close();
        } finally {
            vertx.close();
        }
    }
}
