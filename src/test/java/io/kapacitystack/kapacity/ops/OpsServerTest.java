package io.kapacitystack.kapacity.ops;

import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpsServerTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void probesAndMetrics() throws Exception {
        ControllerMetrics metrics = new ControllerMetrics();
        metrics.reconciled("intelligenthorizontalpodautoscaler", true, 3_000_000);
        metrics.scalingAction("scale");
        AtomicBoolean ready = new AtomicBoolean(false);
        HttpServer server = OpsServer.listen(vertx, OpsServer.routes(vertx, metrics, ready::get), "127.0.0.1:0")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        WebClient web = WebClient.create(vertx);
        int port = server.actualPort();
        assertEquals(200, get(web, port, "/healthz").statusCode());
        assertEquals(503, get(web, port, "/readyz").statusCode(), "not ready before the caches sync");
        ready.set(true);
        assertEquals(200, get(web, port, "/readyz").statusCode());
        String body = get(web, port, "/metrics").bodyAsString();
        assertTrue(body.contains("controller_runtime_reconcile_total{controller=\"intelligenthorizontalpodautoscaler\",result=\"success\"} 1"), body);
        assertTrue(body.contains("kapacity_scaling_actions_total{kind=\"scale\"} 1"), body);
        assertTrue(body.contains("controller_runtime_reconcile_time_seconds_bucket{controller=\"intelligenthorizontalpodautoscaler\",le=\"0.005\"} 1"), body);
    }

    @Test
    void bindAddressesInGoSyntax() {
        assertEquals(8081, OpsServer.HostPort.parse(":8081").port());
        assertEquals("0.0.0.0", OpsServer.HostPort.parse(":8081").host());
        assertEquals("127.0.0.1", OpsServer.HostPort.parse("127.0.0.1:9090").host());
        assertThrows(IllegalArgumentException.class, () -> OpsServer.HostPort.parse(":http"));
    }

    private static HttpResponse<Buffer> get(WebClient web, int port, String path) throws Exception {
        return web.get(port, "127.0.0.1", path).send().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
