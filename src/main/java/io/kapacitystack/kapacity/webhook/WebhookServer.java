package io.kapacitystack.kapacity.webhook;

import io.kapacitystack.kapacity.ops.OpsServer;
import io.kapacitystack.kapacity.runtime.FileWatcher;
import io.kapacitystack.kapacity.runtime.http.BoundedBody;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The admission webhook server: HTTPS on {@code --webhook-bind-address} (default :9443) with {@code tls.crt} and
 * {@code tls.key} from {@code --webhook-cert-dir} (the cert-manager secret mounted by the Helm chart), serving
 * {@code POST /mutate-v1-pod}. Rotated certificates are picked up without a restart: a {@link FileWatcher} reads the
 * files every {@code reloadMillis} (off the event loop) and the server's TLS options are updated when they change.
 */
public final class WebhookServer {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    public static final String PATH = "/mutate-v1-pod";

    private final Vertx vertx;
    private final Clock clock;
    private final Path certFile;
    private final Path keyFile;
    private HttpServer server;
    private FileWatcher watcher;

    public WebhookServer(Vertx vertx, Clock clock, Path certDir) {
        this.vertx = vertx;
        this.clock = clock;
        this.certFile = certDir.resolve("tls.crt");
        this.keyFile = certDir.resolve("tls.key");
    }

    /** As controller-runtime's webhook server (pkg/webhook/admission/http.go): 7 MiB, room for object and oldObject. */
    static final long MAX_REQUEST_BYTES = 7L * 1024 * 1024;

    public Router routes() {
        Router router = Router.router(vertx);
        router.post(PATH).handler(rc -> BoundedBody.read(rc.request(), MAX_REQUEST_BYTES)
                .onSuccess(body -> answer(rc, admit(rc.request().getHeader("Content-Type"), body)))
                .onFailure(e -> answer(rc, e instanceof BoundedBody.TooLarge
                        ? PodReadinessGateMutator.errored(413, "request entity is too large; limit is " + MAX_REQUEST_BYTES + " bytes")
                        : PodReadinessGateMutator.errored(400, "unable to read the body from the incoming request: " + e.getMessage()))));
        router.get("/healthz").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("ok"));
        return router;
    }

    /**
     * Every POST gets an AdmissionReview, never an HTTP error: what controller-runtime's webhook answers an empty,
     * non-JSON or undecodable request with (denied, code 400), and the mutator's answer to anything else.
     */
    private JsonObject admit(String contentType, Buffer body) {
        if (body.length() == 0) {
            return PodReadinessGateMutator.errored(400, "request body is empty");
        }
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        if (!"application/json".equalsIgnoreCase(mediaType)) {
            return PodReadinessGateMutator.errored(400, "contentType=" + (contentType == null ? "" : contentType)
                    + ", expected application/json");
        }
        Object decoded;
        try {
            decoded = Json.decodeValue(body);
        } catch (DecodeException e) {
            return PodReadinessGateMutator.errored(400, "couldn't decode the AdmissionReview: it is not JSON");
        }
        if (!(decoded instanceof JsonObject review)) {
            return PodReadinessGateMutator.errored(400, "couldn't decode the AdmissionReview: it is not a JSON object");
        }
        return PodReadinessGateMutator.review(review, clock.now());
    }

    private static void answer(RoutingContext rc, JsonObject review) {
        rc.response().putHeader("content-type", "application/json").end(review.encode());
    }

    public Future<HttpServer> start(String bindAddress, long reloadMillis) {
        OpsServer.HostPort hp = OpsServer.HostPort.parse(bindAddress);
        List<Path> files = List.of(certFile, keyFile);
        return FileWatcher.read(vertx, files)
                .recover(e -> Future.failedFuture(new IllegalStateException("webhook certificate not found: need "
                        + certFile + " and " + keyFile
                        + " (mount the webhook-server-cert secret, or run with --serve-admission-webhooks=false): "
                        + e.getMessage(), e)))
                .compose(pem -> {
                    HttpServerOptions options = new HttpServerOptions().setSsl(true).setKeyCertOptions(keyCert(pem))
                            .setPort(hp.port()).setHost(hp.host());
                    return vertx.createHttpServer(options).requestHandler(SecurityHeaders.around(routes())).listen()
                            .onSuccess(s -> {
                                server = s;
                                watcher = FileWatcher.watch(vertx, files, Duration.ofMillis(reloadMillis), pem,
                                        this::reload, e -> LOG.warn("webhook certificate changed but could not be "
                                                + "loaded (keeping the old one): {}", e.getMessage()));
                                LOG.info("webhook serving {} on {} (TLS from {})", PATH, bindAddress,
                                        certFile.getParent());
                            });
                });
    }

    private Future<Boolean> reload(List<Buffer> pem) {
        return server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(keyCert(pem)))
                .onSuccess(changed -> LOG.info("webhook certificate reloaded from {}", certFile));
    }

    /** By content, not path: Vert.x treats equal options as "no change", and a rotated secret keeps its paths. */
    private static PemKeyCertOptions keyCert(List<Buffer> pem) {
        return new PemKeyCertOptions().setCertValue(pem.get(0)).setKeyValue(pem.get(1));
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        if (watcher != null) {
            watcher.close();
        }
        return server == null ? Future.succeededFuture() : server.close();
    }
}
