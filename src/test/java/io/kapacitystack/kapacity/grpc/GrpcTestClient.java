package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Raw calls through the Vert.x gRPC client that keep the status and status message of failed calls. */
final class GrpcTestClient {

    record Outcome<T>(GrpcStatus status, String message, T body) {
    }

    private final GrpcClient client;
    private final SocketAddress address;

    GrpcTestClient(Vertx vertx, int port) {
        this.client = GrpcClient.client(vertx);
        this.address = SocketAddress.inetSocketAddress(port, "127.0.0.1");
    }

    /** A client with its own HTTP options (TLS trust, client certificate). */
    GrpcTestClient(Vertx vertx, int port, HttpClientOptions options) {
        this.client = GrpcClient.client(vertx, options);
        this.address = SocketAddress.inetSocketAddress(port, "127.0.0.1");
    }

    /** A client with its own gRPC options (e.g. a larger maximum message size). */
    GrpcTestClient(Vertx vertx, int port, io.vertx.grpc.client.GrpcClientOptions options) {
        this.client = GrpcClient.client(vertx, options);
        this.address = SocketAddress.inetSocketAddress(port, "127.0.0.1");
    }

    GrpcClient client() {
        return client;
    }

    SocketAddress address() {
        return address;
    }

    <Req extends Message, Resp> Outcome<Resp> call(ServiceMethod<Resp, Req> method, Req request, long timeoutMs) {
        return await(callAsync(method, request, timeoutMs, Map.of()));
    }

    /** A call with extra request headers (metadata); fails if the connection fails. */
    <Req extends Message, Resp> Future<Outcome<Resp>> callAsync(ServiceMethod<Resp, Req> method, Req request,
                                                                 long timeoutMs, Map<String, String> headers) {
        return client.request(address, method).compose(req -> {
            headers.forEach((k, v) -> req.headers().set(k, v));
            if (timeoutMs > 0) {
                req.timeout(timeoutMs, TimeUnit.MILLISECONDS);
            }
            req.end(request);
            return req.response().compose(resp -> resp.last().transform(ar -> Future.succeededFuture(
                    new Outcome<>(resp.status(), resp.statusMessage(), ar.succeeded() ? ar.result() : null))));
        });
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void close() {
        await(client.close());
    }
}
