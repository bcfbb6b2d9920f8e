package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.Point;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusResponseTest {

    private static PrometheusResponse parse(String json) throws IOException {
        return PrometheusResponse.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void vectorWithLabelsAndUnknownFields() throws IOException {
        PrometheusResponse r = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                + "{\"metric\":{\"pod\":\"web-0\",\"namespace\":\"b\"},\"value\":[1763769600.123,\"0.25\"]},"
                + "{\"metric\":{},\"value\":[1763769601,\"NaN\"]}],\"stats\":{\"timings\":{\"a\":[1,2]}}},"
                + "\"infos\":[\"x\"]}");
        assertTrue(r.success());
        assertEquals("vector", r.resultType());
        assertEquals(2, r.result().size());
        assertEquals(Map.of("pod", "web-0", "namespace", "b"), r.result().get(0).labels());
        assertEquals(List.of(new Point(1763769600123L, 0.25)), r.result().get(0).points());
        assertEquals(1763769601000L, r.result().get(1).points().get(0).timestamp());
        assertTrue(Double.isNaN(r.result().get(1).points().get(0).value()));
    }

    @Test
    void matrixInAnyFieldOrder() throws IOException {
        PrometheusResponse r = parse("{\"data\":{\"result\":[{\"values\":[[1,\"1\"],[61,\"+Inf\"],[121,\"-Inf\"]],"
                + "\"metric\":{\"a\":\"b\"}}],\"resultType\":\"matrix\"},\"status\":\"success\"}");
        assertEquals("matrix", r.resultType());
        assertEquals(Map.of("a", "b"), r.result().get(0).labels());
        assertEquals(List.of(new Point(1000, 1), new Point(61000, Double.POSITIVE_INFINITY),
                new Point(121000, Double.NEGATIVE_INFINITY)), r.result().get(0).points());
    }

    @Test
    void errorsWarningsAndSeries() throws IOException {
        PrometheusResponse e = parse("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\","
                + "\"warnings\":[\"w1\",\"w2\"]}");
        assertEquals("bad_data", e.errorType());
        assertEquals("parse error", e.error());
        assertEquals(List.of("w1", "w2"), e.warnings());
        PrometheusResponse s = parse("{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"job\":\"x\"},{}]}");
        assertEquals(List.of(Map.of("__name__", "up", "job", "x"), Map.of()), s.labelSets());
        assertThrows(IOException.class, () -> parse("<html>bad gateway</html>"));
        assertThrows(IOException.class, () -> parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                + "\"result\":[{\"values\":[[1,2]]}]}}"));
    }

    @Test
    void timestampsToMillis() {
        for (String[] c : new String[][] {{"1763769600.123", "1763769600123"}, {"1763769600.1", "1763769600100"},
                {"1763769600.1235", "1763769600124"}, {"1763769600.12349", "1763769600123"}, {"0.001", "1"},
                {"-1.5", "-1500"}, {"1.5e3", "1500000"}}) {
            char[] chars = c[0].toCharArray();
            assertEquals(Long.parseLong(c[1]), PrometheusResponse.timestampMillis(chars, 0, chars.length), c[0]);
        }
        char[] justBelow = "999999999999999.9".toCharArray(); // still exact, as a double it would not be
        assertEquals(999_999_999_999_999_900L, PrometheusResponse.timestampMillis(justBelow, 0, justBelow.length));
        // more whole seconds than milliseconds can hold exactly: through double, never overflowing
        for (String huge : new String[] {"12345678901234567890.5", "9223372036854775.807", "1000000000000000.5"}) {
            char[] chars = huge.toCharArray();
            assertEquals(Math.round(Double.parseDouble(huge) * 1000), PrometheusResponse.timestampMillis(chars, 0,
                    chars.length), huge);
        }
    }

    @Test
    void valuesAreTheSameDoublesAsParseDouble() {
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 4) {
                case 0 -> random.nextDouble();
                case 1 -> random.nextInt(100_000) / 1000.0;
                case 2 -> random.nextGaussian() * Math.pow(10, random.nextInt(30) - 15);
                default -> Double.longBitsToDouble(random.nextLong());
            };
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                continue;
            }
            // Prometheus writes strconv.FormatFloat(v, 'f', -1, 64): shortest digits, no exponent
            String text = new java.math.BigDecimal(Double.toString(v)).toPlainString();
            char[] chars = ("x" + text + "y").toCharArray();
            assertEquals(Double.parseDouble(text), PrometheusResponse.parseValue(chars, 1, text.length()), text);
        }
        for (String text : new String[] {"0", "-0", "1", "100", "0.1", "123456789012345", "1234567890123456789",
                "0.0000000000000000000001", "+Inf", "-Inf", "Inf"}) {
            char[] chars = text.toCharArray();
            assertEquals(PrometheusClient.parseValue(text), PrometheusResponse.parseValue(chars, 0, chars.length),
                    text);
        }
    }

    @Test
    void seventeenDigitValuesAsGoWritesThemAreTheSameDoubles() {
        Random random = new Random(11);
        for (int i = 0; i < 500_000; i++) {
            double v = switch (i % 5) {
                case 0 -> random.nextDouble();
                case 1 -> random.nextDouble() * 1e6;
                case 2 -> (random.nextInt(1_000_000) - random.nextInt(1_000_000)) / 15.0;
                case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                default -> Double.longBitsToDouble(random.nextLong() & 0x7FFFFFFFFFFFFFFFL) % 1e12;
            };
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                continue;
            }
            String text = new java.math.BigDecimal(Double.toString(v)).toPlainString();
            char[] chars = text.toCharArray();
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)),
                    Double.doubleToRawLongBits(PrometheusResponse.parseValue(chars, 0, chars.length)), text);
        }
        // exactly half-way between two doubles, and neighbours: decided by the slow path
        for (String text : new String[] {"9007199254740993", "9007199254740995", "9007199254740993.0000000001",
                "0.30000000000000004", "123456789012345678", "1.7976931348623157", "4.9406564584124654"}) {
            char[] chars = text.toCharArray();
            assertEquals(Double.parseDouble(text), PrometheusResponse.parseValue(chars, 0, chars.length), text);
        }
    }

    @Test
    void eiselLemireAgreesWithParseDoubleAcrossExponents() {
        Random random = new Random(3);
        int decided = 0;
        for (int i = 0; i < 300_000; i++) {
            long man = 1 + (random.nextLong() >>> (1 + random.nextInt(63)));
            int exp10 = random.nextInt(600) - 300;
            long bits = DecimalToDouble.eiselLemire(man, exp10, false);
            if (bits != DecimalToDouble.UNDECIDED) {
                decided++;
                String text = Long.toUnsignedString(man) + "E" + exp10;
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), bits, text);
            }
        }
        assertTrue(decided > 290_000, "decided " + decided);
    }

    @Test
    void formBodyIsWhatUrlDecoderReads() {
        String promql = "sum by (pod) (irate(container_cpu_usage_seconds_total{container!=\"\",pod=~\"a|b\"}[3m]))"
                + " + ünïcode 😀 & = % +";
        String body = new PrometheusClient.Form().add("query", promql).add("time", "1.5").body()
                .toString(StandardCharsets.US_ASCII);
        assertEquals("query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&time=1.5", body);
        assertEquals(promql, URLDecoder.decode(body.substring(6, body.indexOf('&')), StandardCharsets.UTF_8));
    }

    @Test
    void timesAsSeconds() {
        assertEquals("1763769600.123", PrometheusClient.time(Instant.ofEpochMilli(1763769600123L)));
        assertEquals("1763769600.005", PrometheusClient.time(Instant.ofEpochMilli(1763769600005L)));
        assertEquals("-0.500", PrometheusClient.time(Instant.ofEpochMilli(-500)));
        assertEquals("60.000", PrometheusClient.seconds(Duration.ofMinutes(1)));
        assertEquals("0.050", PrometheusClient.seconds(Duration.ofMillis(50)));
    }
}
