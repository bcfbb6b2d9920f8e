package io.kapacitystack.kapacity.stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * A single-node Kafka (KRaft, broker and controller in one) inside this JVM, for the sandbox's
 * {@code --kafka embedded} (docs/kafka.md): the same server classes {@code bin/kafka-server-start.sh} runs
 * ({@code kafka.server.KafkaRaftServer}), its storage formatted as {@code kafka-storage.sh format} does, in a temporary
 * directory removed at close. Blocking: start and close it off the event loop.
 */
public final class EmbeddedKafka implements AutoCloseable {

    public static final String LISTENER = "PLAINTEXT";
    private static final String CONTROLLER = "CONTROLLER";
    private static final int NODE_ID = 1;

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final Map<String, Integer> ports;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, Map<String, Integer> ports) {
        this.server = server;
        this.dataDir = dataDir;
        this.ports = ports;
    }

    /** How to start one: the plaintext port, more listeners (e.g. SASL_SSL for tests), SCRAM users, any setting. */
    public static final class Builder {
        private int port;
        private final Map<String, String> extraListeners = new LinkedHashMap<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private final List<String> scramCredentials = new ArrayList<>();

        /** The plaintext listener's port on 127.0.0.1; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("invalid Kafka port " + port);
            }
            this.port = port;
            return this;
        }

        /** One more listener on a free port of 127.0.0.1 with its security protocol (configure it with {@link #config}). */
        public Builder listener(String name, String securityProtocol) {
            extraListeners.put(name, securityProtocol);
            return this;
        }

        /** Any broker setting ({@code server.properties} key and value). */
        public Builder config(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** A SCRAM user written at format time, as {@code kafka-storage.sh format --add-scram}. */
        public Builder scramUser(String mechanism, String user, String password) {
            scramCredentials.add(mechanism + "=[name=" + user + ",password=" + password + "]");
            return this;
        }

        public EmbeddedKafka start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("kapacity-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return startIn(dir);
            } catch (RuntimeException e) {
                deleteQuietly(dir);
                throw e;
            }
        }

        private EmbeddedKafka startIn(Path dir) {
            Map<String, Integer> ports = new LinkedHashMap<>();
            ports.put(LISTENER, port == 0 ? freePort() : port);
            extraListeners.keySet().forEach(name -> ports.put(name, freePort()));
            int controllerPort = freePort();
            StringBuilder listeners = new StringBuilder();
            StringBuilder protocols = new StringBuilder(CONTROLLER + ":PLAINTEXT," + LISTENER + ":PLAINTEXT");
            ports.forEach((name, p) -> listeners.append(name).append("://127.0.0.1:").append(p).append(','));
            extraListeners.forEach((name, protocol) -> protocols.append(',').append(name).append(':').append(protocol));
            listeners.append(CONTROLLER).append("://127.0.0.1:").append(controllerPort);
            String logDir = dir.resolve("data").toString();

            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", Integer.toString(NODE_ID));
            p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
            p.put("controller.listener.names", CONTROLLER);
            p.put("inter.broker.listener.name", LISTENER);
            p.put("listeners", listeners.toString());
            p.put("listener.security.protocol.map", protocols.toString());
            p.put("log.dirs", logDir);
            // one node: every internal topic with one replica
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("num.partitions", "3");
            // Records carry the sandbox's clock, not the broker's: a --clock-speed clock runs hours ahead (Kafka 4
            // refuses records more than 1 h in the future by default) and a test's clock may be days in the past
            // (time-based retention would delete them at its first check, 30 s after start). The data lives only as
            // long as the broker, so nothing is deleted by age and no time is refused.
            p.put("log.retention.ms", "-1");
            p.put("log.message.timestamp.after.max.ms", Long.toString(Long.MAX_VALUE));
            config.forEach(p::put);
            KafkaConfig kafkaConfig = KafkaConfig.fromProps(p, false);

            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(NODE_ID)
                    .setControllerListenerName(CONTROLLER)
                    .setMetadataLogDirectory(logDir)
                    .setDirectories(List.of(logDir))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setScramArguments(scramCredentials);
            try {
                formatter.run();
            } catch (Exception e) {
                throw new IllegalStateException("cannot format the embedded Kafka's storage in " + dir + ": " + e.getMessage(), e);
            }
            KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
            EmbeddedKafka kafka = new EmbeddedKafka(server, dir, Map.copyOf(ports));
            try {
                server.startup();
            } catch (RuntimeException e) {
                kafka.close();
                throw new IllegalStateException("the embedded Kafka did not start: " + e.getMessage(), e);
            }
            return kafka;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:port} of the plaintext listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port(LISTENER);
    }

    public int port(String listener) {
        Integer p = ports.get(listener);
        if (p == null) {
            throw new IllegalArgumentException("no listener " + listener);
        }
        return p;
    }

    /**
     * Creates the topic (an existing one is kept) and returns once every partition has a leader: a producer that
     * meets a partition without one backs off before retrying, which would delay the first records.
     */
    public void createTopic(String topic, int partitions, Duration timeout) {
        Map<String, Object> c = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(c)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            while (true) {
                if (everyPartitionLed(admin, topic)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader after " + timeout);
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        }
    }

    /**
     * Whether every partition of {@code topic} has a leader; false while the topic is not yet known to the broker's
     * metadata. A just-created topic is not yet led, and a producer sent to a partition without a leader backs off.
     */
    public static boolean everyPartitionLed(Admin admin, String topic) throws InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .allMatch(part -> part.leader() != null && !part.leader().isEmpty());
        } catch (ExecutionException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteQuietly(dataDir);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the system cleans it up eventually
        }
    }
}
