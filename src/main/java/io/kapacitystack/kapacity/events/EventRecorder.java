package io.kapacitystack.kapacity.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records core/v1 Events the way client-go's recorder does ({@link EventCorrelator}): a repeat of the same event on the
 * same object bumps the count and lastTimestamp of the existing Event instead of creating a new one, many different
 * messages of one reason are combined into one Event, and an object that keeps producing events is rate-limited
 * (25 at once, then one per 5 minutes), so a misbehaving object cannot flood the API or the console. Recording never fails a reconcile:
 * a write error is logged. Every recorded event is also handed to listeners (console, Kafka) so they never disagree
 * with what {@code kubectl describe} shows.
 */
public final class EventRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private static final int MAX_REMEMBERED = 4096;
    /** Event names must be unique; several events can share one clock instant (always, under a manual clock). */
    private static final AtomicLong SEQUENCE =
            new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 20));

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final Clock clock;
    private final String component;
    private final List<Consumer<RecordedEvent>> listeners = new CopyOnWriteArrayList<>();
    private final EventCorrelator correlator = new EventCorrelator();
    private final Map<String, Event> recent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    public EventRecorder(KubernetesClient client, KubeExecutor executor, Clock clock, String component) {
        this.client = client;
        this.executor = executor;
        this.clock = clock;
        this.component = component;
    }

    public void addListener(Consumer<RecordedEvent> listener) {
        listeners.add(listener);
    }

    public Future<Void> record(HasMetadata object, PlannedEvent event) {
        Instant now = clock.now();
        String ns = object.getMetadata().getNamespace();
        String objectKey = component + "\u0000" + object.getKind() + "\u0000" + ns + "\u0000"
                + object.getMetadata().getName() + "\u0000" + object.getMetadata().getUid();
        EventCorrelator.Outcome outcome;
        synchronized (recent) {
            outcome = correlator.correlate(objectKey, event.type().name(), event.reason(), event.message(), now);
        }
        if (outcome.skip()) {
            // client-go drops it the same way: neither written nor shown, so the console and Kafka agree with the API.
            return Future.succeededFuture();
        }
        RecordedEvent recorded = new RecordedEvent(object.getKind(), ns, object.getMetadata().getName(), component,
                event.type().name(), event.reason(), outcome.message(), now);
        for (Consumer<RecordedEvent> l : listeners) {
            try {
                l.accept(recorded);
            } catch (RuntimeException e) {
                LOG.warn("event listener failed: {}", e.toString());
            }
        }
        String dedupKey = outcome.key();
        String timestamp = KubeTime.format(now);
        int count = outcome.count();
        return executor.call(() -> {
            Event previous;
            synchronized (recent) {
                previous = recent.get(dedupKey);
            }
            Event written = null;
            if (previous != null) {
                try {
                    // A merge patch, not a read-modify-write: the recorder needs only create and patch on events.
                    // The count includes the repeats the spam filter kept from the API, as client-go's does.
                    // The message too: a combined event carries its latest one, as client-go's patch does.
                    String patch = client.getKubernetesSerialization().asJson(Map.of(
                            "count", count, "lastTimestamp", timestamp, "message", outcome.message()));
                    written = client.v1().events().inNamespace(ns).withName(previous.getMetadata().getName())
                            .patch(PatchContext.of(
                                    PatchType.JSON_MERGE), patch);
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        // Any other failure (409, 500...) leaves the old Event in place: a new one carrying the
                        // count would count the repeats twice (found by the fault suite, docs/reliability.md).
                        // client-go creates a new Event only when the old one is gone, too.
                        throw e;
                    }
                    written = null; // the old Event expired or was deleted: create a new one below
                }
            }
            if (written == null) {
                Event e = new EventBuilder()
                        .withNewMetadata()
                        .withName(object.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli()) + Long.toHexString(SEQUENCE.incrementAndGet()))
                        .withNamespace(ns)
                        .endMetadata()
                        .withInvolvedObject(reference(object))
                        .withType(event.type().name())
                        .withReason(event.reason())
                        .withMessage(outcome.message())
                        .withFirstTimestamp(timestamp)
                        .withLastTimestamp(timestamp)
                        .withCount(count)
                        .withNewSource().withComponent(component).endSource()
                        .withReportingComponent(component)
                        .build();
                written = client.v1().events().inNamespace(ns).resource(e).create();
            }
            synchronized (recent) {
                recent.put(dedupKey, written);
            }
            return (Void) null;
        }).recover(e -> {
            LOG.warn("failed to record event {} on {}/{}: {}", event, ns, object.getMetadata().getName(), e.toString());
            return Future.succeededFuture();
        });
    }

    private static ObjectReference reference(HasMetadata o) {
        ObjectReference r = new ObjectReference();
        r.setApiVersion(o.getApiVersion());
        r.setKind(o.getKind());
        r.setName(o.getMetadata().getName());
        r.setNamespace(o.getMetadata().getNamespace());
        r.setUid(o.getMetadata().getUid());
        r.setResourceVersion(o.getMetadata().getResourceVersion());
        return r;
    }
}
