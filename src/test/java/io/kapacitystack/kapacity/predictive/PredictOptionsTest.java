package io.kapacitystack.kapacity.predictive;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PredictOptionsTest {

    static final Map<String, String> ENV = Map.of("HP_NAMESPACE", "default", "HP_NAME", "web-predictive",
            "METRICS_SERVER_ADDR", "kapacity-grpc-service:9090");

    @Test
    void kapacitysSampleArgumentsAreAccepted() {
        PredictOptions o = PredictOptions.parse(new String[]{"--tsf-model-path=/opt/kapacity/timeseries/forecasting/model",
                "--re-history-len=24H", "--re-time-delta-hours=8", "--re-test-dataset-size-in-seconds=3600",
                "--scaling-freq=10min"}, ENV);
        assertEquals(Duration.ofHours(24), o.historyLength());
        assertEquals(ZoneOffset.ofHours(8), o.zone());
        assertEquals(Duration.ofHours(1), o.testWindow());
        assertEquals(Duration.ofMinutes(10), o.scalingFreq());
        assertEquals("kapacity-grpc-service:9090", o.metricsServer());
        assertEquals(PredictOptions.DEFAULT_TOKEN_FILE, o.tokenFile());
        assertEquals(0, o.targetTolerance(), "sized at the target, as Kapacity");
    }

    @Test
    void anIanaZoneOverridesTheHourOffset() {
        PredictOptions o = PredictOptions.parse(new String[]{"--re-time-delta-hours=8", "--time-zone", "Asia/Kolkata"}, ENV);
        assertEquals(ZoneId.of("Asia/Kolkata"), o.zone());
    }

    @Test
    void periodsAndFrequenciesReadAsKapacityAndPandas() {
        assertEquals(7 * 1440, PredictOptions.periodMinutes("7D"));
        assertEquals(1440, PredictOptions.periodMinutes("D"));
        assertEquals(36 * 60, PredictOptions.periodMinutes("36H"));
        assertEquals(90, PredictOptions.periodMinutes("90min"));
        assertEquals(0, PredictOptions.periodMinutes("1h"), "case-sensitive, as Kapacity");
        assertEquals(Duration.ofHours(1), PredictOptions.scalingFreq("1H"));
        assertEquals(Duration.ofHours(1), PredictOptions.scalingFreq("H"));
        assertEquals(Duration.ofMinutes(1), PredictOptions.scalingFreq("min"));
        assertEquals(Duration.ofDays(1), PredictOptions.scalingFreq("1D"));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.scalingFreq("30s"));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.scalingFreq("2D"));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.scalingFreq("10 minutes"));
    }

    @Test
    void badValuesAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--re-history-len=1h"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--re-history-len=90D"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--time-zone=Mars/Base"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--scale-up-ahead-seconds=600"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--target-tolerance=1"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--target-tolerance=-0.1"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--target-tolerance=NaN"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{"--no-such-flag"}, ENV));
        assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse(new String[]{}, Map.of()));
    }

    @Test
    void longRangesAreSplitUnderPrometheusPointLimit() {
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        Instant end = start.plus(Duration.ofDays(14));
        List<Instant[]> w = HistoryReader.windows(start, end, Duration.ofMinutes(1));
        assertEquals(3, w.size(), "14 days of minutes = 20,161 points: three calls of at most 10,000");
        long total = 0;
        Instant expected = start;
        for (Instant[] x : w) {
            assertEquals(expected, x[0]);
            long points = Duration.between(x[0], x[1]).toMinutes() + 1;
            assertEquals(true, points <= HistoryReader.MAX_POINTS_PER_QUERY);
            total += points;
            expected = x[1].plusSeconds(60);
        }
        assertEquals(14 * 1440 + 1, total, "every minute once");
        assertEquals(end, w.get(w.size() - 1)[1]);
    }
}
