package io.kapacitystack.kapacity.ops;

import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.util.function.BooleanSupplier;

/** /healthz, /readyz and /metrics (Prometheus text) for the manager itself. */
public final class OpsServer {

    private OpsServer() {
    }

    public static Router routes(Vertx vertx, ControllerMetrics metrics, BooleanSupplier ready) {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("ok"));
        router.get("/readyz").handler(rc -> {
            if (ready.getAsBoolean()) {
                rc.response().putHeader("content-type", "text/plain").end("ok");
            } else {
                rc.response().setStatusCode(503).putHeader("content-type", "text/plain").end("caches not synced");
            }
        });
        router.get("/metrics").handler(rc -> rc.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        return router;
    }

    /** Listens on a Go-style bind address (":8081", "127.0.0.1:8081"); every answer carries {@link SecurityHeaders}. */
    public static Future<HttpServer> listen(Vertx vertx, Router router, String bindAddress) {
        HostPort hp = HostPort.parse(bindAddress);
        return vertx.createHttpServer().requestHandler(SecurityHeaders.around(router)).listen(hp.port(), hp.host());
    }

    public record HostPort(String host, int port) {

        public static HostPort parse(String address) {
            int colon = address.lastIndexOf(':');
            String host = colon <= 0 ? "0.0.0.0" : address.substring(0, colon);
            String port = colon < 0 ? address : address.substring(colon + 1);
            try {
                return new HostPort(host, Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid bind address \"" + address + "\"");
            }
        }
    }
}
