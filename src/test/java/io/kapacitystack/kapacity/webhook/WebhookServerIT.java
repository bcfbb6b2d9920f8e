package io.kapacitystack.kapacity.webhook;

import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook over real HTTPS answers every POST with an AdmissionReview (never an HTTP 500 or a bare 4xx), bounds
 * the body it reads, and sends the security headers on every answer, its unrouted 404s too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookServerIT {

    private final Vertx vertx = Vertx.vertx();
    private Path certs;
    private WebhookServer server;
    private WebClient client;

    @BeforeAll
    void start() throws Exception {
        certs = Files.createTempDirectory("webhook-it");
        WebhookServerTest.selfSigned(certs, "webhook");
        server = new WebhookServer(vertx, new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z")), certs);
        server.start("127.0.0.1:0", 60_000).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(false)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(Files.readAllBytes(certs.resolve("tls.crt"))))));
    }

    @AfterAll
    void stop() throws Exception {
        client.close();
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<Buffer> send(HttpMethod method, String path, String contentType, Buffer body) throws Exception {
        var request = client.request(method, server.port(), "127.0.0.1", path);
        if (contentType != null) {
            request.putHeader("Content-Type", contentType);
        }
        return (body == null ? request.send() : request.sendBuffer(body))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private JsonObject reviewAnswer(String contentType, Buffer body) throws Exception {
        HttpResponse<Buffer> answer = send(HttpMethod.POST, WebhookServer.PATH, contentType, body);
        assertEquals(200, answer.statusCode(), answer.bodyAsString());
        assertSecured(answer);
        JsonObject review = answer.bodyAsJsonObject();
        assertEquals("AdmissionReview", review.getString("kind"), review.encode());
        return review.getJsonObject("response");
    }

    /** The code before this answered a review with a null request or a labels list with HTTP 500. */
    @Test
    void everyPostGetsAnAdmissionReview() throws Exception {
        JsonObject nullRequest = new JsonObject().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview")
                .putNull("request");
        JsonObject denied = reviewAnswer("application/json", nullRequest.toBuffer());
        assertFalse(denied.getBoolean("allowed"));
        assertEquals(400, denied.getJsonObject("status").getInteger("code"));

        JsonObject labelsList = PodReadinessGateMutatorTest.review("CREATE", "", new JsonObject()
                .put("metadata", new JsonObject().put("labels", List.of("kapacitystack.io/inject-pod-readiness-gate"))));
        JsonObject allowed = reviewAnswer("application/json", labelsList.toBuffer());
        assertTrue(allowed.getBoolean("allowed"), allowed.encode());
        assertNull(allowed.getValue("patch"));
        assertEquals("uid-1", allowed.getString("uid"));

        for (String garbage : List.of("", "not json", "[1,2]", "null", "\"text\"", "{\"request\":", "[".repeat(5_000))) {
            JsonObject answer = reviewAnswer("application/json", Buffer.buffer(garbage));
            assertFalse(answer.getBoolean("allowed"), garbage);
            assertEquals(400, answer.getJsonObject("status").getInteger("code"), garbage);
        }
        JsonObject wrongType = reviewAnswer("text/plain", PodReadinessGateMutatorTest.review("CREATE", "",
                PodReadinessGateMutatorTest.pod(true)).toBuffer());
        assertEquals("contentType=text/plain, expected application/json", wrongType.getJsonObject("status").getString("message"));
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithoutBeingKept() throws Exception {
        Buffer huge = Buffer.buffer("{\"request\":\"" + "x".repeat((int) WebhookServer.MAX_REQUEST_BYTES) + "\"}");
        JsonObject answer = reviewAnswer("application/json", huge);
        assertFalse(answer.getBoolean("allowed"));
        assertEquals(413, answer.getJsonObject("status").getInteger("code"));
        assertEquals("request entity is too large; limit is 7340032 bytes", answer.getJsonObject("status").getString("message"));
        // the connection still serves the next review
        assertTrue(reviewAnswer("application/json", WebhookServerTest.review().toBuffer()).getBoolean("allowed"));
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception {
        HttpResponse<Buffer> unrouted = send(HttpMethod.GET, "/nothing-here", null, null);
        assertEquals(404, unrouted.statusCode());
        assertSecured(unrouted);
        HttpResponse<Buffer> wrongMethod = send(HttpMethod.GET, WebhookServer.PATH, null, null);
        assertSecured(wrongMethod);
        HttpResponse<Buffer> health = send(HttpMethod.GET, "/healthz", null, null);
        assertEquals(200, health.statusCode());
        assertSecured(health);
    }

    static void assertSecured(HttpResponse<Buffer> r) {
        assertEquals(SecurityHeaders.CONTENT_SECURITY_POLICY, r.getHeader("Content-Security-Policy"));
        assertEquals("nosniff", r.getHeader("X-Content-Type-Options"));
        assertEquals("DENY", r.getHeader("X-Frame-Options"));
        assertEquals("no-referrer", r.getHeader("Referrer-Policy"));
        assertEquals("same-origin", r.getHeader("Cross-Origin-Opener-Policy"));
    }
}
