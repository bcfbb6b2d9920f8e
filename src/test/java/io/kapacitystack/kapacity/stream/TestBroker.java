package io.kapacitystack.kapacity.stream;

import io.kapacitystack.kapacity.testing.Await;

import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * A real single-node KRaft cluster in this JVM (Kafka's own test kit), with helpers to make and read topics, and to
 * stop its broker and start it again on the same address (an outage). Public for the fault-injection suite
 * (reliability/KafkaOutageIT).
 */
public final class TestBroker implements AutoCloseable {

    final KafkaClusterTestKit cluster;

    private TestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static TestBroker start() throws Exception {
        return start(b -> { }, n -> { });
    }

    static TestBroker start(Consumer<KafkaClusterTestKit.Builder> config, Consumer<TestKitNodes.Builder> nodes) throws Exception {
        TestKitNodes.Builder n = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1);
        nodes.accept(n);
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(n.build())
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                // the tests' records carry fixed times in the past: no age-based deletion (as EmbeddedKafka)
                .setConfigProp("log.retention.ms", "-1");
        config.accept(b);
        KafkaClusterTestKit cluster = b.build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new TestBroker(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Properties adminProperties() {
        return cluster.clientProperties();
    }

    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(adminProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            // created is not yet led: a producer sent to a partition without a leader backs off before retrying
            Await.until("leaders for every partition of " + topic, () -> {
                try {
                    return EmbeddedKafka.everyPartitionLed(admin, topic);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        }
    }

    /** Every record of the topic, from the beginning to the current end (headers and raw values kept). */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Map<String, Object> c = new HashMap<>();
        cluster.clientProperties().forEach((k, v) -> c.put((String) k, v));
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Stops the broker (the controller stays): clients meet a refused connection until {@link #startAgain}. */
    public void stop() {
        BrokerServer server = broker();
        server.shutdown();
        server.awaitShutdown();
    }

    /** Starts the stopped broker again on the same address and waits until it is ready. */
    public void startAgain() throws Exception {
        broker().startup();
        cluster.waitForReadyBrokers();
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
