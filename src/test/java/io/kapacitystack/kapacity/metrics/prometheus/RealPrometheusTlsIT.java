package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrometheusClient} against a real Prometheus serving HTTPS and requiring a client certificate
 * ({@code --web.config.file}), configured through a kubeconfig as {@code --prometheus-auth-config} would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealPrometheusTlsIT {

    private static final String BINARY = "/usr/bin/prometheus";

    private final Vertx vertx = Vertx.vertx();
    private Process prometheus;
    private Path dir;
    private String url;
    private TestCerts.Pair server;
    private TestCerts.Pair client;

    private static <T> T await(Future<T> f) {
        return Await.result(f, java.time.Duration.ofSeconds(30));
    }

    private static String b64(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(p));
    }

    @BeforeAll
    void start() throws Exception {
        assertTrue(new File(BINARY).canExecute(),
                "prometheus is not installed (apt-get install -y --no-install-recommends prometheus; scripts/test.sh does it)");
        dir = Files.createTempDirectory("prometheus-tls-real");
        TestCerts certs = new TestCerts(dir);
        server = certs.selfSigned("server");
        TestCerts.Pair clientCa = certs.selfSigned("client-ca");
        client = certs.signedBy(clientCa, "client", "kapacity-manager");
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1m\n");
        Files.writeString(dir.resolve("web.yml"), String.join("\n",
                "tls_server_config:",
                "  cert_file: " + server.cert(),
                "  key_file: " + server.key(),
                "  client_auth_type: RequireAndVerifyClientCert",
                "  client_ca_file: " + clientCa.cert(),
                ""));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        url = "https://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("prometheus.yml"),
                "--web.config.file=" + dir.resolve("web.yml"), "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    @AfterAll
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        await(vertx.close());
    }

    private Path kubeconfig(boolean withClientCert) throws Exception {
        Path k = Files.createTempFile(dir, "kubeconfig", "");
        Files.writeString(k, String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "current-context: prom",
                "clusters:",
                "- name: prom",
                "  cluster:",
                "    server: https://ignored.example:6443",
                "    certificate-authority-data: " + b64(server.cert()),
                "contexts:",
                "- name: prom",
                "  context: {cluster: prom, user: prom}",
                "users:",
                "- name: prom",
                "  user:",
                withClientCert ? "    client-certificate-data: " + b64(client.cert()) : "    token: unused",
                withClientCert ? "    client-key-data: " + b64(client.key()) : "",
                ""));
        return k;
    }

    @Test
    void kubeconfigClientCertificateAndCaReachAnHttpsPrometheus() throws Exception {
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                PrometheusClientOptions.fromFlags(false, kubeconfig(true).toString()));
        PrometheusClient noCert = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                PrometheusClientOptions.fromKubeconfig(kubeconfig(false)));
        PrometheusClient noCa = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                PrometheusClientOptions.none());
        try {
            Await.until("prometheus answers over TLS", Duration.ofSeconds(30), () ->
                    await(c.query("vector(42)", Instant.now())).size() == 1);
            List<PrometheusClient.RawSeries> r = await(c.query("vector(42)", Instant.now()));
            assertEquals(42.0, r.get(0).points().get(0).value());

            MetricsException e = assertThrows(MetricsException.class, () -> await(noCert.query("vector(1)",
                    Instant.now())));
            assertEquals(MetricsException.Kind.UNAVAILABLE, e.kind());
            e = assertThrows(MetricsException.class, () -> await(noCa.query("vector(1)", Instant.now())));
            assertEquals(MetricsException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("TLS handshake with prometheus at " + url + " failed"),
                    e.getMessage());
        } finally {
            c.close();
            noCert.close();
            noCa.close();
        }
    }
}
