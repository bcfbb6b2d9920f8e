package io.kapacitystack.kapacity.reliability;

import io.cloudevents.kafka.CloudEventDeserializer;
import io.kapacitystack.kapacity.reliability.StreamInvariants.TopicRecord;
import io.kapacitystack.kapacity.stream.CloudEventMapping;
import io.kapacitystack.kapacity.stream.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

/**
 * The Kafka of the suite's stream scenarios: a real single-node KRaft broker in the test JVM (Kafka's test kit) that
 * a test can stop and start again on the same address, the managers' flags for it, and what the topic holds: its
 * records, decoded, and which idempotent producer wrote how many of them (the broker's own producer state, so a
 * second manager that published would show as a second producer whatever its records say).
 */
final class SuiteKafka implements AutoCloseable {

    static final String TOPIC = "kapacity-scaling-events";
    static final int PARTITIONS = 3;

    final TestBroker broker;

    private SuiteKafka(TestBroker broker) {
        this.broker = broker;
    }

    static SuiteKafka start() throws Exception {
        TestBroker broker = TestBroker.start();
        broker.createTopic(TOPIC, PARTITIONS);
        return new SuiteKafka(broker);
    }

    /** The manager flags that publish to this broker's topic. */
    String[] managerFlags() {
        return new String[] {"--kafka-bootstrap-servers", broker.bootstrapServers(), "--kafka-topic", TOPIC};
    }

    /** Every record of the topic, decoded (CloudEvents binary mode, the manager's default). */
    List<TopicRecord> records() {
        List<TopicRecord> out = new ArrayList<>();
        try (CloudEventDeserializer d = new CloudEventDeserializer()) {
            for (ConsumerRecord<String, byte[]> r : broker.readAll(TOPIC)) {
                out.add(new TopicRecord(r.partition(), r.offset(), r.key(),
                        CloudEventMapping.fromCloudEvent(d.deserialize(r.topic(), r.headers(), r.value()))));
            }
        }
        return out;
    }

    /**
     * How many records each producer id wrote, from the broker's producer state: an idempotent producer numbers its
     * records per partition from 0, so its last sequence + 1 on each partition, summed, is what it wrote.
     */
    Map<Long, Long> recordsByProducer() throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        Map<Long, Long> out = new TreeMap<>();
        try (Admin admin = Admin.create(broker.adminProperties())) {
            admin.describeProducers(partitions).all().get().values().forEach(state -> {
                for (ProducerState p : state.activeProducers()) {
                    out.merge(p.producerId(), (long) p.lastSequence() + 1, Long::sum);
                }
            });
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
