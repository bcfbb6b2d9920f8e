package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.gocompat.GoDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManagerOptionsTest {

    @Test
    void kapacitysShippedArgsParseUnchanged() {
        ManagerOptions o = ManagerOptions.parse("--zap-stacktrace-level=panic", "--zap-log-level=1", "--leader-elect",
                "--prometheus-metrics-config=/etc/kapacity/prometheus-metrics-config.yaml",
                "--algorithm-job-namespace=kapacity-system", "--algorithm-job-default-service-account=kapacity-algorithm-job",
                "--algorithm-job-default-metrics-server-addr=kapacity-grpc-service:9090");
        assertTrue(o.leaderElect);
        assertEquals("kapacity-system", o.algorithmJobNamespace);
        assertEquals(":9090", o.grpcServerBindAddress);
        assertEquals(20, o.kubeApiQps);
        assertEquals(30, o.kubeApiBurst);
        assertEquals(Duration.ofMinutes(10), o.prometheusMetricsMaxAge, "max age 0 means the relist interval");
    }

    @Test
    void goSyntaxVariants() {
        ManagerOptions o = ManagerOptions.parse("-kube-api-qps", "50", "--reconcile-concurrency=4", "--namespaces=a, b",
                "--leader-elect=false", "--kube-api-burst", "-3");
        assertEquals(50, o.kubeApiQps);
        assertEquals(4, o.reconcileConcurrency);
        assertEquals(List.of("a", "b"), o.namespaces);
        assertFalse(o.leaderElect);
        assertEquals(30, o.kubeApiBurst, "values <= 0 fall back to the default, as in Kapacity");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--no-such-flag                       | flag provided but not defined: -no-such-flag",
            "--metric-provider=graphite           | unknown metric provider type \"graphite\"",
            "--kube-api-burst=many                | not an integer",
            "--prometheus-metrics-relist-interval=10 minutes | time: unknown unit \" minutes\" in duration \"10 minutes\"",
            "--leader-elect=yes                   | invalid boolean value",
            "--standby-cpu-floor=lots             | invalid value \"lots\" for flag -standby-cpu-floor: not a resource quantity",
    })
    void badFlagsAreClearErrors(String arg, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse(arg.trim()));
        assertTrue(e.getMessage().contains(message.trim()), e.getMessage());
    }

    @Test
    void theCachesHaveTwoMinutesToSyncUnlessToldOtherwiseAndNeverNone() {
        assertEquals(java.time.Duration.ofMinutes(2), ManagerOptions.parse().cacheSyncTimeout);
        assertEquals(java.time.Duration.ofSeconds(30), ManagerOptions.parse("--cache-sync-timeout=30s").cacheSyncTimeout);
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--cache-sync-timeout=0s"));
    }

    @Test
    void bothPrometheusAuthModesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--prometheus-auth-incluster", "--prometheus-auth-config=/k"));
    }

    @Test
    void theConsoleIsReadAfterLoginUnlessAnonymousReadIsAskedFor() {
        ManagerOptions defaults = ManagerOptions.parse();
        assertEquals("kubernetes", defaults.consoleAuthMode);
        assertFalse(defaults.consoleAnonymousRead, "reading needs a login by default");
        assertTrue(ManagerOptions.parse("--console-anonymous-read").consoleAnonymousRead);
        // without authentication nobody can log in: anonymous reading must be asked for
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ManagerOptions.parse("--console-auth-mode=none"));
        assertTrue(e.getMessage().contains("add --console-anonymous-read to confirm"), e.getMessage());
        ManagerOptions open = ManagerOptions.parse("--console-auth-mode=none", "--console-anonymous-read");
        assertEquals("none", open.consoleAuthMode);
        assertTrue(open.consoleAnonymousRead);
        // a disabled console needs no confirmation
        assertEquals("none", ManagerOptions.parse("--console-auth-mode=none", "--console-bind-address=0").consoleAuthMode);
    }

    @ParameterizedTest
    @CsvSource({"15s,15", "1h30m,5400", "500ms,0.5", "1.5h,5400", "0,0", "2m3s,123"})
    void goDurations(String text, double seconds) {
        assertEquals((long) (seconds * 1000), GoDuration.parse(text).toMillis());
    }

    @Test
    void badGoDurations() {
        for (String bad : new String[]{"", "15", "1x", "h", "1h 30m"}) {
            assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
        }
        assertEquals("1h30m0s", GoDuration.format(Duration.ofMinutes(90)));
        assertEquals("15s", GoDuration.format(Duration.ofSeconds(15)));
    }

    @Test
    void kafkaFlagsAsTheChartRendersThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assertEquals(null, ManagerOptions.parse().kafkaSettings(), "no stream without bootstrap servers");
        java.nio.file.Path props = dir.resolve("client.properties");
        java.nio.file.Files.writeString(props, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        ManagerOptions o = ManagerOptions.parse("--kafka-bootstrap-servers=kafka-0.kafka:9092,kafka-1.kafka:9092",
                "--kafka-topic=scaling-events", "--kafka-client-properties=" + props, "--kafka-buffer-size=500",
                "--kafka-cloudevents-mode=structured", "--kafka-console-history=2h");
        io.kapacitystack.kapacity.stream.KafkaSettings kafka = o.kafkaSettings();
        assertEquals("kafka-0.kafka:9092,kafka-1.kafka:9092", kafka.bootstrapServers());
        assertEquals("scaling-events", kafka.topic());
        assertEquals("SCRAM-SHA-512", kafka.clientProperties().get("sasl.mechanism"));
        assertEquals(500, kafka.bufferSize());
        assertEquals(io.cloudevents.core.message.Encoding.STRUCTURED, kafka.encoding());
        assertEquals(Duration.ofHours(2), o.kafkaConsoleHistory);
        assertEquals("kapacity-scaling-events", ManagerOptions.parse("--kafka-bootstrap-servers=k:9092").kafkaSettings().topic());
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--kafka-bootstrap-servers=k:9092",
                "--kafka-client-properties=" + dir.resolve("missing")).kafkaSettings(), "read at start");
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--kafka-bootstrap-servers=k:9092",
                "--kafka-topic=no/slashes"));
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--kafka-client-properties=" + props));
        assertThrows(IllegalArgumentException.class, () -> ManagerOptions.parse("--kafka-bootstrap-servers=k:9092",
                "--kafka-buffer-size=0"));
    }
}
