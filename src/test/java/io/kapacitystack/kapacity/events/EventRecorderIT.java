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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void anObjectWarningEverySecondForSeventeenMinutesGetsTheSpamFiltersBudgetNotOneWritePerSecond() {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            cluster.namespace("ev");
            HasMetadata owner = cluster.client.configMaps().inNamespace("ev").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("cm").endMetadata().build()).create();
            HasMetadata neighbour = cluster.client.configMaps().inNamespace("ev").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("quiet").endMetadata().build()).create();
            ManualClock clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z"));
            KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2);
            EventRecorder recorder = new EventRecorder(cluster.client, executor, clock, "test_controller");
            List<RecordedEvent> heard = new ArrayList<>();
            recorder.addListener(heard::add);
            int requestsBefore = cluster.server.getRequestCount();
            for (int second = 0; second < 17 * 60; second++) {
                MockCluster.join(recorder.record(owner, PlannedEvent.warning("NoValidPortraitValue", "no valid portrait value for now")).toCompletionStage());
                clock.advance(Duration.ofSeconds(1));
            }
            // client-go's budget: a burst of 25, then one per 5 minutes (3 in the remaining 16.6 minutes).
            assertEquals(28, heard.size(), "events passed on");
            // fabric8's client reads the Event before each merge patch: at most two requests per event passed on
            assertTrue(cluster.server.getRequestCount() - requestsBefore <= 2 * 28, "API requests: " + (cluster.server.getRequestCount() - requestsBefore));
            List<Event> events = cluster.client.v1().events().inNamespace("ev").list().getItems();
            assertEquals(1, events.size());
            assertTrue(events.get(0).getCount() > 900, "the count still tells how often it happened: " + events.get(0).getCount());

            // The budget is per object: another object's first event is not held back.
            MockCluster.join(recorder.record(neighbour, PlannedEvent.warning("Other", "something else")).toCompletionStage());
            assertEquals(29, heard.size());
            executor.close();
        } finally {
            vertx.close();
        }
    }

    @Test
    void manyDifferentMessagesOfOneReasonAreCombinedIntoOneEvent() {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            cluster.namespace("ev");
            HasMetadata owner = cluster.client.configMaps().inNamespace("ev").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("cm").endMetadata().build()).create();
            ManualClock clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z"));
            KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2);
            EventRecorder recorder = new EventRecorder(cluster.client, executor, clock, "test_controller");
            for (int i = 1; i <= 15; i++) {
                MockCluster.join(recorder.record(owner, PlannedEvent.warning("FailedGeneratePortrait", "metric value " + i)).toCompletionStage());
                clock.advance(Duration.ofSeconds(10));
            }
            List<Event> events = cluster.client.v1().events().inNamespace("ev").list().getItems();
            assertEquals(10, events.size(), "nine on their own, then one combined: "
                    + events.stream().map(Event::getMessage).collect(Collectors.toList()));
            Event combined = events.stream().filter(e -> e.getMessage().startsWith("(combined from similar events): "))
                    .findFirst().orElseThrow();
            assertEquals(6, combined.getCount());
            assertEquals("(combined from similar events): metric value 15", combined.getMessage());
            executor.close();
        } finally {
            vertx.close();
        }
    }
}
