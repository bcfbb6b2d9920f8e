package io.kapacitystack.kapacity.stream;

import io.cloudevents.kafka.CloudEventDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads the stream back (the {@code events} command, the console's history): every partition from the first record at
 * or after an instant, without a consumer group (nothing is committed). Blocking: call it off the event loop.
 * Records that are not CloudEvents are skipped and counted.
 */
public final class StreamReader implements AutoCloseable {

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CloudEventDeserializer decoder = new CloudEventDeserializer();
    private long skipped;

    public StreamReader(KafkaSettings settings) {
        this.topic = settings.topic();
        Map<String, Object> c = settings.clientConfig();
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "kapacity-stream-reader");
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Positions every partition at the first record at or after {@code since}. */
    private List<TopicPartition> seek(Instant since, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic \"" + topic + "\" not found");
        }
        List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(parts);
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(p -> query.put(p, since.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
        for (TopicPartition p : parts) {
            OffsetAndTimestamp o = offsets.get(p);
            consumer.seek(p, o != null ? o.offset() : end.get(p));
        }
        return parts;
    }

    /** Every record from {@code since} to the end as of now, oldest first (by time; one key's order is kept). */
    public List<StreamRecord> readSince(Instant since, Duration timeout) {
        List<TopicPartition> parts = seek(since, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
        List<StreamRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading topic \"" + topic + "\"");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    decode(r, out::add);
                }
            }
        }
        // a stable sort: records of one key come from one partition, already in order
        out.sort(Comparator.comparing(StreamRecord::time, Comparator.nullsFirst(Comparator.naturalOrder())));
        return out;
    }

    /** Hands every record from {@code since} on to {@code sink}, in partition order, until {@code stop} says so. */
    public void follow(Instant since, Duration timeout, Consumer<StreamRecord> sink, BooleanSupplier stop) {
        seek(since, timeout);
        while (!stop.getAsBoolean()) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                decode(r, sink);
            }
        }
    }

    private void decode(ConsumerRecord<String, byte[]> r, Consumer<StreamRecord> sink) {
        StreamRecord decoded;
        try {
            decoded = CloudEventMapping.fromCloudEvent(decoder.deserialize(r.topic(), r.headers(), r.value()));
        } catch (RuntimeException e) {
            skipped++;
            return;
        }
        sink.accept(decoded);
    }

    /** Records that were not CloudEvents. */
    public long skipped() {
        return skipped;
    }

    /** Makes a blocked {@link #follow} return (from another thread). */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
