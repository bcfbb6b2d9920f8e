package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventSerializer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where and how the stream is written: {@code --kafka-bootstrap-servers}, {@code --kafka-topic},
 * {@code --kafka-client-properties} (any Kafka client setting: TLS, SASL/SCRAM, mTLS), the buffer size and the
 * CloudEvents mode. The settings that make delivery exactly-once and in order cannot be overridden.
 */
public record KafkaSettings(String bootstrapServers, String topic, Map<String, String> clientProperties,
                            int bufferSize, Encoding encoding) {

    public static final String DEFAULT_TOPIC = "kapacity-scaling-events";
    public static final int DEFAULT_BUFFER = 10_000;
    public static final int MAX_BUFFER = 1_000_000;
    /**
     * The producer's batch per partition, 256 KiB instead of Kafka's 16 KiB: a burst of 3,000 records (~500 bytes
     * each with their ce_ headers) then goes in a few requests instead of ~100 batches behind the five requests in
     * flight an idempotent producer allows (docs/benchmarks.md: p99 from ~400 ms to ~15 ms for the bare producer on
     * the loaded benchmark machine). The producer's 32 MiB buffer.memory holds 128 such batches.
     */
    static final int BATCH_SIZE = 256 * 1024;

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers are required");
        }
        if (topic == null || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("invalid Kafka topic \"" + topic + "\": 1-249 of a-z A-Z 0-9 . _ -");
        }
        if (bufferSize < 1 || bufferSize > MAX_BUFFER) {
            throw new IllegalArgumentException("Kafka buffer size must be between 1 and " + MAX_BUFFER);
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Reads a Java properties file of Kafka client settings; an empty path reads nothing. */
    public static Map<String, String> readClientProperties(String file) {
        if (file == null || file.isEmpty()) {
            return Map.of();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(file))) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Kafka client properties " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    /** The client's own settings plus the bootstrap servers: the common part of producers and consumers. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return c;
    }

    /**
     * The producer: {@code acks=all} and idempotence (a retried batch is written once, in order), retries without a
     * delivery deadline (a record handed to the producer is kept until the broker has it: while Kafka is away it is
     * counted as buffered, never lost or duplicated), and a bounded wait for metadata so an unreachable cluster is
     * reported quickly.
     */
    public Map<String, Object> producerConfig() {
        Map<String, Object> c = clientConfig();
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "kapacity-manager");
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "2");
        c.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(BATCH_SIZE));
        c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        c.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        c.put(CloudEventSerializer.ENCODING_CONFIG, encoding.name());
        c.put(CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE);
        return c;
    }

    /** {@code binary} (attributes as ce_ headers, data as the value) or {@code structured} (one JSON document). */
    public static Encoding encoding(String mode) {
        return switch (mode) {
            case "binary" -> Encoding.BINARY;
            case "structured" -> Encoding.STRUCTURED;
            default -> throw new IllegalArgumentException("invalid CloudEvents mode \"" + mode + "\": binary or structured");
        };
    }
}
