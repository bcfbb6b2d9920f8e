package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.runtime.FileWatcher;
import io.kapacitystack.kapacity.runtime.http.SharedPortServers;
import io.kapacitystack.metric.ProviderServiceGrpcService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.server.GrpcServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The metrics gRPC endpoint Kapacity's algorithm jobs call, serving {@code io.kapacitystack.metric.ProviderService}
 * and the standard {@code grpc.health.v1.Health} service (overall status "" and the provider service name both
 * report SERVING while the server is up). By default plain-text HTTP/2 (h2c) without auth, as Kapacity; with
 * {@link GrpcMetricsServerOptions} TLS (certificate re-read when its files change), mutual TLS and bearer-token
 * authentication of the ProviderService calls.
 *
 * <pre>{@code
 * GrpcMetricsServer server = new GrpcMetricsServer();
 * server.start(vertx, provider, ":9090", GrpcMetricsServerOptions.fromFlags(cert, key, clientCa, auth))
 *       .onSuccess(port -> ...);
 * ...
 * server.close();
 * }</pre>
 */
public final class GrpcMetricsServer {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcMetricsServer.class);

    /** Streams one client may have open on a connection (Vert.x's default is 100). */
    static final long MAX_CONCURRENT_STREAMS = 1024;
    /** Per-stream and per-connection HTTP/2 receive windows of the server. */
    static final int WINDOW = 1 << 20;
    static final int CONNECTION_WINDOW = 16 << 20;

    private final int eventLoops;
    private volatile SharedPortServers servers;
    private volatile FileWatcher tlsWatcher;
    private Vertx vertx;

    /** A server on as many event loops as there are processors. */
    public GrpcMetricsServer() {
        this(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * A server on {@code eventLoops} event loops (connections are spread over them; calls of one connection stay on
     * its loop). The provider is then called from several threads at once.
     */
    public GrpcMetricsServer(int eventLoops) {
        this.eventLoops = Math.max(1, eventLoops);
    }

    /** True for the bind-address values that disable the server, {@code ""} and {@code "0"} (as Kapacity). */
    public static boolean isDisabled(String bindAddress) {
        return bindAddress == null || bindAddress.isBlank() || bindAddress.trim().equals("0");
    }

    /**
     * Listens on {@code bindAddress} ({@code host:port}, {@code :port} for all interfaces, port 0 for a free one;
     * IPv6 hosts in brackets) and completes with the port actually bound.
     */
    public Future<Integer> start(Vertx vertx, MetricsProvider provider, String bindAddress) {
        return start(vertx, provider, bindAddress, GrpcMetricsServerOptions.plain());
    }

    /** As {@link #start(Vertx, MetricsProvider, String)}, with TLS, mutual TLS and token auth as in {@code options}. */
    public Future<Integer> start(Vertx vertx, MetricsProvider provider, String bindAddress,
                                 GrpcMetricsServerOptions options) {
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
        new ProviderGrpcService(vertx, provider, options.tokenAuthenticator(), options.tokenThrottle()).bind(grpc);
        grpc.addService(HealthService.create(vertx)
                .register(ProviderServiceGrpcService.SERVICE_NAME, () -> Future.succeededFuture(true)));
        this.vertx = vertx;
        List<Path> tlsFiles = tlsFiles(options);
        Future<List<Buffer>> pem = tlsFiles.isEmpty() ? Future.succeededFuture(null) : FileWatcher.read(vertx, tlsFiles);
        String h = host;
        int p = port;
        return pem.compose(content -> SharedPortServers.listen(vertx, eventLoops, h, p,
                () -> vertx.createHttpServer(serverOptions(content))
                        .connectionHandler(GrpcMetricsServer::consolidateFlushes).requestHandler(grpc)
        ).map(group -> {
            servers = group;
            if (content != null) {
                tlsWatcher = FileWatcher.watch(vertx, tlsFiles, options.certCheckInterval(), content,
                        this::reloadTls, e -> LOG.warn("gRPC server TLS files not reloaded, keeping the "
                                + "certificate in use: {}", e.getMessage()));
            }
            return group.port();
        }));
    }

    /** HTTP/2 settings for many concurrent calls per connection and large (one-day) range responses. */
    private static HttpServerOptions serverOptions(List<Buffer> tls) {
        HttpServerOptions o = new HttpServerOptions();
        o.getInitialSettings().setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS).setInitialWindowSize(WINDOW);
        o.setHttp2ConnectionWindowSize(CONNECTION_WINDOW);
        if (tls == null) {
            o.setHttp2ClearTextEnabled(true);
        } else {
            ServerSSLOptions ssl = ssl(tls);
            o.setSsl(true).setUseAlpn(true).setKeyCertOptions(ssl.getKeyCertOptions())
                    .setTrustOptions(ssl.getTrustOptions()).setClientAuth(ssl.getClientAuth());
        }
        return o;
    }

    /**
     * An answer completed outside its connection's read (after the provider's own I/O, e.g. Prometheus's answer)
     * makes Vert.x flush each frame as it is written: headers and message in one write, the trailers in a second,
     * and a client that wakes once for each. Netty's flush consolidation defers such flushes to the end of the
     * event loop's current task, so the whole answer leaves in one write.
     */
    static void consolidateFlushes(HttpConnection connection) {
        if (connection instanceof ConnectionBase c) {
            c.channelHandlerContext().pipeline().addFirst("flush-consolidation",
                    new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
    }

    /** The PEM files to serve TLS from (certificate, key, then the client CA if any); none for plain text. */
    private static List<Path> tlsFiles(GrpcMetricsServerOptions options) {
        List<Path> files = new ArrayList<>();
        if (options.tls()) {
            files.add(options.certFile());
            files.add(options.keyFile());
            if (options.clientCaFile() != null) {
                files.add(options.clientCaFile());
            }
        }
        return files;
    }

    /** SSL options from the PEM contents (values, not paths, so that a rotated file makes different options). */
    private static ServerSSLOptions ssl(List<Buffer> content) {
        ServerSSLOptions ssl = new ServerSSLOptions().setUseAlpn(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(content.get(0)).setKeyValue(content.get(1)));
        if (content.size() > 2) {
            ssl.setTrustOptions(new PemTrustOptions().addCertValue(content.get(2)))
                    .setClientAuth(ClientAuth.REQUIRED);
        }
        return ssl;
    }

    /** New connections get the changed certificate; open ones keep theirs. */
    private Future<Void> reloadTls(List<Buffer> content) {
        ServerSSLOptions ssl = ssl(content);
        List<Future<Boolean>> updates = new ArrayList<>();
        servers.servers().forEach(s -> updates.add(s.updateSSLOptions(ssl)));
        return Future.all(updates).<Void>mapEmpty()
                .onSuccess(v -> LOG.info("gRPC server TLS certificate reloaded from {}", tlsWatcher.files().get(0)));
    }

    public Future<Void> close() {
        if (tlsWatcher != null) {
            tlsWatcher.close();
            tlsWatcher = null;
        }
        SharedPortServers running = servers;
        servers = null;
        return running == null ? Future.succeededFuture() : running.close();
    }
}
