package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleHubTest {

    final Vertx vertx = Vertx.vertx();
    final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @AfterEach
    void close() {
        vertx.close();
    }

    RecordedEvent event(String name, String reason) {
        return new RecordedEvent("IntelligentHorizontalPodAutoscaler", "ns", name, "c", "Normal", reason, "m", t0);
    }

    record Got(List<Long> live, AtomicReference<ConsoleHub.Replay> replay) {
    }

    Got subscribe(ConsoleHub hub, long since, String name) {
        Context ctx = vertx.getOrCreateContext();
        List<Long> live = new CopyOnWriteArrayList<>();
        AtomicReference<ConsoleHub.Replay> replay = new AtomicReference<>();
        hub.subscribe(since, i -> i.key().name().equals(name), ctx, i -> live.add(i.id()), replay::set);
        Await.until("the replay", () -> replay.get() != null);
        return new Got(live, replay);
    }

    @Test
    void recentEventsAreTheNewestUpToAnIdThatPassTheFilter() {
        ConsoleHub hub = new ConsoleHub(100, () -> t0);
        for (int i = 0; i < 5; i++) {
            hub.recorded(event(i % 2 == 0 ? "a" : "b", "R" + i));
        }
        long upTo = hub.lastId();
        hub.recorded(event("a", "after the page"));
        assertEquals(List.of("R4", "R2"), hub.recentEvents(upTo, i -> i.key().name().equals("a"), 2).stream()
                .map(i -> i.event().reason()).toList());
        assertEquals(List.of("R4", "R3", "R2", "R1", "R0"), hub.recentEvents(upTo, i -> true, 20).stream()
                .map(i -> i.event().reason()).toList());
    }

    @Test
    void theRingBufferIsBoundedAndAnOlderIdIsAGap() {
        ConsoleHub hub = new ConsoleHub(3, () -> t0);
        for (int i = 0; i < 5; i++) {
            hub.recorded(event("a", "R" + i));
        }
        assertEquals(5, hub.lastId());
        Got fresh = subscribe(hub, 3, "a");
        assertEquals(List.of(4L, 5L), fresh.replay().get().items().stream().map(ConsoleHub.Item::id).toList());
        assertFalse(fresh.replay().get().gap());
        Got old = subscribe(hub, 1, "a");
        assertTrue(old.replay().get().gap(), "ids 2 is gone from a buffer of 3");
        Got future = subscribe(hub, 99, "a");
        assertTrue(future.replay().get().gap(), "an id from before a restart");
        hub.recorded(event("a", "R5"));
        Await.until("live delivery after a restart gap", () -> future.live().contains(6L));
    }

    @Test
    void subscribersGetOnlyTheirObjectsInOrderWithoutDuplicates() {
        ConsoleHub hub = new ConsoleHub(100, () -> t0);
        hub.recorded(event("a", "old"));
        Got a = subscribe(hub, 0, "a");
        assertEquals(List.of(1L), a.replay().get().items().stream().map(ConsoleHub.Item::id).toList());
        for (int i = 0; i < 50; i++) {
            hub.recorded(event(i % 2 == 0 ? "a" : "b", "R" + i));
        }
        Await.until("25 live items", () -> a.live().size() == 25);
        for (int i = 1; i < a.live().size(); i++) {
            assertTrue(a.live().get(i) > a.live().get(i - 1), a.live().toString());
        }
        assertFalse(a.live().contains(1L));
    }

    @Test
    void perObjectEventsAreNewestFirstAndBounded() {
        ConsoleHub hub = new ConsoleHub(10, () -> t0);
        for (int i = 0; i < ConsoleHub.PER_OBJECT_EVENTS + 5; i++) {
            hub.recorded(event("a", "R" + i));
        }
        List<RecordedEvent> events = hub.events(new ObjectKey("ns", "a"));
        assertEquals(ConsoleHub.PER_OBJECT_EVENTS, events.size());
        assertEquals("R" + (ConsoleHub.PER_OBJECT_EVENTS + 4), events.get(0).reason());
        assertEquals(events.get(0), hub.lastEvent(new ObjectKey("ns", "a")));
    }

    @Test
    void timelineKeepsOnlyChanges() {
        ConsoleHub hub = new ConsoleHub(10, () -> t0);
        int[] desired = {1};
        hub.sampler((k, now) -> new ConsoleHub.Point(now, desired[0], 1, null));
        io.fabric8.kubernetes.api.model.GenericKubernetesResource o = new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
        o.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace("ns").withName("a").build());
        hub.ihpaChanged(o, true);
        hub.ihpaChanged(o, false);
        desired[0] = 4;
        hub.ihpaChanged(o, false);
        assertEquals(List.of(1, 4), hub.timeline(new ObjectKey("ns", "a")).stream().map(ConsoleHub.Point::desired).toList());
        hub.ihpaDeleted(o);
        assertTrue(hub.timeline(new ObjectKey("ns", "a")).isEmpty());
    }

    @Test
    void htmlEscapingAndTokens() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;&#96;",
                Html.esc("<script>alert(\"x\")</script> & '`"));
        assertEquals("", Html.esc(null));
        assertEquals("a b", Html.esc("a\u0000b"));
        assertEquals("-2dx-3cy", Html.token("-x<y"));
        assertFalse(Html.token("a-b").contains("--"), "a row id joins namespace and name with --, which no token contains");
        assertTrue(Html.token("a\nb c,d").matches("[A-Za-z0-9-]+"));
        assertEquals("a%2Fb%3C", Html.segment("a/b<"));
        assertEquals("id: 7\nevent: e\ndata: <p>\ndata: x</p>\n\n", Console.format(7, new Console.Message("e", "<p>\nx</p>")));
    }

    @Test
    void aHorizontalPortraitChangeIsPublishedForItsOwnerIhpaOnly() {
        ConsoleHub hub = new ConsoleHub(100, () -> t0);
        io.fabric8.kubernetes.api.model.GenericKubernetesResource owned = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("autoscaling.kapacitystack.io/v1alpha1").withKind("HorizontalPortrait")
                .withNewMetadata().withNamespace("ns").withName("web-reactive")
                .addNewOwnerReference().withKind("IntelligentHorizontalPodAutoscaler").withName("web").withUid("u").withController(true).endOwnerReference()
                .endMetadata().build();
        io.fabric8.kubernetes.api.model.GenericKubernetesResource orphan = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("autoscaling.kapacitystack.io/v1alpha1").withKind("HorizontalPortrait")
                .withNewMetadata().withNamespace("ns").withName("web-reactive").endMetadata().build();
        hub.portraitChanged(orphan);
        assertEquals(0, hub.lastId(), "a portrait without an IHPA owner belongs to no page");
        hub.portraitChanged(owned);
        assertEquals(1, hub.lastId());
        Got web = subscribe(hub, 0, "web");
        ConsoleHub.Item item = web.replay().get().items().get(0);
        assertEquals(new ObjectKey("ns", "web"), item.key());
        assertEquals(ConsoleHub.Kind.CHANGED, item.kind());
        // its events are filed under the IHPA too
        hub.recorded(new RecordedEvent("HorizontalPortrait", "ns", "web-reactive", "c", "Warning", "R", "m", t0), item.key());
        Await.until("the portrait's event on the IHPA's stream", () -> web.live().contains(2L));
        assertEquals("R", hub.lastEvent(new ObjectKey("ns", "web")).reason());
    }
}
