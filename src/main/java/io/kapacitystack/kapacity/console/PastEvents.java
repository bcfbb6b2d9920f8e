package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The core/v1 Events the API still holds for an IHPA and its ReplicaProfile: what happened before this process (and so
 * its console) started. Read with a blocking fabric8 call on a worker thread, once per page view.
 */
final class PastEvents {

    static final long FALLBACK_LIMIT = 500;
    static final Set<String> KINDS = Set.of("IntelligentHorizontalPodAutoscaler", "ReplicaProfile");

    private final Vertx vertx;
    private final KubernetesClient client;

    PastEvents(Vertx vertx, KubernetesClient client) {
        this.vertx = vertx;
        this.client = client;
    }

    Future<List<RecordedEvent>> of(ObjectKey key) {
        return vertx.executeBlocking(() -> {
            List<RecordedEvent> out = new ArrayList<>();
            List<Event> items = client.v1().events().inNamespace(key.namespace())
                    .withField("involvedObject.name", key.name()).list().getItems();
            if (items.isEmpty()) {
                // fabric8's mock API (and so the sandbox) answers this field selector with nothing: read a bounded page
                items = client.v1().events().inNamespace(key.namespace()).list(new ListOptionsBuilder()
                        .withLimit(FALLBACK_LIMIT).build()).getItems();
            }
            for (Event e : items) {
                // filtered here too: not every API server (nor the mock) applies the field selector
                if (e.getInvolvedObject() == null || !key.name().equals(e.getInvolvedObject().getName())
                        || !KINDS.contains(e.getInvolvedObject().getKind())) {
                    continue;
                }
                out.add(new RecordedEvent(e.getInvolvedObject().getKind(), key.namespace(), key.name(),
                        e.getSource() == null ? null : e.getSource().getComponent(), e.getType(), e.getReason(), e.getMessage(), time(e)));
            }
            return out;
        }, false);
    }

    private static Instant time(Event e) {
        for (String t : new String[]{e.getLastTimestamp(), e.getFirstTimestamp(),
                e.getEventTime() == null ? null : e.getEventTime().getTime(), e.getMetadata().getCreationTimestamp()}) {
            try {
                Instant i = KubeTime.parse(t);
                if (i != null) {
                    return i;
                }
            } catch (RuntimeException ignored) {
                // try the next field
            }
        }
        return null;
    }

    /**
     * The console's own events (newest first) followed by the API's that it does not have (it repeats one only once:
     * the API aggregates repeats into one Event with a count), newest first.
     */
    static List<RecordedEvent> merge(List<RecordedEvent> live, List<RecordedEvent> past) {
        Set<String> seen = new HashSet<>();
        for (RecordedEvent e : live) {
            seen.add(e.kind() + "|" + e.reason() + "|" + e.message());
        }
        List<RecordedEvent> older = new ArrayList<>();
        for (RecordedEvent e : past) {
            if (seen.add(e.kind() + "|" + e.reason() + "|" + e.message())) {
                older.add(e);
            }
        }
        older.sort((a, b) -> a.time() == null || b.time() == null ? 0 : b.time().compareTo(a.time()));
        List<RecordedEvent> all = new ArrayList<>(live);
        all.addAll(older);
        return all;
    }
}
