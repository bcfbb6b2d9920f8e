package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Provider;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.WireFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryResponseEncoderTest {

    private static byte[] generated(List<Series> series) {
        Provider.QueryResponse.Builder b = Provider.QueryResponse.newBuilder();
        series.forEach(s -> b.addSeries(ProtoMapping.toProto(s)));
        return b.build().toByteArray();
    }

    @Test
    void sameBytesAsTheGeneratedMessageForEdgeCases() throws Exception {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("namespace", "b");
        labels.put("pod", "wéb-0 ✓");
        labels.put("", "");
        List<Series> series = List.of(
                new Series(List.of(new Point(0, 0), new Point(-1, -0.0), new Point(1763769600123L, Double.NaN),
                        new Point(Long.MAX_VALUE, Double.POSITIVE_INFINITY), new Point(Long.MIN_VALUE, -1.5)),
                        labels, Duration.ofMinutes(3)),
                new Series(List.of(), Map.of(), null),
                new Series(List.of(new Point(5, 1)), Map.of("a", "b"), Duration.ofMillis(1500)),
                new Series(List.of(new Point(5, 1)), Map.of(), Duration.ZERO));
        byte[] mine = QueryResponseEncoder.encode(series);
        assertArrayEquals(generated(series), mine);
        Provider.QueryResponse parsed = Provider.QueryResponse.parseFrom(mine);
        assertEquals(4, parsed.getSeriesCount());
        assertEquals("wéb-0 ✓", parsed.getSeries(0).getLabelsMap().get("pod"));
        assertEquals(Long.MIN_VALUE, parsed.getSeries(0).getPoints(4).getTimestamp());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(parsed.getSeries(0).getPoints(1).getValue()));
        assertEquals(500_000_000, parsed.getSeries(2).getWindow().getNanos());
        assertTrue(parsed.getSeries(3).hasWindow());
        assertEquals(0, QueryResponseEncoder.encode(List.of()).length);
    }

    @Test
    void sameBytesForRandomDays() {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            List<Series> series = new ArrayList<>();
            for (int s = 0; s < random.nextInt(4); s++) {
                List<Point> points = new ArrayList<>();
                long t = 1763769600000L + random.nextInt(1_000_000);
                for (int i = 0; i < random.nextInt(1500); i++) {
                    points.add(new Point(t + i * 60_000L, random.nextInt(5) == 0 ? 0 : random.nextGaussian() * 1e3));
                }
                series.add(new Series(points, Map.of("pod", "web-" + s), random.nextBoolean() ? null
                        : Duration.ofSeconds(random.nextInt(600), random.nextInt(1_000_000_000))));
            }
            assertArrayEquals(generated(series), QueryResponseEncoder.encode(series));
        }
    }

    @Test
    void jsonWireFormatGoesThroughTheGeneratedMessage() {
        QueryResponseEncoder encoder = new QueryResponseEncoder();
        assertTrue(encoder.accepts(WireFormat.PROTOBUF));
        GrpcMessage json = encoder.encode(List.of(new Series(List.of(new Point(1000, 2.5)), Map.of("a", "b"), null)),
                WireFormat.JSON);
        String text = json.payload().toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\"timestamp\"") && text.contains("2.5") && text.contains("\"a\""), text);
    }
}
