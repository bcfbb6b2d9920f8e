package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrometheusClient} against an HTTPS server standing in for Prometheus (a self-signed certificate made
 * with openssl) that requires a bearer token and answers {@code /api/v1/query} with a Prometheus-shaped vector.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusAuthTlsIT {

    private final Vertx vertx = Vertx.vertx();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final List<String> seenAuth = new CopyOnWriteArrayList<>();
    private final List<String> seenClientCn = new CopyOnWriteArrayList<>();
    private Path dir;
    private TestCerts.Pair server;
    private TestCerts.Pair other;
    private TestCerts.Pair clientCa;
    private TestCerts.Pair client;
    private HttpServer https;
    private String url;

    private static <T> T await(Future<T> f) {
        return Await.result(f, java.time.Duration.ofSeconds(30));
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("prometheus-tls");
        TestCerts certs = new TestCerts(dir);
        server = certs.selfSigned("server");
        other = certs.selfSigned("other");
        clientCa = certs.selfSigned("client-ca");
        client = certs.signedBy(clientCa, "client", "kapacity-manager");
        https = await(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(server.cert().toString())
                                .setKeyPath(server.key().toString()))
                        .setTrustOptions(new PemTrustOptions().addCertPath(clientCa.cert().toString()))
                        .setClientAuth(ClientAuth.REQUEST))
                .requestHandler(req -> {
                    String auth = req.getHeader("Authorization");
                    seenAuth.add(String.valueOf(auth));
                    try {
                        seenClientCn.add(((X509Certificate) req.connection().peerCertificates().get(0))
                                .getSubjectX500Principal().getName());
                    } catch (SSLPeerUnverifiedException | RuntimeException e) {
                        seenClientCn.add("none");
                    }
                    if (auth == null || !auth.startsWith("Bearer ") || !validTokens.contains(auth.substring(7))) {
                        req.response().setStatusCode(401).end("Unauthorized");
                        return;
                    }
                    if (!req.path().equals("/api/v1/query")) {
                        req.response().setStatusCode(404).end("not found");
                        return;
                    }
                    req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                            .put("status", "success").put("data", new JsonObject().put("resultType", "vector")
                                    .put("result", new JsonArray().add(new JsonObject()
                                            .put("metric", new JsonObject().put("pod", "web-0"))
                                            .put("value", new JsonArray().add(1700000000.5).add("0.25")))))
                            .encode());
                }).listen(0, "127.0.0.1"));
        url = "https://127.0.0.1:" + https.actualPort();
    }

    @AfterAll
    void stop() {
        await(https.close());
        await(vertx.close());
    }

    @BeforeEach
    void reset() {
        validTokens.clear();
        seenAuth.clear();
        seenClientCn.clear();
    }

    private List<PrometheusClient.RawSeries> query(PrometheusClient c) {
        return await(c.query("up", Instant.ofEpochSecond(1700000000)));
    }

    private Path tokenFile(String token) throws Exception {
        Path f = Files.createTempFile(dir, "token", "");
        Files.writeString(f, token + "\n");
        return f;
    }

    private static PrometheusClientOptions tokenAndCa(Path tokenFile, Path ca) {
        return new PrometheusClientOptions(null, tokenFile, ca, null, null, null, null, null, false, null);
    }

    @Test
    void sendsTheTokenOfTheFileAndTrustsTheCustomCa() throws Exception {
        validTokens.add("t1");
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                tokenAndCa(tokenFile("t1"), server.cert()));
        try {
            List<PrometheusClient.RawSeries> r = query(c);
            assertEquals(1, r.size());
            assertEquals("web-0", r.get(0).labels().get("pod"));
            assertEquals(0.25, r.get(0).points().get(0).value());
            assertEquals(List.of("Bearer t1"), seenAuth);
            assertEquals(List.of("none"), seenClientCn);
        } finally {
            c.close();
        }
    }

    @Test
    void rotatedTokenIsPickedUpAfterA401() throws Exception {
        validTokens.add("t1");
        Path token = tokenFile("t1");
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), tokenAndCa(token,
                server.cert()).withTokenRefreshInterval(Duration.ofHours(1)));
        try {
            query(c);
            Files.writeString(token, "t2");
            validTokens.clear();
            validTokens.add("t2");
            query(c); // 401 with t1, file re-read, retried with t2
            assertEquals(List.of("Bearer t1", "Bearer t1", "Bearer t2"), seenAuth);
            query(c);
            assertEquals("Bearer t2", seenAuth.get(3));
        } finally {
            c.close();
        }
    }

    @Test
    void rotatedTokenIsPickedUpPeriodically() throws Exception {
        validTokens.addAll(Set.of("t1", "t2"));
        Path token = tokenFile("t1");
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), tokenAndCa(token,
                server.cert()).withTokenRefreshInterval(Duration.ofMillis(100)));
        try {
            query(c);
            Files.writeString(token, "t2");
            Await.until("the rotated token is sent", () -> {
                query(c);
                return seenAuth.get(seenAuth.size() - 1).equals("Bearer t2");
            });
            assertTrue(seenAuth.stream().allMatch(a -> a.equals("Bearer t1") || a.equals("Bearer t2")));
        } finally {
            c.close();
        }
    }

    @Test
    void unknownCaIsRefusedAsUnavailable() throws Exception {
        validTokens.add("t1");
        for (PrometheusClientOptions o : List.of(tokenAndCa(tokenFile("t1"), other.cert()),
                tokenAndCa(tokenFile("t1"), null))) {
            PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), o);
            try {
                MetricsException e = assertThrows(MetricsException.class, () -> query(c));
                assertEquals(MetricsException.Kind.UNAVAILABLE, e.kind());
                assertTrue(e.getMessage().startsWith("TLS handshake with prometheus at " + url + " failed"),
                        e.getMessage());
            } finally {
                c.close();
            }
        }
        assertEquals(List.of(), seenAuth);
    }

    @Test
    void missingOrWrongTokenIsReported() throws Exception {
        validTokens.add("t1");
        PrometheusClient none = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                tokenAndCa(null, server.cert()));
        PrometheusClient wrong = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                tokenAndCa(tokenFile("nope"), server.cert()));
        try {
            MetricsException e = assertThrows(MetricsException.class, () -> query(none));
            assertEquals(MetricsException.Kind.UNAVAILABLE, e.kind());
            assertEquals("prometheus at " + url + " refused the request: HTTP 401 (no bearer token configured)",
                    e.getMessage());
            e = assertThrows(MetricsException.class, () -> query(wrong));
            assertEquals("prometheus at " + url + " refused the request: HTTP 401", e.getMessage());
        } finally {
            none.close();
            wrong.close();
        }
    }

    @Test
    void inClusterUsesTheServiceAccountTokenAndCa() throws Exception {
        validTokens.add("sa-token");
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10),
                PrometheusClientOptions.inCluster(tokenFile("sa-token"), server.cert()));
        try {
            assertEquals(1, query(c).size());
            assertEquals(List.of("Bearer sa-token"), seenAuth);
        } finally {
            c.close();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrometheusClientOptions.inCluster(dir.resolve("missing"), server.cert()));
        assertTrue(e.getMessage().contains("not readable"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrometheusClientOptions.fromFlags(true, "x"));
        assertEquals(PrometheusClientOptions.none(), PrometheusClientOptions.fromFlags(false, ""));
    }

    private static String b64(Path p) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(p));
    }

    @Test
    void kubeconfigGivesTokenClientCertificateAndCa() throws Exception {
        validTokens.add("kube-token");
        Path kubeconfig = dir.resolve("prometheus-kubeconfig");
        Files.writeString(kubeconfig, String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "current-context: prom",
                "clusters:",
                "- name: prom",
                "  cluster:",
                "    server: https://ignored.example:6443",
                "    certificate-authority-data: " + b64(server.cert()),
                "- name: other",
                "  cluster:",
                "    server: https://other.example:6443",
                "contexts:",
                "- name: prom",
                "  context: {cluster: prom, user: prom}",
                "- name: other",
                "  context: {cluster: other, user: other}",
                "users:",
                "- name: prom",
                "  user:",
                "    token: kube-token",
                "    client-certificate-data: " + b64(client.cert()),
                "    client-key-data: " + b64(client.key()),
                "- name: other",
                "  user:",
                "    token: other-token",
                ""));
        PrometheusClientOptions o = PrometheusClientOptions.fromFlags(false, kubeconfig.toString());
        assertEquals("kube-token", o.bearerToken());
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), o);
        try {
            assertEquals(1, query(c).size());
            assertEquals(List.of("Bearer kube-token"), seenAuth);
            assertEquals(List.of("CN=kapacity-manager"), seenClientCn);
        } finally {
            c.close();
        }
        // file references instead of inline data, relative to the kubeconfig
        Files.writeString(kubeconfig, String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "current-context: prom",
                "clusters:",
                "- name: prom",
                "  cluster: {server: 'https://ignored.example:6443', certificate-authority: server.crt}",
                "contexts:",
                "- name: prom",
                "  context: {cluster: prom, user: prom}",
                "users:",
                "- name: prom",
                "  user: {token: kube-token}",
                ""));
        c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), PrometheusClientOptions.fromKubeconfig(kubeconfig));
        try {
            assertEquals(1, query(c).size());
        } finally {
            c.close();
        }
        // a tokenFile is followed like a projected token
        Files.writeString(dir.resolve("kube-token-file"), "file-token-1\n");
        Files.writeString(kubeconfig, Files.readString(kubeconfig).replace("user: {token: kube-token}",
                "user: {tokenFile: kube-token-file}"));
        PrometheusClientOptions fromFile = PrometheusClientOptions.fromKubeconfig(kubeconfig);
        assertEquals(dir.resolve("kube-token-file").toAbsolutePath(), fromFile.bearerTokenFile());
        validTokens.add("file-token-1");
        seenAuth.clear();
        c = new PrometheusClient(vertx, url, Duration.ofSeconds(10), fromFile);
        try {
            query(c);
            Files.writeString(dir.resolve("kube-token-file"), "file-token-2\n");
            validTokens.clear();
            validTokens.add("file-token-2");
            query(c);
            assertEquals(List.of("Bearer file-token-1", "Bearer file-token-1", "Bearer file-token-2"), seenAuth);
        } finally {
            c.close();
        }
        Files.writeString(kubeconfig, "users: [");
        assertThrows(IllegalArgumentException.class, () -> PrometheusClientOptions.fromKubeconfig(kubeconfig));
    }
}
