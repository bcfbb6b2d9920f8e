package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.sandbox.traffic.TrafficProfile;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadCost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The traffic annotation language, pure. */
class TrafficProfileTest {

    private static final Instant HOUR = Instant.parse("2024-05-01T10:00:00Z");

    @Test
    void constant() {
        TrafficProfile p = TrafficProfile.parse("constant 300");
        assertEquals(300, p.requestsPerSecond(HOUR));
        assertEquals(300, p.requestsPerSecond(HOUR.plusSeconds(12345)));
    }

    @Test
    void periodicWaveBetweenMinAndMax() {
        TrafficProfile hourly = TrafficProfile.parse("periodic 50..500/1h");
        assertEquals(50, hourly.requestsPerSecond(HOUR), 1e-9);
        assertEquals(500, hourly.requestsPerSecond(HOUR.plusSeconds(1800)), 1e-9);
        assertEquals(275, hourly.requestsPerSecond(HOUR.plusSeconds(900)), 1e-9);
        TrafficProfile daily = TrafficProfile.parse("periodic 50..500/24h");
        assertEquals(50, daily.requestsPerSecond(Instant.parse("2024-05-01T00:00:00Z")), 1e-9);
        assertEquals(500, daily.requestsPerSecond(Instant.parse("2024-05-01T12:00:00Z")), 1e-9);
    }

    @ParameterizedTest
    @CsvSource({"0,100", "599,100", "600,600", "899,600", "900,100", "1500,600"})
    void stepsRepeat(long secondsIntoCycle, double expected) {
        // 2024-05-01T10:00:00Z is a multiple of the 15-minute cycle since the epoch
        assertEquals(expected, TrafficProfile.parse("steps 100@10m,600@5m").requestsPerSecond(HOUR.plusSeconds(secondsIntoCycle)));
    }

    @ParameterizedTest
    @CsvSource({"0,3001", "15,1501", "30,1", "45,1501", "59,2901"})
    void vshapeIsTheQuickStartClient(int minute, int requestsInThatMinute) {
        TrafficProfile p = TrafficProfile.parse("vshape 100");
        assertEquals(requestsInThatMinute / 60.0, p.requestsPerSecond(HOUR.plusSeconds(minute * 60L + 17)), 1e-9);
    }

    @Test
    void csvFromTheClasspath() {
        // rows at 0s, 30m, 1h: the last step lasts as long as the one before it, so the cycle is 90 minutes
        TrafficProfile p = TrafficProfile.parse("csv daily");
        Instant midnight = Instant.parse("2024-05-01T00:00:00Z");
        assertEquals(10, p.requestsPerSecond(midnight));
        assertEquals(40, p.requestsPerSecond(midnight.plusSeconds(1800)));
        assertEquals(20, p.requestsPerSecond(midnight.plusSeconds(3600)));
        assertEquals(10, p.requestsPerSecond(midnight.plusSeconds(5400)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "constant", "constant -3", "constant lots", "periodic 500..50/1h",
            "periodic 1..2/xyz", "periodic 1-2/1h", "steps 100", "steps 100@0s", "bogus 1", "csv nope", "vshape"})
    void malformedTextIsRejectedWithAMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrafficProfile.parse(text));
        assertTrue(e.getMessage() != null && e.getMessage().length() > 10, e.getMessage());
    }

    @Test
    void costAnnotations() {
        WorkloadCost cost = WorkloadCost.fromAnnotations(Map.of(WorkloadCost.CPU_PER_REQUEST, "20m",
                WorkloadCost.MEMORY_PER_REQUEST, "1Mi", WorkloadCost.MEMORY_BASE, "10Mi", WorkloadCost.CPU_BASE, "0"));
        assertEquals(2.0, cost.cpuCores(100), 1e-9);
        assertEquals(110L * 1024 * 1024, cost.memoryBytes(100));
        assertEquals(WorkloadCost.DEFAULT, WorkloadCost.fromAnnotations(Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> WorkloadCost.fromAnnotations(Map.of(WorkloadCost.CPU_PER_REQUEST, "lots")));
    }
}
