package io.kapacitystack.kapacity.ops;

import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The manager's probe and metrics server sends the console's security headers on every answer (issue 6). */
class OpsServerIT {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception {
        HttpServer server = OpsServer.listen(vertx, OpsServer.routes(vertx, new ControllerMetrics(), () -> false), "127.0.0.1:0")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        WebClient web = WebClient.create(vertx);
        // path -> expected status: an unrouted path, a wrong method and a not-ready probe are answered too
        Map<String, Integer> paths = Map.of("/healthz", 200, "/readyz", 503, "/metrics", 200, "/nothing-here", 404,
                "/metrics/../../etc/passwd", 404);
        for (Map.Entry<String, Integer> p : paths.entrySet()) {
            HttpResponse<Buffer> r = web.get(server.actualPort(), "127.0.0.1", p.getKey()).send()
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(p.getValue(), r.statusCode(), p.getKey());
            assertSecured(p.getKey(), r);
        }
        HttpResponse<Buffer> post = web.post(server.actualPort(), "127.0.0.1", "/metrics").send()
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertSecured("POST /metrics", post);
    }

    static void assertSecured(String what, HttpResponse<Buffer> r) {
        assertEquals(SecurityHeaders.CONTENT_SECURITY_POLICY, r.getHeader("Content-Security-Policy"), what);
        assertEquals("nosniff", r.getHeader("X-Content-Type-Options"), what);
        assertEquals("DENY", r.getHeader("X-Frame-Options"), what);
        assertEquals("no-referrer", r.getHeader("Referrer-Policy"), what);
        assertEquals("same-origin", r.getHeader("Cross-Origin-Opener-Policy"), what);
    }
}
