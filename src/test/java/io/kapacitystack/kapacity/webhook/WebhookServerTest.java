package io.kapacitystack.kapacity.webhook;

import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook over real HTTPS with an openssl-made certificate, and a certificate rotation picked up live. */
class WebhookServerTest {

    @TempDir
    Path dir;

    @Test
    void servesAdmissionReviewsOverTlsAndReloadsRotatedCertificates() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        selfSigned(certs, "first");
        Vertx vertx = Vertx.vertx();
        WebhookServer server = new WebhookServer(vertx, new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z")), certs);
        try {
            server.start("127.0.0.1:0", 100).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            JsonObject answer = post(vertx, certs, server.port()).bodyAsJsonObject();
            assertTrue(answer.getJsonObject("response").getBoolean("allowed"));
            assertEquals("JSONPatch", answer.getJsonObject("response").getString("patchType"));

            Path firstCert = dir.resolve("first.crt");
            Files.copy(certs.resolve("tls.crt"), firstCert);
            selfSigned(certs, "second");
            // A client that trusts only the new certificate succeeds once the server reloaded it.
            Await.until("the rotated certificate to be served", Duration.ofSeconds(15), () -> {
                try {
                    return post(vertx, certs, server.port()).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            HttpResponse<Buffer> garbage = rawPost(vertx, certs, server.port(), "not json");
            assertEquals(200, garbage.statusCode(), "answered with an AdmissionReview, as controller-runtime does");
            assertEquals(400, garbage.bodyAsJsonObject().getJsonObject("response").getJsonObject("status").getInteger("code"));
        } finally {
            server.close();
            vertx.close();
        }
    }

    /**
     * The certificate check must not read files on the event loop: a certificate path that blocks its reader (here a
     * FIFO held open by a writer that sends nothing, as a hung network volume would) leaves the webhook answering.
     * The check used to read the files on the server's own event loop, which then answered nothing.
     */
    @Test
    void aCertificateReadThatHangsDoesNotStopTheServer() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        selfSigned(certs, "first");
        Vertx vertx = Vertx.vertx();
        WebhookServer server = new WebhookServer(vertx, new ManualClock(vertx, Instant.EPOCH), certs);
        Context loop = vertx.getOrCreateContext();
        try {
            Promise<HttpServer> started = Promise.promise();
            loop.runOnContext(v -> server.start("127.0.0.1:0", 50).onComplete(started));
            Await.result(started.future(), Duration.ofSeconds(20));
            Path firstCert = Files.move(certs.resolve("tls.crt"), dir.resolve("first.crt"));
            Process mkfifo = new ProcessBuilder("mkfifo", certs.resolve("tls.crt").toString()).start();
            assertEquals(0, mkfifo.waitFor());
            // opening a FIFO for writing returns once the certificate check has opened it for reading
            try (FileOutputStream stuck = new FileOutputStream(certs.resolve("tls.crt").toFile())) {
                WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setTrustAll(true)
                        .setVerifyHost(false));
                try {
                    HttpResponse<Buffer> health = Await.result(client.get(server.port(), "127.0.0.1", "/healthz")
                            .send(), Duration.ofSeconds(30));
                    assertEquals("ok", health.bodyAsString());
                } finally {
                    client.close();
                    // a regular file again before the writer lets the stuck read finish, so no later check blocks
                    Files.delete(certs.resolve("tls.crt"));
                    Files.copy(firstCert, certs.resolve("tls.crt"));
                }
            }
        } finally {
            server.close();
            vertx.close();
        }
    }

    @Test
    void refusesToStartWithoutACertificate() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Throwable e = new WebhookServer(vertx, new ManualClock(vertx, Instant.EPOCH), dir).start("127.0.0.1:0", 1000)
                    .toCompletionStage().toCompletableFuture().handle((v, t) -> t).get(10, TimeUnit.SECONDS);
            assertTrue(e.getMessage().contains("webhook certificate not found"), e.getMessage());
        } finally {
            vertx.close();
        }
    }

    static void selfSigned(Path certs, String cn) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", certs.resolve("tls.key.new").toString(), "-out", certs.resolve("tls.crt.new").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "openssl failed: " + out);
        Files.move(certs.resolve("tls.key.new"), certs.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(certs.resolve("tls.crt.new"), certs.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static HttpResponse<Buffer> post(Vertx vertx, Path certs, int port) throws Exception {
        return rawPost(vertx, certs, port, review().encode());
    }

    /** A CREATE review of an opted-in pod. */
    static JsonObject review() {
        return PodReadinessGateMutatorTest.review("CREATE", "", PodReadinessGateMutatorTest.pod(true));
    }

    static HttpResponse<Buffer> rawPost(Vertx vertx, Path certs, int port, String body) throws Exception {
        WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(false)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(Files.readAllBytes(certs.resolve("tls.crt"))))));
        try {
            return client.post(port, "127.0.0.1", WebhookServer.PATH).putHeader("Content-Type", "application/json")
                    .sendBuffer(Buffer.buffer(body))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }
}
