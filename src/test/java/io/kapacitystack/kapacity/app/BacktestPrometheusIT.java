package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.RealPrometheus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backtest --prometheus}: the demand read by range queries from a real Prometheus (6 hours of a 1-minute gauge,
 * backfilled with the real promtool) gives the same figures as the same samples given as a CSV trace; a range of more
 * steps than one request may ask for is read in several requests without losing or repeating a sample; a query that
 * returns two series is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BacktestPrometheusIT {

    private RealPrometheus prometheus;
    private Path dir;
    private long start;
    private long end;

    @BeforeAll
    void start() throws Exception {
        end = Instant.now().getEpochSecond() / 60 * 60 - 3600;
        start = end - 6 * 3600;
        dir = Files.createTempDirectory("backtest-prometheus-it");
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("history.om"), StandardCharsets.UTF_8)) {
            w.write("# TYPE demand gauge\n");
            for (long t = start; t <= end; t += 60) {
                long m = (t - start) / 60;
                double v = 50 + 450 * (1 - Math.cos(2 * Math.PI * m / 60.0)) / 2;
                String value = String.format(java.util.Locale.ROOT, "%.3f", v);
                w.write("demand{zone=\"a\"} " + value + " " + t + "\n");
                w.write("demand{zone=\"b\"} " + value + " " + t + "\n");
                csv.append(t).append(',').append(value).append('\n');
            }
            w.write("# EOF\n");
        }
        Files.writeString(dir.resolve("trace.csv"), csv);
        prometheus = RealPrometheus.backfilled(dir.resolve("history.om"));
    }

    @AfterAll
    void stop() throws Exception {
        prometheus.close();
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BacktestCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aRangeQueryGivesTheFiguresOfTheSameSamplesAsACsvTrace() {
        List<String> common = List.of("--capacity-per-replica", "50", "--policies", "oracle,hpa", "--format", "json");
        String[] fromPrometheus = run(concat(List.of("--prometheus", prometheus.url(), "--query", "demand{zone=\"a\"}",
                "--start", Long.toString(start), "--end", Instant.ofEpochSecond(end).toString(), "--step", "60s"), common));
        assertEquals("0", fromPrometheus[0], fromPrometheus[2]);
        String[] fromCsv = run(concat(List.of("--trace", dir.resolve("trace.csv").toString()), common));
        assertEquals("0", fromCsv[0], fromCsv[2]);
        assertEquals(fromCsv[1], fromPrometheus[1]);
        assertTrue(fromPrometheus[1].contains("\"samples\" : " + ((end - start) / 60 + 1)), fromPrometheus[1]);
    }

    @Test
    void aRangeOfMoreStepsThanOneRequestIsReadInPiecesWithoutGapsOrRepeats() throws Exception {
        // 6 hours at a 1-second step: 21,601 steps, three requests of at most 10,000
        Path csv = dir.resolve("series.csv");
        String[] r = run("--prometheus", prometheus.url(), "--query", "sum(demand)", "--start", Long.toString(start),
                "--end", Long.toString(end), "--step", "1s", "--capacity-per-replica", "50", "--policies", "oracle",
                "--format", "json", "--output-csv", csv.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("\"samples\" : " + (end - start + 1)), r[1]);
        assertTrue(r[1].contains("\"stepSeconds\" : 1"), r[1]);
    }

    @Test
    void aQueryReturningTwoSeriesIsRefused() {
        String[] r = run("--prometheus", prometheus.url(), "--query", "demand", "--start", Long.toString(start),
                "--end", Long.toString(end), "--capacity-per-replica", "50");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("the query returns 2 series; it must return one"), r[2]);
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
