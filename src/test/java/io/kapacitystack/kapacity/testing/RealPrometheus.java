package io.kapacitystack.kapacity.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Prometheus (Debian's {@code prometheus} package) on a free loopback port, scraping one target every
 * second. Never optional: scripts/test.sh installs it, and a missing binary fails the test.
 */
public final class RealPrometheus implements AutoCloseable {

    public static final String BINARY = "/usr/bin/prometheus";

    private final Path dir;
    private final String url;
    private Process process;
    private final int port;

    private RealPrometheus(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.url = "http://127.0.0.1:" + port;
    }

    /** Starts Prometheus scraping {@code target} ({@code host:port}, path {@code metricsPath}); waits until ready. */
    public static RealPrometheus scraping(String target, String metricsPath) throws IOException {
        assertTrue(new File(BINARY).canExecute(),
                "prometheus is not installed (apt-get install -y --no-install-recommends prometheus; scripts/test.sh does it)");
        Path dir = Files.createTempDirectory("prometheus-test");
        Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "scrape_configs:",
                "- job_name: target",
                "  honor_labels: true",
                "  metrics_path: " + metricsPath,
                "  static_configs:",
                "  - targets: ['" + target + "']",
                ""));
        RealPrometheus p = new RealPrometheus(dir, freePort());
        p.start();
        return p;
    }

    /**
     * Starts Prometheus on history written beforehand: {@code openMetrics} (OpenMetrics text ending in
     * {@code # EOF}) is turned into TSDB blocks by the real {@code promtool tsdb create-blocks-from openmetrics}, then
     * the server starts on them, scraping nothing. For history longer than a test can wait for.
     */
    public static RealPrometheus backfilled(Path openMetrics) throws IOException, InterruptedException {
        String promtool = "/usr/bin/promtool";
        assertTrue(new File(promtool).canExecute(), "promtool is not installed (Debian's prometheus package has it)");
        Path dir = Files.createTempDirectory("prometheus-backfill");
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1m\n");
        Process p = new ProcessBuilder(promtool, "tsdb", "create-blocks-from", "openmetrics", openMetrics.toString(),
                dir.resolve("data").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("promtool.log").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0,
                () -> "promtool failed: " + readQuietly(dir.resolve("promtool.log")));
        RealPrometheus prometheus = new RealPrometheus(dir, freePort());
        prometheus.start();
        return prometheus;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void start() throws IOException {
        process = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Await.until("prometheus ready", Duration.ofSeconds(30), () -> get0(url + "/-/ready").startsWith("200"));
    }

    /** Stops the server (kept on disk), as an outage; {@link #restart()} brings it back with its data. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public void restart() throws IOException {
        start();
    }

    public String url() {
        return url;
    }

    /** {@code <status> <body>} of a GET on this server's API, or {@code down ...}. */
    public String get(String pathAndQuery) {
        return get0(url + pathAndQuery);
    }

    private static String get0(String u) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(u)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (Exception e) {
            return "down " + e;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            stop();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
