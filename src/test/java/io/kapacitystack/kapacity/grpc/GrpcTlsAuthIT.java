package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.prometheus.TestCerts;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC metrics service over TLS, mutual TLS and with bearer-token authentication (openssl certificates). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcTlsAuthIT {

    private static final Provider.QueryLatestRequest REQUEST = Provider.QueryLatestRequest.newBuilder()
            .setQuery(Metric.Query.newBuilder().setType(Metric.QueryType.POD_RESOURCE).setPodResource(
                    Metric.PodResourceQuery.newBuilder().setNamespace("default").setName("a").setResourceName("cpu")))
            .build();
    private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> HEALTH = ServiceMethod.client(
            ServiceName.create("grpc.health.v1", "Health"), "Check", GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

    private final Vertx vertx = Vertx.vertx();
    private final FakeProvider provider = new FakeProvider();
    private Path dir;
    private TestCerts certs;
    private TestCerts.Pair server;
    private TestCerts.Pair clientCa;
    private TestCerts.Pair client;
    private TestCerts.Pair stranger;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("grpc-tls");
        certs = new TestCerts(dir);
        server = certs.selfSigned("server");
        clientCa = certs.selfSigned("client-ca");
        client = certs.signedBy(clientCa, "client", "algorithm-job");
        TestCerts.Pair otherCa = certs.selfSigned("other-ca");
        stranger = certs.signedBy(otherCa, "stranger", "stranger");
        provider.latest = q -> Future.succeededFuture(List.of(new Sample(1000, 0.5, Map.of("pod", "a"), null)));
    }

    @AfterAll
    void stop() {
        await(vertx.close());
    }

    private HttpClientOptions tls(TestCerts.Pair clientCert) {
        HttpClientOptions o = new HttpClientOptions().setSsl(true).setUseAlpn(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(server.cert().toString()));
        if (clientCert != null) {
            o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.cert().toString())
                    .setKeyPath(clientCert.key().toString()));
        }
        return o;
    }

    private static GrpcTestClient.Outcome<Provider.QueryLatestResponse> latest(GrpcTestClient c,
                                                                              Map<String, String> headers) {
        return await(c.callAsync(ProviderServiceGrpcClient.QueryLatest, REQUEST, 10_000, headers));
    }

    private static Throwable failure(Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void tlsServesTheGeneratedClient() throws Exception {
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags(
                server.cert().toString(), server.key().toString(), "", null)));
        GrpcTestClient c = new GrpcTestClient(vertx, port, tls(null));
        GrpcTestClient plain = new GrpcTestClient(vertx, port);
        try {
            Provider.QueryLatestResponse r = await(ProviderServiceGrpcClient.create(c.client(), c.address())
                    .queryLatest(REQUEST));
            assertEquals(1, r.getSamplesCount());
            assertEquals(0.5, r.getSamples(0).getPoint().getValue());
            assertEquals(GrpcStatus.OK, await(c.callAsync(HEALTH, HealthCheckRequest.getDefaultInstance(), 0,
                    Map.of())).status());
            // a plain-text (h2c) client gets nowhere
            Throwable t = failure(plain.callAsync(ProviderServiceGrpcClient.QueryLatest, REQUEST, 5_000, Map.of()));
            assertTrue(String.valueOf(t.getMessage()).contains("closed"), String.valueOf(t));
        } finally {
            c.close();
            plain.close();
            await(s.close());
        }
    }

    @Test
    void mutualTlsRefusesClientsWithoutATrustedCertificate() throws Exception {
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags(
                server.cert().toString(), server.key().toString(), clientCa.cert().toString(), null)));
        GrpcTestClient withCert = new GrpcTestClient(vertx, port, tls(client));
        GrpcTestClient withoutCert = new GrpcTestClient(vertx, port, tls(null));
        GrpcTestClient strangerCert = new GrpcTestClient(vertx, port, tls(stranger));
        try {
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> ok = latest(withCert, Map.of());
            assertEquals(GrpcStatus.OK, ok.status());
            assertEquals(1, ok.body().getSamplesCount());
            provider.lastQuery = null;
            for (GrpcTestClient refused : List.of(withoutCert, strangerCert)) {
                Throwable t = failure(refused.callAsync(ProviderServiceGrpcClient.QueryLatest, REQUEST, 5_000,
                        Map.of()));
                // TLS 1.3: the server rejects the client's certificate (or its absence) after the client finished
                // its handshake, so the client sees the connection closed (or a TLS alert)
                assertTrue(String.valueOf(t.getMessage()).matches("(?is).*(closed|certificate|handshake|ssl).*"),
                        String.valueOf(t));
            }
            assertNull(provider.lastQuery);
        } finally {
            withCert.close();
            withoutCert.close();
            strangerCert.close();
            await(s.close());
        }
    }

    @Test
    void bearerTokensAreAuthenticated() {
        AtomicInteger checks = new AtomicInteger();
        TokenAuthenticator auth = token -> {
            checks.incrementAndGet();
            return token.equals("broken") ? Future.failedFuture("tokenreview unreachable")
                    : Future.succeededFuture(token.equals("good"));
        };
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags(
                server.cert().toString(), server.key().toString(), null, auth)));
        GrpcTestClient c = new GrpcTestClient(vertx, port, tls(null));
        try {
            provider.lastQuery = null;
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(c, Map.of());
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status());
            assertEquals("missing bearer token", r.message());
            assertEquals(0, checks.get());
            r = latest(c, Map.of("authorization", "Basic Z29vZDo="));
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status());
            r = latest(c, Map.of("authorization", "Bearer bad"));
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status());
            assertEquals("invalid bearer token", r.message());
            assertNull(provider.lastQuery);
            r = latest(c, Map.of("authorization", "Bearer broken"));
            assertEquals(GrpcStatus.UNAVAILABLE, r.status());
            assertTrue(r.message().contains("tokenreview unreachable"), r.message());
            assertNull(provider.lastQuery);

            r = latest(c, Map.of("authorization", "Bearer good"));
            assertEquals(GrpcStatus.OK, r.status());
            assertEquals(1, r.body().getSamplesCount());
            r = latest(c, Map.of("authorization", "bearer good"));
            assertEquals(GrpcStatus.OK, r.status());
            assertEquals(4, checks.get()); // no check without a bearer token
            // probes carry no token: the health service stays open
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, await(c.callAsync(HEALTH,
                    HealthCheckRequest.getDefaultInstance(), 0, Map.of())).body().getStatus());
        } finally {
            c.close();
            await(s.close());
        }
    }

    @Test
    void tokenAuthWorksOverPlainText() {
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags("", "", "",
                token -> Future.succeededFuture(token.equals("good")))));
        GrpcTestClient c = new GrpcTestClient(vertx, port);
        try {
            assertEquals(GrpcStatus.UNAUTHENTICATED, latest(c, Map.of()).status());
            assertEquals(GrpcStatus.OK, latest(c, Map.of("authorization", "Bearer good")).status());
        } finally {
            c.close();
            await(s.close());
        }
    }

    /** The certificate a TLS handshake with the server presents (trusting {@code trusted}). */
    private static X509Certificate presented(int port, Path... trusted) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int i = 0;
        for (Path p : trusted) {
            try (InputStream in = Files.newInputStream(p)) {
                ks.setCertificateEntry("ca" + i++, cf.generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            Certificate[] chain = socket.getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        }
    }

    @Test
    void rotatedCertificateIsServedToNewConnections() throws Exception {
        Path cert = dir.resolve("rotating.crt");
        Path key = dir.resolve("rotating.key");
        Files.copy(server.cert(), cert);
        Files.copy(server.key(), key);
        TestCerts.Pair next = certs.selfSigned("next");
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags(
                cert.toString(), key.toString(), "", null).withCertCheckInterval(Duration.ofMillis(50))));
        try {
            X509Certificate first = presented(port, server.cert(), next.cert());
            Files.copy(next.cert(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(next.key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Await.until("the new certificate is served", () -> {
                try {
                    return !presented(port, server.cert(), next.cert()).equals(first);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            GrpcTestClient c = new GrpcTestClient(vertx, port, new HttpClientOptions().setSsl(true).setUseAlpn(true)
                    .setTrustOptions(new PemTrustOptions().addCertPath(next.cert().toString())));
            try {
                assertEquals(GrpcStatus.OK, latest(c, Map.of()).status());
            } finally {
                c.close();
            }
        } finally {
            await(s.close());
        }
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> GrpcMetricsServerOptions.fromFlags(
                server.cert().toString(), "", "", null));
        assertThrows(IllegalArgumentException.class, () -> GrpcMetricsServerOptions.fromFlags("", "",
                clientCa.cert().toString(), null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                GrpcMetricsServerOptions.fromFlags(dir.resolve("nope.crt").toString(), server.key().toString(), "",
                        null));
        assertTrue(e.getMessage().contains("not readable"), e.getMessage());
        assertEquals(GrpcMetricsServerOptions.plain(), GrpcMetricsServerOptions.fromFlags("", "", "", null));
    }
}
