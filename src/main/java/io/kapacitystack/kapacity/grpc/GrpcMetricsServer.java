package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.metric.ProviderServiceGrpcService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.server.GrpcServer;

/**
 * The metrics gRPC endpoint Kapacity's algorithm jobs call: plain-text HTTP/2 (h2c), no auth, serving
 * {@code io.kapacitystack.metric.ProviderService} and the standard {@code grpc.health.v1.Health} service
 * (overall status "" and the provider service name both report SERVING while the server is up).
 *
 * <pre>{@code
 * GrpcMetricsServer server = new GrpcMetricsServer();
 * server.start(vertx, provider, ":9090").onSuccess(port -> ...);
 * ...
 * server.close();
 * }</pre>
 */
public final class GrpcMetricsServer {

    private HttpServer http;

    /** True for the bind-address values that disable the server, {@code ""} and {@code "0"} (as Kapacity). */
    public static boolean isDisabled(String bindAddress) {
        return bindAddress == null || bindAddress.isBlank() || bindAddress.trim().equals("0");
    }

    /**
     * Listens on {@code bindAddress} ({@code host:port}, {@code :port} for all interfaces, port 0 for a free one;
     * IPv6 hosts in brackets) and completes with the port actually bound.
     */
    public Future<Integer> start(Vertx vertx, MetricsProvider provider, String bindAddress) {
        String host;
        int port;
        try {
            String a = bindAddress.trim();
            int colon = a.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("missing port");
            }
            host = a.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                host = "0.0.0.0";
            }
            port = Integer.parseInt(a.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range");
            }
        } catch (RuntimeException e) {
            return Future.failedFuture(new IllegalArgumentException("invalid gRPC server bind address \""
                    + bindAddress + "\": " + e.getMessage(), e));
        }
        GrpcServer grpc = GrpcServer.server(vertx);
        new ProviderGrpcService(vertx, provider).bind(grpc);
        grpc.addService(HealthService.create(vertx)
                .register(ProviderServiceGrpcService.SERVICE_NAME, () -> Future.succeededFuture(true)));
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true));
        server.requestHandler(grpc);
        return server.listen(port, host).map(s -> {
            http = s;
            return s.actualPort();
        });
    }

    public Future<Void> close() {
        HttpServer s = http;
        http = null;
        return s == null ? Future.succeededFuture() : s.close();
    }
}
