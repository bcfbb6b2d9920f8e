package io.kapacitystack.kapacity.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backtest} end to end: a generated trace file in, the table, JSON, CSV and plots out. */
class BacktestCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BacktestCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** 6 hours of a noisy 1-hour wave with a 20-minute gap, at 1-minute steps, ISO timestamps. */
    private Path trace() throws Exception {
        Random r = new Random(7);
        StringBuilder b = new StringBuilder("timestamp,value\n");
        long t0 = Instant.parse("2026-01-05T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 360; i++) {
            if (i >= 200 && i < 220) {
                continue;
            }
            double v = (50 + 450 * (1 - Math.cos(2 * Math.PI * i / 60.0)) / 2) * (1 + 0.1 * (r.nextDouble() - 0.5));
            b.append(Instant.ofEpochSecond(t0 + 60L * i)).append(',').append(String.format(java.util.Locale.ROOT, "%.2f", v)).append('\n');
        }
        Path p = dir.resolve("trace.csv");
        Files.writeString(p, b);
        return p;
    }

    @Test
    void theCsvSeriesAndTheJsonSummaryAgree() throws Exception {
        Path csv = dir.resolve("series.csv");
        Run r = run("--trace", trace().toString(), "--capacity-per-replica", "50", "--max-replicas", "20",
                "--re-history-len=24H", "--re-test-dataset-size-in-seconds=3600", "--format", "json",
                "--output-csv", csv.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = JsonMapper.builder().build().readTree(r.out());
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.get(0).split(",", -1);
        assertEquals("timestamp", header[0]);
        assertEquals("demand", header[1]);
        Map<String, Integer> desiredColumn = new HashMap<>();
        Map<String, Integer> readyColumn = new HashMap<>();
        for (int c = 2; c < header.length; c += 2) {
            String policy = header[c].substring(0, header[c].length() - "_desired".length());
            assertEquals(policy + "_ready", header[c + 1]);
            desiredColumn.put(policy, c);
            readyColumn.put(policy, c + 1);
        }
        assertEquals(List.of("oracle", "hpa", "predictive", "predictive+hpa"),
                json.get("policies").valueStream().map(p -> p.get("policy").asString()).toList());
        for (JsonNode p : json.get("policies")) {
            String policy = p.get("policy").asString();
            int dc = desiredColumn.get(policy);
            int rc = readyColumn.get(policy);
            double replicaSeconds = 0;
            double underSeconds = 0;
            double unserved = 0;
            double demand = 0;
            double known = 0;
            int changes = 0;
            String previousDesired = null;
            for (int i = 1; i + 1 < lines.size(); i++) {
                String[] row = lines.get(i).split(",", -1);
                String[] next = lines.get(i + 1).split(",", -1);
                long dt = Instant.parse(next[0]).getEpochSecond() - Instant.parse(row[0]).getEpochSecond();
                if (previousDesired != null && !previousDesired.equals(row[dc])) {
                    changes++;
                }
                previousDesired = row[dc];
                if (row[1].isEmpty()) {
                    continue; // a gap
                }
                double d = Double.parseDouble(row[1]);
                double capacity = 50.0 * Integer.parseInt(row[rc]);
                replicaSeconds += Integer.parseInt(row[dc]) * dt;
                known += dt;
                demand += d * dt;
                if (d > capacity) {
                    underSeconds += dt;
                    unserved += (d - capacity) * dt;
                }
            }
            assertEquals(340.0, known / 60, 1e-9, "the gap of 20 minutes is not scored");
            assertEquals(p.get("scoredMinutes").asDouble(), known / 60, 1e-9, policy);
            assertEquals(p.get("replicaHours").asDouble(), replicaSeconds / 3600, 1e-9, policy);
            assertEquals(p.get("underProvisionedMinutes").asDouble(), underSeconds / 60, 1e-9, policy);
            assertEquals(p.get("unservedShare").asDouble(), demand == 0 ? 0 : unserved / demand, 1e-9, policy);
            assertEquals(p.get("scaleChanges").asInt(), changes, policy);
        }
        JsonNode oracle = json.get("policies").get(0);
        assertEquals(1.0, oracle.get("replicaHoursVsOracle").asDouble(), 1e-12);
        assertEquals(0.0, oracle.get("underProvisionedMinutes").asDouble());
    }

    @Test
    void theTableNamesEveryPolicyAndPlotsAreReadableImages() throws Exception {
        Path svg = dir.resolve("plot.svg");
        Path png = dir.resolve("plot.png");
        Path trace = trace();
        Run r = run("--trace", trace.toString(), "--capacity-per-replica", "50", "--policies", "oracle,hpa",
                "--plot", svg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("policy"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("oracle ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("hpa ")), r.out());
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        assertEquals(2, doc.getElementsByTagName("polyline").getLength());
        Run p = run("--trace", trace.toString(), "--capacity-per-replica", "50", "--policies", "oracle,hpa",
                "--plot", png.toString());
        assertEquals(0, p.code(), p.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(1200, img.getWidth());
    }

    @Test
    void aBadTraceIsRefusedWithItsLineAndReason() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "timestamp,value\n2026-01-05 00:00:00,1\n2026-01-05 00:01:00,-4\n");
        Run r = run("--trace", bad.toString(), "--capacity-per-replica", "50");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 3: the value must not be negative"), r.err());
        Run missing = run("--trace", bad.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--capacity-per-replica is required"), missing.err());
    }
}
