package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stream to a broker that only lets SCRAM users in over TLS, configured the way a user does it: a client
 * properties file ({@code --kafka-client-properties}) with SASL/SCRAM and a PEM trust store. The broker's certificate
 * is made here with the JDK's keytool (for 127.0.0.1, so hostname verification stays on).
 */
class ScramTlsIT {

    private static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path keystore = dir.resolve("broker.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("ca.crt").toString());
        broker = EmbeddedKafka.builder()
                .listener("SASL_SSL", "SASL_SSL")
                .config("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .config("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .config("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12")
                .config("listener.name.sasl_ssl.ssl.keystore.location", keystore.toString())
                .config("listener.name.sasl_ssl.ssl.keystore.password", PASSWORD)
                .config("listener.name.sasl_ssl.ssl.key.password", PASSWORD)
                .config("auto.create.topics.enable", "false")
                .scramUser("SCRAM-SHA-512", "kapacity", "s3cret-pw")
                .start();
        broker.createTopic("secured", 3, Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), out);
    }

    /** The file a user mounts as the chart's kafka.clientPropertiesSecret. */
    private static Path clientProperties(String name, String password) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kapacity\" password=\""
                        + password + "\";",
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + dir.resolve("ca.crt").toString().replace("\\", "\\\\"),
                ""));
        return file;
    }

    private static KafkaSettings settings(Path properties) {
        return new KafkaSettings("127.0.0.1:" + broker.port("SASL_SSL"), "secured",
                KafkaSettings.readClientProperties(properties.toString()), 1000, Encoding.BINARY);
    }

    @Test
    void scramOverTlsWithAClientPropertiesFileWritesAndReadsTheStream() throws Exception {
        KafkaSettings s = settings(clientProperties("client.properties", "s3cret-pw"));
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            for (int seq = 0; seq < 20; seq++) {
                p.publish(ScalingEventPublisherIT.fact("secure-ns", "app", seq));
            }
            Await.until("20 acknowledged over SASL_SSL", Duration.ofSeconds(60), () -> p.sent() == 20);
            assertTrue(p.available());
            assertEquals(0, p.failed());
        }
        List<StreamRecord> records;
        try (StreamReader reader = new StreamReader(s)) {
            records = reader.readSince(t.minusSeconds(1), Duration.ofSeconds(30));
        }
        assertEquals(20, records.size(), records.toString());
        for (int i = 0; i < records.size(); i++) {
            StreamRecord r = records.get(i);
            assertEquals(i, ((Number) r.data().get("seq")).intValue());
            assertEquals("secure-ns/app", r.subject());
            assertEquals(ScalingFact.REPLICA_PROFILE_CHANGED, r.type());
        }
    }

    @Test
    void aWrongPasswordIsReportedAsAnAuthenticationFailureAndNothingIsLost() throws Exception {
        KafkaSettings s = settings(clientProperties("wrong.properties", "not-the-password"));
        List<String> reasons = new CopyOnWriteArrayList<>();
        try (ScalingEventPublisher p = new ScalingEventPublisher(s)) {
            p.onUnavailable(reasons::add);
            p.publish(ScalingEventPublisherIT.fact("secure-ns", "denied", 0));
            Await.until("the authentication failure reported", Duration.ofSeconds(60), () -> !reasons.isEmpty());
            assertTrue(reasons.get(0).startsWith("authentication to 127.0.0.1:" + broker.port("SASL_SSL") + " failed"), reasons.toString());
            assertEquals(0, p.sent());
            assertEquals(1, p.buffered());
            assertTrue(p.scrape().contains("kapacity_kafka_available 0\n"), p.scrape());
            p.close(Duration.ZERO);
        }
    }
}
