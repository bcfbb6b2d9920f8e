package io.kapacitystack.kapacity.horizontalportrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AlgorithmResultTest {

    private static Map<String, String> result(String timeSeries, String expireTime) {
        Map<String, String> data = new HashMap<>();
        data.put("type", "TimeSeries");
        if (timeSeries != null) {
            data.put("timeSeries", timeSeries);
        }
        if (expireTime != null) {
            data.put("expireTime", expireTime);
        }
        return data;
    }

    private static List<long[]> points(AlgorithmResult.Parsed parsed) {
        return parsed.data().timeSeries.timeSeries.stream().map(p -> new long[]{p.timestamp, p.replicas}).toList();
    }

    @Test
    void integerKeysBecomeTimeOrderedPointsWithTheirExpiry() throws Exception {
        AlgorithmResult.Parsed parsed = AlgorithmResult.parse(result("{\"1695290880\":6,\"1695290760\":3}",
                "2023-09-21T10:16:00.00Z"));
        assertEquals(HorizontalPortraitStatus.PortraitData.Type.TimeSeries, parsed.data().type);
        assertEquals(2, points(parsed).size());
        assertEquals(1695290760L, points(parsed).get(0)[0]);
        assertEquals(3L, points(parsed).get(0)[1]);
        assertEquals(1695290880L, points(parsed).get(1)[0]);
        assertEquals(6L, points(parsed).get(1)[1]);
        assertEquals("2023-09-21T10:16:00Z", parsed.data().expireTime);
        assertEquals(Map.of(), parsed.report());
    }

    @Test
    void kapacitysOwnJobsIntegralFloatKeysAreAccepted() throws Exception {
        AlgorithmResult.Parsed parsed = AlgorithmResult.parse(result("{\"1695290640.0\":3,\"1695291240.00\":4}", null));
        assertEquals(1695290640L, points(parsed).get(0)[0]);
        assertEquals(1695291240L, points(parsed).get(1)[0]);
        assertNull(parsed.data().expireTime);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"1695290640.5\":3}|failed to parse \"1695290640.5\" to int64 timestamp: not a whole number of unix seconds",
            "{\"-5\":3}|failed to parse \"-5\" to int64 timestamp: before 1970",
            "{\"abc\":3}|failed to parse \"abc\" to int64 timestamp",
            "{\"1e9\":3}|failed to parse \"1e9\" to int64 timestamp",
            "{\"1695290640\":NaN}|failed to unmarshal \"timeSeries\":",
            "{\"1695290640\":2.5}|failed to unmarshal \"timeSeries\": the replicas at \"1695290640\" are not an integer",
            "{\"1695290640\":-1}|failed to unmarshal \"timeSeries\": the replicas at \"1695290640\" are out of range",
            "{\"1695290640\":3000000000}|failed to unmarshal \"timeSeries\": the replicas at \"1695290640\" are out of range",
            "[1,2]|failed to unmarshal \"timeSeries\": not a JSON object",
            "{\"1695290640\":3|failed to unmarshal \"timeSeries\":",
            "{}|invalid result data: \"timeSeries\" has no points",
            "{\"1695290640\":3,\"1695290640.0\":4}|failed to unmarshal \"timeSeries\": duplicate timestamp 1695290640",
    })
    void aBadTimeSeriesIsRefusedWithItsReason(String timeSeries, String message) {
        AlgorithmResult.InvalidResultException e = assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(result(timeSeries, null)));
        assertEquals(true, e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void missingKeysAndOtherTypesAreRefusedInUpstreamsWords() {
        assertEquals("invalid result data: missing \"type\"", assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(Map.of("timeSeries", "{}"))).getMessage());
        assertEquals("invalid result data: missing \"type\"", assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(null)).getMessage());
        assertEquals("invalid result data: missing \"timeSeries\"", assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(Map.of("type", "TimeSeries"))).getMessage());
        assertEquals("unsupported result type \"Cron\"", assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(Map.of("type", "Cron", "timeSeries", "{}"))).getMessage());
        assertEquals(true, assertThrows(AlgorithmResult.InvalidResultException.class,
                () -> AlgorithmResult.parse(result("{\"1\":1}", "tomorrow"))).getMessage()
                .startsWith("failed to parse \"expireTime\": "));
    }

    @Test
    void theJobsOwnKeysAreItsReportBoundedInSize() throws Exception {
        Map<String, String> data = result("{\"1\":1}", null);
        data.put("model", "seasonal-profile");
        data.put("backtestMAPE", "0.071");
        data.put("huge", "x".repeat(10_000));
        AlgorithmResult.Parsed parsed = AlgorithmResult.parse(data);
        assertEquals(List.of("backtestMAPE", "huge", "model"), List.copyOf(parsed.report().keySet()));
        assertEquals("seasonal-profile", parsed.report().get("model"));
        assertEquals(AlgorithmResult.MAX_REPORT_VALUE + 1, parsed.report().get("huge").length());
    }

    @Test
    void aJobsRefusalIsReportedWithItsReason() {
        assertEquals("the algorithm job made no forecast: history too short: 1 day of data, 7 days needed",
                assertThrows(AlgorithmResult.InvalidResultException.class, () -> AlgorithmResult.parse(Map.of(
                        "type", "TimeSeries", "refused", "history too short: 1 day of data, 7 days needed"))).getMessage());
    }

    @Test
    void resultNamesMapToTheirPortrait() {
        assertEquals("predictive-sample-predictive-result", AlgorithmResult.configMapName("predictive-sample-predictive"));
        assertEquals("predictive-sample-predictive", AlgorithmResult.portraitNameOf("predictive-sample-predictive-result"));
        assertNull(AlgorithmResult.portraitNameOf("-result"));
        assertNull(AlgorithmResult.portraitNameOf("kube-root-ca.crt"));
    }
}
