package io.kapacitystack.kapacity.stream;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventSerializer;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.autoscaler.IhpaScalingListener;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.horizontalportrait.PortraitResultListener;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Publishes scaling facts to Kafka without ever being in the way of scaling (docs/kafka.md).
 *
 * <p>{@link #publish} only appends to a bounded buffer and returns; one thread of its own hands the records to the
 * Kafka producer strictly in order. A record counts as buffered until the broker acknowledged it. While Kafka is
 * unreachable records wait; beyond {@code bufferSize} the oldest not yet handed over is dropped and counted. The
 * producer is idempotent with {@code acks=all} and no delivery deadline, and a record is handed over only after the
 * one before it was accepted, so after an outage the buffer drains in order and each record is written once.
 *
 * <p>The producer is created with the first record: only the leader, whose controllers make facts, connects.
 */
public final class ScalingEventPublisher implements IhpaScalingListener,
        PortraitResultListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScalingEventPublisher.class);
    /**
     * Records handed to the producer and not yet acknowledged, at most. 1,024 capped a burst at one window per broker
     * round trip (docs/benchmarks.md: 8,192 raised the sustained rate from 17,700 to 29,000 records/s on the loaded
     * benchmark machine); the producer's own buffer.memory (32 MB, ~1 KB a record) bounds it further.
     */
    static final int WINDOW = 8192;
    /** Without an acknowledgement for this long while records are in flight, Kafka counts as unavailable. */
    static final Duration ACK_OVERDUE = Duration.ofSeconds(10);
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30};

    private final KafkaSettings settings;
    private final Function<KafkaSettings, Producer<String, CloudEvent>> producers;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Records handed to the producer and not yet acknowledged (or refused). */
    private int inFlight;
    /** The sender waits for records or acknowledgements: only then does {@link #publish} need to wake it. */
    private boolean senderWaiting;
    private final LongAdder sent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder[] latencyBuckets = new LongAdder[LATENCY_BUCKETS.length];
    private final LongAdder latencyCount = new LongAdder();
    private final AtomicLong latencySumNanos = new AtomicLong();
    private volatile boolean available = true;
    private volatile boolean running = true;
    private volatile LongConsumer ackObserver = n -> { };
    private final List<Consumer<String>> unavailableListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> availableAgainListeners = new CopyOnWriteArrayList<>();
    private final long ackOverdueNanos;
    /** When the producer last made progress (an acknowledgement, or records handed over with none in flight). */
    private long lastProgressNanos;
    private Thread thread;
    private Producer<String, CloudEvent> producer;
    private String lastProblem;

    /**
     * A record on its way. Identity equality on purpose: a record's hash would hash the fact's whole data map, on
     * the sender's and the producer's threads for every record (it showed in the benchmark's profile).
     */
    private static final class Pending {
        final ScalingFact fact;
        final String id;
        final long queuedNanos;

        Pending(ScalingFact fact, String id, long queuedNanos) {
            this.fact = fact;
            this.id = id;
            this.queuedNanos = queuedNanos;
        }

        ScalingFact fact() {
            return fact;
        }

        String id() {
            return id;
        }

        long queuedNanos() {
            return queuedNanos;
        }
    }

    public ScalingEventPublisher(KafkaSettings settings) {
        this(settings, ScalingEventPublisher::createProducer, ACK_OVERDUE);
    }

    ScalingEventPublisher(KafkaSettings settings, Function<KafkaSettings, Producer<String, CloudEvent>> producers,
                          Duration ackOverdue) {
        this.settings = settings;
        this.producers = producers;
        this.ackOverdueNanos = ackOverdue.toNanos();
        for (int i = 0; i < latencyBuckets.length; i++) {
            latencyBuckets[i] = new LongAdder();
        }
    }

    static Producer<String, CloudEvent> createProducer(KafkaSettings s) {
        Map<String, Object> config = s.producerConfig();
        CloudEventSerializer values = new CloudEventSerializer();
        values.configure(config, false);
        return new KafkaProducer<>(config, new StringSerializer(), values);
    }

    public KafkaSettings settings() {
        return settings;
    }

    /**
     * Called with why Kafka is unavailable: once when an outage starts, and again if its reason changes (on the
     * publisher's thread; must not block).
     */
    public void onUnavailable(Consumer<String> listener) {
        unavailableListeners.add(listener);
    }

    /** Called when the broker acknowledges again after an outage (on the producer's thread; must not block). */
    public void onAvailableAgain(Runnable listener) {
        availableAgainListeners.add(listener);
    }

    /** Called with each acknowledged record's latency from the decision, in nanoseconds (benchmarks). */
    public void onAcknowledged(LongConsumer observer) {
        this.ackObserver = observer;
    }

    /** Queues one fact; never blocks (beyond a short lock) and never throws. */
    public void publish(ScalingFact fact) {
        if (!running) {
            return;
        }
        synchronized (lock) {
            queue.addLast(new Pending(fact, UUID.randomUUID().toString(), System.nanoTime()));
            trimLocked();
            if (thread == null) {
                thread = new Thread(this::run, "kapacity-kafka-publisher");
                thread.setDaemon(true);
                thread.start();
            } else if (senderWaiting) {
                lock.notifyAll();
            }
        }
    }

    public void publishAll(List<ScalingFact> facts) {
        facts.forEach(this::publish);
    }

    /** Listener for an {@code EventRecorder}: every recorded Kubernetes Event becomes a record. */
    public Consumer<RecordedEvent> eventListener() {
        return e -> publish(ScalingFacts.ofEvent(e, System.nanoTime()));
    }

    @Override
    public void statusWritten(IntelligentHorizontalPodAutoscaler ihpa, IntelligentHorizontalPodAutoscalerStatus before,
                              IntelligentHorizontalPodAutoscalerStatus after, ReplicaProfileSpec plannedProfile,
                              Instant decidedAt, long decidedNanos) {
        try {
            publishAll(ScalingFacts.ofStatus(ihpa, before, after, plannedProfile, decidedAt, decidedNanos));
        } catch (RuntimeException e) {
            LOG.warn("scaling facts of {}/{} not published: {}", ihpa.getMetadata().getNamespace(), ihpa.getMetadata().getName(), e.toString());
        }
    }

    @Override
    public void replicaProfileWritten(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfileSpec before, ReplicaProfileSpec after,
                                      Instant decidedAt, long decidedNanos) {
        try {
            publishAll(ScalingFacts.ofReplicaProfile(ihpa, before, after, decidedAt, decidedNanos));
        } catch (RuntimeException e) {
            LOG.warn("ReplicaProfile fact of {}/{} not published: {}", ihpa.getMetadata().getNamespace(), ihpa.getMetadata().getName(), e.toString());
        }
    }

    @Override
    public void timeSeriesWritten(HorizontalPortrait hp,
                                  HorizontalPortraitStatus.PortraitData before,
                                  HorizontalPortraitStatus.PortraitData after,
                                  Map<String, String> report, Instant at) {
        try {
            publish(ScalingFacts.ofPrediction(hp.getMetadata().getNamespace(), hp.getMetadata().getName(), before, after,
                    report, at, System.nanoTime()));
        } catch (RuntimeException e) {
            LOG.warn("prediction fact of {}/{} not published: {}", hp.getMetadata().getNamespace(), hp.getMetadata().getName(), e.toString());
        }
    }

    /** Beyond the buffer size the oldest record not yet handed to the producer goes. */
    private void trimLocked() {
        while (queue.size() + inFlight > settings.bufferSize() && !queue.isEmpty()) {
            queue.pollFirst();
            dropped.increment();
        }
    }

    public long buffered() {
        synchronized (lock) {
            return queue.size() + inFlight;
        }
    }

    public long sent() {
        return sent.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public boolean available() {
        return available;
    }

    private void run() {
        long backoff = 100;
        while (running) {
            Pending next;
            synchronized (lock) {
                while (running && (queue.isEmpty() || inFlight >= WINDOW)) {
                    checkOverdueLocked();
                    senderWaiting = true;
                    waitLocked(inFlight == 0 ? 0 : 500);
                    senderWaiting = false;
                }
                if (!running) {
                    return;
                }
                next = queue.pollFirst();
                if (inFlight == 0) {
                    lastProgressNanos = System.nanoTime();
                }
                inFlight++;
            }
            try {
                if (producer == null) {
                    producer = producers.apply(settings);
                }
                send(next);
                backoff = 100;
            } catch (RuntimeException e) {
                synchronized (lock) {
                    // not accepted by the producer, so not written: it goes back first, and nothing after it goes on
                    inFlight--;
                    queue.addFirst(next);
                    trimLocked();
                }
                failed.increment();
                problem(describe(e));
                if (!(e instanceof TimeoutException) && producer != null) {
                    // anything but a metadata wait may have left the producer unusable (fatal idempotence errors)
                    closeProducer(Duration.ZERO);
                }
                synchronized (lock) {
                    waitLocked(backoff);
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /**
     * Hands one record to the producer. The producer reports a record it could not even accept (no metadata within
     * max.block.ms: Kafka unreachable, the topic missing or not authorized) through the callback before
     * {@code send} returns; such a record was not written and is thrown here, to be retried in its place.
     */
    private void send(Pending p) {
        CloudEvent event = CloudEventMapping.toCloudEvent(p.fact(), p.id());
        ProducerRecord<String, CloudEvent> record = new ProducerRecord<>(settings.topic(), null,
                p.fact().time().toEpochMilli(), p.fact().key(), event);
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicReference<Exception> notAccepted = new AtomicReference<>();
        producer.send(record, (metadata, error) -> {
            if (error != null && sending.get()) {
                notAccepted.set(error);
            } else {
                acknowledged(p, error);
            }
        });
        sending.set(false);
        Exception e = notAccepted.get();
        if (e != null) {
            throw e instanceof RuntimeException r ? r : new org.apache.kafka.common.KafkaException(e);
        }
    }

    private void acknowledged(Pending p, Exception error) {
        synchronized (lock) {
            inFlight--;
            lastProgressNanos = System.nanoTime();
            if (senderWaiting) {
                lock.notifyAll();
            }
        }
        if (error == null) {
            sent.increment();
            long start = p.fact().decidedNanos() != 0 ? p.fact().decidedNanos() : p.queuedNanos();
            long nanos = System.nanoTime() - start;
            observeLatency(nanos);
            ackObserver.accept(nanos);
            if (!available) {
                available = true;
                lastProblem = null;
                LOG.info("Kafka is available again: scaling events are published to {}", settings.topic());
                for (Runnable l : availableAgainListeners) {
                    try {
                        l.run();
                    } catch (RuntimeException e) {
                        LOG.warn("Kafka availability listener failed: {}", e.toString());
                    }
                }
            }
        } else {
            // only errors no retry can fix reach here (retries are unlimited): the record is not written
            failed.increment();
            problem("record " + p.id() + " (" + p.fact().type() + " " + p.fact().key() + ") rejected: " + describe(error));
        }
    }

    private void checkOverdueLocked() {
        if (available && inFlight > 0 && System.nanoTime() - lastProgressNanos > ackOverdueNanos) {
            problem("no acknowledgement from " + settings.bootstrapServers() + " for "
                    + Duration.ofNanos(ackOverdueNanos).toMillis() + " ms; " + (queue.size() + inFlight) + " records buffered");
        }
    }

    /** Kafka is unavailable: say so once per outage and per new reason, in the log and to the listener. */
    private void problem(String reason) {
        boolean wasAvailable = available;
        available = false;
        if (wasAvailable || !reason.equals(lastProblem)) {
            lastProblem = reason;
            LOG.error("Kafka unavailable, scaling events are buffered (scaling goes on): {}", reason);
            for (Consumer<String> l : unavailableListeners) {
                try {
                    l.accept(reason);
                } catch (RuntimeException e) {
                    LOG.warn("Kafka availability listener failed: {}", e.toString());
                }
            }
        }
    }

    private String describe(Throwable e) {
        if (e instanceof TimeoutException && e.getMessage() != null && e.getMessage().contains("not present in metadata")) {
            return "topic \"" + settings.topic() + "\" not found on " + settings.bootstrapServers()
                    + " (create it, or let this client describe it): " + e.getMessage();
        }
        if (e instanceof AuthorizationException) {
            return "not authorized to write topic \"" + settings.topic() + "\": " + e.getMessage();
        }
        if (e instanceof AuthenticationException) {
            return "authentication to " + settings.bootstrapServers() + " failed: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private void waitLocked(long millis) {
        try {
            lock.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void observeLatency(long nanos) {
        double seconds = nanos / 1e9;
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            if (seconds <= LATENCY_BUCKETS[i]) {
                latencyBuckets[i].increment();
            }
        }
        latencyCount.increment();
        latencySumNanos.addAndGet(nanos);
    }

    /** The publisher's series in Prometheus text format (appended to /metrics). */
    public String scrape() {
        StringBuilder sb = new StringBuilder();
        sb.append("# TYPE kapacity_kafka_records_buffered gauge\nkapacity_kafka_records_buffered ").append(buffered()).append('\n');
        sb.append("# TYPE kapacity_kafka_records_sent_total counter\nkapacity_kafka_records_sent_total ").append(sent()).append('\n');
        sb.append("# TYPE kapacity_kafka_records_dropped_total counter\nkapacity_kafka_records_dropped_total ").append(dropped()).append('\n');
        sb.append("# TYPE kapacity_kafka_send_failures_total counter\nkapacity_kafka_send_failures_total ").append(failed()).append('\n');
        sb.append("# TYPE kapacity_kafka_available gauge\nkapacity_kafka_available ").append(available ? 1 : 0).append('\n');
        sb.append("# TYPE kapacity_kafka_publish_latency_seconds histogram\n");
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            sb.append("kapacity_kafka_publish_latency_seconds_bucket{le=\"").append(LATENCY_BUCKETS[i]).append("\"} ")
                    .append(latencyBuckets[i].sum()).append('\n');
        }
        sb.append("kapacity_kafka_publish_latency_seconds_bucket{le=\"+Inf\"} ").append(latencyCount.sum()).append('\n');
        sb.append("kapacity_kafka_publish_latency_seconds_sum ").append(latencySumNanos.get() / 1e9).append('\n');
        sb.append("kapacity_kafka_publish_latency_seconds_count ").append(latencyCount.sum()).append('\n');
        return sb.toString();
    }

    /** Waits up to {@code timeout} for the buffer to drain, then stops; what is left is counted as dropped. */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (thread != null && !queue.isEmpty() && System.nanoTime() < deadline) {
                waitLocked(Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000)));
            }
            running = false;
            lock.notifyAll();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000) + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long left = Math.max(0, deadline - System.nanoTime());
        closeProducer(Duration.ofNanos(left));
        synchronized (lock) {
            dropped.add(queue.size() + inFlight);
            queue.clear();
            inFlight = 0;
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void closeProducer(Duration timeout) {
        Producer<String, CloudEvent> p = producer;
        producer = null;
        if (p != null) {
            try {
                p.close(timeout);
            } catch (RuntimeException e) {
                LOG.warn("closing the Kafka producer: {}", e.toString());
            }
        }
    }
}
