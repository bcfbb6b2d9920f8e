package io.kapacitystack.kapacity.stream;

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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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

/**
 * Publishes scaling facts to Kafka without ever being in the way of scaling (docs/kafka.md).
 *
 * <p>{@link #publish} only appends to a bounded buffer and returns; one thread of its own hands the records to the
 * Kafka producer strictly in order. The next records are encoded ahead of that, in slices on that thread and on
 * helpers at once ({@link InOrderSlices}), still in the buffer (the bound may drop them meanwhile), so a burst reaches
 * the producer at the pace of all cores. A record counts as buffered until the broker acknowledged it. While Kafka is
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
    /**
     * Records encoded ahead of the one handed over, at most: a burst's records are encoded in parallel, and while
     * Kafka is away no more than this many carry their encoded form beside the fact.
     */
    static final int LOOKAHEAD = 1024;
    /** Records one encoding thread takes at a time (about 0.5 ms of work). */
    static final int SLICE = 64;
    /** Without an acknowledgement for this long while records are in flight, Kafka counts as unavailable. */
    static final Duration ACK_OVERDUE = Duration.ofSeconds(10);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30};

    private final KafkaSettings settings;
    private final Function<KafkaSettings, Producer<String, byte[]>> producers;
    /** Thread-safe once configured (it keeps only the mode and the event format). */
    private final CloudEventSerializer serializer = new CloudEventSerializer();
    private final InOrderSlices<PendingRecord> encoders;
    private final Object lock = new Object();
    private final ArrayDeque<PendingRecord> queue = new ArrayDeque<>();
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
    private volatile AckObserver ackObserver = (sinceDecision, sincePublish) -> { };
    private final List<Consumer<String>> unavailableListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> availableAgainListeners = new CopyOnWriteArrayList<>();
    private final long ackOverdueNanos;
    /** When the producer last made progress (an acknowledgement, or records handed over with none in flight). */
    private long lastProgressNanos;
    private Thread thread;
    private Producer<String, byte[]> producer;
    /** Why Kafka is unavailable now (null while it is available): the label of {@code kapacity_kafka_unavailable}. */
    private volatile KafkaOutageCause cause;
    /** The sender's retry delay after a record was not accepted (sender thread only). */
    private long backoffMillis = MIN_BACKOFF_MS;
    private boolean notAccepted;
    private String lastEncodingFailure;

    public ScalingEventPublisher(KafkaSettings settings) {
        this(settings, ScalingEventPublisher::createProducer, ACK_OVERDUE);
    }

    ScalingEventPublisher(KafkaSettings settings, Function<KafkaSettings, Producer<String, byte[]>> producers,
                          Duration ackOverdue) {
        this.settings = settings;
        this.producers = producers;
        this.ackOverdueNanos = ackOverdue.toNanos();
        this.serializer.configure(settings.producerConfig(), false);
        this.encoders = new InOrderSlices<>(InOrderSlices.helpersForThisMachine(3), SLICE, this::encode,
                "kapacity-kafka-encoder");
        for (int i = 0; i < latencyBuckets.length; i++) {
            latencyBuckets[i] = new LongAdder();
        }
    }

    /** The values are CloudEvents already encoded by the publisher (see {@link #encode}). */
    static Producer<String, byte[]> createProducer(KafkaSettings s) {
        return new KafkaProducer<>(s.producerConfig(), new StringSerializer(), new ByteArraySerializer());
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

    /** What a benchmark learns of each acknowledged record (on the producer's thread; must not block). */
    @FunctionalInterface
    public interface AckObserver {
        /**
         * @param sinceDecisionNanos from the planner's decision (the metric's latency; from {@link #publish} when the
         *                           fact has no decision time)
         * @param sincePublishNanos  from {@link #publish}: the stream's own share
         */
        void acknowledged(long sinceDecisionNanos, long sincePublishNanos);
    }

    /** Called with each acknowledged record's latencies (benchmarks). */
    public void onAcknowledged(AckObserver observer) {
        this.ackObserver = observer;
    }

    /** Queues one fact; never blocks (beyond a short lock) and never throws. */
    public void publish(ScalingFact fact) {
        if (!running) {
            return;
        }
        synchronized (lock) {
            queue.addLast(new PendingRecord(fact, System.nanoTime()));
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
        List<PendingRecord> ahead = new ArrayList<>(LOOKAHEAD);
        while (running) {
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
                // the next records stay in the buffer while they are encoded: the bound may still drop them
                ahead.clear();
                Iterator<PendingRecord> next = queue.iterator();
                for (int n = Math.min(LOOKAHEAD, WINDOW - inFlight); n > 0 && next.hasNext(); n--) {
                    ahead.add(next.next());
                }
            }
            notAccepted = false;
            try {
                encoders.run(ahead, this::handOver);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            ahead.clear();
            if (notAccepted) {
                synchronized (lock) {
                    waitLocked(backoffMillis);
                }
                backoffMillis = Math.min(MAX_BACKOFF_MS, backoffMillis * 2);
            }
        }
    }

    /**
     * Turns a fact into its Kafka record: the CloudEvent (JSON data, attributes) through the configured mode.
     * Runs on any encoding thread; never throws (a fact that cannot be encoded is marked, and counted when its turn
     * comes).
     */
    private void encode(PendingRecord p) {
        if (p.encoded()) {
            return;
        }
        try {
            String id = UUID.randomUUID().toString();
            RecordHeaders headers = new RecordHeaders();
            byte[] value = serializer.serialize(settings.topic(), headers, CloudEventMapping.toCloudEvent(p.fact(), id));
            p.id = id;
            p.record = new ProducerRecord<>(settings.topic(), null, p.fact().time().toEpochMilli(), p.fact().key(),
                    value, headers);
        } catch (RuntimeException e) {
            p.encodingFailure = e.toString();
        }
    }

    /**
     * The next record in order goes to the producer, if the buffer bound did not drop it while it was encoded.
     * False when the round stops: the record was not accepted (it is back at the head and retried after a backoff),
     * or the publisher stops.
     */
    private boolean handOver(PendingRecord p) {
        synchronized (lock) {
            if (!running) {
                return false;
            }
            if (queue.peekFirst() != p) {
                // dropped: the records before it in this round were handed over, so only a dropped one is missing
                return true;
            }
            queue.pollFirst();
            if (p.encodingFailure != null) {
                failed.increment();
                encodingFailed(p);
                return true;
            }
            if (inFlight == 0) {
                lastProgressNanos = System.nanoTime();
            }
            inFlight++;
        }
        try {
            if (producer == null) {
                producer = producers.apply(settings);
            }
            send(p);
            p.record = null;
            backoffMillis = MIN_BACKOFF_MS;
            return true;
        } catch (RuntimeException e) {
            synchronized (lock) {
                // not accepted by the producer, so not written: it goes back first, and nothing after it goes on
                inFlight--;
                queue.addFirst(p);
                trimLocked();
            }
            failed.increment();
            problem(describe(e, cause(e)));
            if (!(e instanceof TimeoutException) && producer != null) {
                // anything but a metadata wait may have left the producer unusable (fatal idempotence errors)
                closeProducer(Duration.ZERO);
            }
            notAccepted = true;
            return false;
        }
    }

    /** A fact no encoding can write (a bug, not Kafka): counted as failed, logged at ERROR once per new reason. */
    private void encodingFailed(PendingRecord p) {
        if (!p.encodingFailure.equals(lastEncodingFailure)) {
            lastEncodingFailure = p.encodingFailure;
            LOG.error("scaling event {} {} cannot be encoded as a CloudEvent, not published: {}", p.fact().type(),
                    p.fact().key(), p.encodingFailure);
        }
    }

    /**
     * Hands one record to the producer. The producer reports a record it could not even accept (no metadata within
     * max.block.ms: Kafka unreachable, the topic missing or not authorized) through the callback before
     * {@code send} returns; such a record was not written and is thrown here, to be retried in its place.
     */
    private void send(PendingRecord p) {
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicReference<Exception> refused = new AtomicReference<>();
        producer.send(p.record, (metadata, error) -> {
            if (error != null && sending.get()) {
                refused.set(error);
            } else {
                acknowledged(p, error);
            }
        });
        sending.set(false);
        Exception e = refused.get();
        if (e != null) {
            throw e instanceof RuntimeException r ? r : new org.apache.kafka.common.KafkaException(e);
        }
    }

    private void acknowledged(PendingRecord p, Exception error) {
        synchronized (lock) {
            inFlight--;
            lastProgressNanos = System.nanoTime();
            if (senderWaiting) {
                lock.notifyAll();
            }
        }
        if (error == null) {
            sent.increment();
            long now = System.nanoTime();
            long nanos = now - (p.fact().decidedNanos() != 0 ? p.fact().decidedNanos() : p.queuedNanos());
            observeLatency(nanos);
            ackObserver.acknowledged(nanos, now - p.queuedNanos());
            if (!available) {
                available = true;
                cause = null;
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
            KafkaOutageCause why = cause(error);
            problem(new Problem(why == KafkaOutageCause.OTHER ? KafkaOutageCause.RECORD_REJECTED : why,
                    "record " + p.id() + " (" + p.fact().type() + " " + p.fact().key() + ") rejected: " + describe(error, why).text()));
        }
    }

    private void checkOverdueLocked() {
        if (available && inFlight > 0 && System.nanoTime() - lastProgressNanos > ackOverdueNanos) {
            problem(new Problem(KafkaOutageCause.NO_ACKNOWLEDGEMENT, "no acknowledgement from " + settings.bootstrapServers() + " for "
                    + Duration.ofNanos(ackOverdueNanos).toMillis() + " ms; " + (queue.size() + inFlight) + " records buffered"));
        }
    }

    /** A cause and its text for the log, the Warning event and the listeners. */
    record Problem(KafkaOutageCause cause, String text) {
    }

    /** The cause while Kafka is unavailable, null while it is available. */
    public KafkaOutageCause unavailableCause() {
        return cause;
    }

    /** Kafka is unavailable: say so once per outage and per new cause, in the log and to the listeners. */
    private void problem(Problem problem) {
        boolean wasAvailable = available;
        available = false;
        if (wasAvailable || problem.cause() != cause) {
            cause = problem.cause();
            LOG.error("Kafka unavailable ({}), scaling events are buffered (scaling goes on): {}", problem.cause().label(), problem.text());
            for (Consumer<String> l : unavailableListeners) {
                try {
                    l.accept(problem.text());
                } catch (RuntimeException e) {
                    LOG.warn("Kafka availability listener failed: {}", e.toString());
                }
            }
        }
    }

    private KafkaOutageCause cause(Throwable e) {
        return KafkaOutageCause.of(e, connections() > 0);
    }

    /** The producer's open connections (its {@code connection-count} metric), 0 without a producer. */
    private double connections() {
        Producer<String, byte[]> p = producer;
        if (p == null) {
            return 0;
        }
        try {
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> m : p.metrics().entrySet()) {
                if (m.getKey().name().equals("connection-count") && m.getKey().group().equals("producer-metrics")
                        && m.getValue().metricValue() instanceof Number n) {
                    return n.doubleValue();
                }
            }
        } catch (RuntimeException e) {
            // a closed producer has no metrics: no connection either
        }
        return 0;
    }

    private Problem describe(Throwable e, KafkaOutageCause why) {
        return new Problem(why, why.describe(e, settings));
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
        // every cause with 0 or 1, so an alert can name the cause and a graph shows when it changed
        KafkaOutageCause now = available ? null : cause;
        sb.append("# TYPE kapacity_kafka_unavailable gauge\n");
        for (KafkaOutageCause c : KafkaOutageCause.values()) {
            sb.append("kapacity_kafka_unavailable{cause=\"").append(c.label()).append("\"} ").append(c == now ? 1 : 0).append('\n');
        }
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
        encoders.close();
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
        Producer<String, byte[]> p = producer;
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
