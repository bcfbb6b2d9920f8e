package io.kapacitystack.kapacity.runtime.http;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Several HTTP servers on one port, each on its own event loop: the instances of one verticle deployment, among which
 * Vert.x hands out new connections in turn. A server whose work per connection is small but whose connections are
 * many (the console's event streams, the gRPC endpoint's calls) is then spread over every core instead of one loop.
 *
 * <pre>{@code
 * SharedPortServers.listen(vertx, 4, "0.0.0.0", 0, () -> vertx.createHttpServer(options).requestHandler(router))
 *     .onSuccess(servers -> LOG.info("listening on {}", servers.port()));
 * }</pre>
 */
public final class SharedPortServers {

    /**
     * Port 0 asks each server for any free port, which would give every instance its own. Vert.x shares one random
     * port among the servers that listen on the same negative number, so each group takes a number of its own.
     */
    private static final AtomicInteger RANDOM_PORT_GROUPS = new AtomicInteger(-7000);

    private final Vertx vertx;
    private final List<HttpServer> servers;
    private final String deployment;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedPortServers(Vertx vertx, List<HttpServer> servers, String deployment, int port) {
        this.vertx = vertx;
        this.servers = List.copyOf(servers);
        this.deployment = deployment;
        this.port = port;
    }

    /**
     * Starts {@code instances} servers made by {@code server} (called once per instance, on the instance's own
     * event loop) listening on {@code host:port} ({@code port} 0 for a free one); completes with them once all
     * listen on the same port, and fails (with every server stopped) otherwise.
     */
    public static Future<SharedPortServers> listen(Vertx vertx, int instances, String host, int port,
                                                   Supplier<HttpServer> server) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be positive, got " + instances);
        }
        int bind = port == 0 ? RANDOM_PORT_GROUPS.decrementAndGet() : port;
        List<HttpServer> listening = new CopyOnWriteArrayList<>();
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        return vertx.deployVerticle(() -> context -> server.get().listen(bind, host).onSuccess(s -> {
            listening.add(s);
            ports.add(s.actualPort());
        }), new DeploymentOptions().setInstances(instances)).compose(id -> {
            SharedPortServers group = new SharedPortServers(vertx, listening, id,
                    ports.size() == 1 ? ports.iterator().next() : -1);
            if (ports.size() != 1) {
                return group.close().transform(ignored -> Future.failedFuture(
                        new IllegalStateException("the servers did not share one port: " + ports)));
            }
            return Future.succeededFuture(group);
        });
    }

    /** The port every server listens on. */
    public int port() {
        return port;
    }

    public List<HttpServer> servers() {
        return servers;
    }

    /** Stops every server (undeploying them closes their servers). */
    public Future<Void> close() {
        if (!closed.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        List<Future<?>> closing = new ArrayList<>();
        servers.forEach(s -> closing.add(s.close()));
        return Future.join(closing).transform(ignored -> vertx.undeploy(deployment));
    }
}
