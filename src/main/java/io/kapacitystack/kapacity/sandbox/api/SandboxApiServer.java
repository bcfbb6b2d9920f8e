package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.kapacitystack.kapacity.runtime.http.BoundedBody;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.LongAdder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import io.vertx.core.json.JsonArray;

/**
 * The embedded Kubernetes API endpoint (plain HTTP on loopback): discovery documents, server-side tables, watches
 * (WebSocket for fabric8, chunked HTTP for kubectl), {@code metrics.k8s.io}, and everything else handed to the
 * {@link SandboxDispatcher} store. Requests are served on the Vert.x event loop; the store is in memory and
 * its operations are short.
 */
public final class SandboxApiServer {

    private static final String METRICS_PREFIX = "/apis/metrics.k8s.io/v1beta1/";

    /** kube-apiserver's {@code --max-resource-write-bytes}/{@code MaxRequestBodyBytes} default: 3 MiB. */
    static final long MAX_REQUEST_BODY_BYTES = 3L * 1024 * 1024;

    private final LongAdder clientRequests = new LongAdder();
    private final Vertx vertx;
    private final SandboxDispatcher store;
    private final Discovery discovery;
    private final TablePrinter tables;
    private volatile Function<ApiPath, Optional<JsonObject>> metricsApi = p -> Optional.empty();
    private volatile Function<String, Optional<String>> podLogs = uid -> Optional.empty();
    private HttpServer server;
    private final ApiFaults faults;

    public SandboxApiServer(Vertx vertx, Clock clock, SandboxDispatcher store, CustomResourceRegistry crds) {
        this.vertx = vertx;
        this.store = store;
        this.discovery = new Discovery(crds, "v1.30.0");
        this.tables = new TablePrinter(clock, crds);
        this.faults = new ApiFaults(vertx);
    }

    SandboxDispatcher store() {
        return store;
    }

    /** Fault injection (docs/reliability.md): off until a plan is installed or a stall asked for. */
    public ApiFaults faults() {
        return faults;
    }

    /** Serves {@code /apis/metrics.k8s.io/v1beta1/...}: given the parsed path, the PodMetrics(List) document. */
    public void metricsApi(Function<ApiPath, Optional<JsonObject>> handler) {
        this.metricsApi = handler;
    }

    /** Serves {@code GET .../pods/{name}/log} ({@code kubectl logs}): given the pod's uid, its output so far. */
    public void podLogs(Function<String, Optional<String>> byPodUid) {
        this.podLogs = byPodUid;
    }

    /**
     * How often watches that allow bookmarks get one (the API server sends them about once a minute). Wall-clock
     * time, like timeoutSeconds: it is about the connection, not the simulated world.
     */
    static final Duration BOOKMARK_INTERVAL = Duration.ofMinutes(1);

    private long bookmarkTimer = -1;

    /** Sends watch bookmarks every {@code interval} instead of {@link #BOOKMARK_INTERVAL} (tests). */
    void bookmarkEvery(Duration interval) {
        if (bookmarkTimer >= 0) {
            vertx.cancelTimer(bookmarkTimer);
        }
        bookmarkTimer = vertx.setPeriodic(interval.toMillis(), id -> store.bookmarkWatches());
    }

    public Future<Integer> listen(String host, int port) {
        if (bookmarkTimer < 0) {
            bookmarkEvery(BOOKMARK_INTERVAL);
        }
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
                .setHttp2ClearTextEnabled(false).setHandle100ContinueAutomatically(true));
        return server.requestHandler(SecurityHeaders.around(this::handle)).listen().map(HttpServer::actualPort);
    }

    public Future<Void> close() {
        if (bookmarkTimer >= 0) {
            vertx.cancelTimer(bookmarkTimer);
        }
        store.endWatches();
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** Requests from clients other than the sandbox's own (managers, kubectl, tests), watches included. */
    public long clientRequests() {
        return clientRequests.sum();
    }

    /** Applies the fault plan ({@link ApiFaults}) to a request from a faultable client, then serves it. */
    private void handle(HttpServerRequest req) {
        if (faults.exempt(req.getHeader("User-Agent"))) {
            serve(req, null, false);
            return;
        }
        clientRequests.increment();
        Context context = vertx.getOrCreateContext();
        // released on the request's own event loop, after this handler returned (so the pause below comes first)
        if (faults.holdIfStalled(() -> context.runOnContext(v -> handle(req)), () -> req.connection().close())) {
            req.pause();
            return;
        }
        ApiPath path = ApiPath.parse(req.uri());
        FaultPlan.Request request = path == null ? null : ApiFaults.describe(req.method(), path);
        FaultPlan.Rule fault = request == null ? null : faults.decide(request);
        if (fault == null) {
            serve(req, null, true);
            return;
        }
        switch (fault.kind()) {
            case SLOW -> {
                req.pause();
                vertx.setTimer(Math.max(1, fault.delay().toMillis()), id -> serve(req, null, true));
            }
            case DROP_WATCH, GONE -> serve(req, fault, true);
            case TIMEOUT -> BoundedBody.read(req, MAX_REQUEST_BODY_BYTES).onComplete(body ->
                    vertx.setTimer(Math.max(1, fault.delay().toMillis()), id -> respond(req, path, ApiStatus.response(504,
                            "Timeout", "Timeout: request did not complete within the allotted timeout"))));
            default -> BoundedBody.read(req, MAX_REQUEST_BODY_BYTES).onComplete(body -> {
                MockResponse refusal = refusal(fault, path);
                respond(req, path, refusal);
            });
        }
    }

    /** kube-apiserver's answer for an injected error; the request is not applied. */
    private static MockResponse refusal(FaultPlan.Rule fault, ApiPath path) {
        return switch (fault.kind()) {
            case CONFLICT -> ApiStatus.conflict(path.group(), path.resource(), path.name() == null ? "" : path.name());
            case TOO_MANY_REQUESTS -> {
                JsonObject status = ApiStatus.status(429, "TooManyRequests", "Too many requests, please try again later.")
                        .put("details", new JsonObject().put("retryAfterSeconds", fault.retryAfterSeconds()));
                yield ApiStatus.json(429, status).setHeader("Retry-After", String.valueOf(fault.retryAfterSeconds()));
            }
            case UNAVAILABLE -> ApiStatus.response(503, "ServiceUnavailable", "the server is currently unable to handle the request");
            default -> ApiStatus.response(500, "InternalError", "Internal error occurred: injected fault");
        };
    }

    private void serve(HttpServerRequest req, FaultPlan.Rule watchFault, boolean faultable) {
        String uri = req.uri();
        if (req.method() == io.vertx.core.http.HttpMethod.GET) {
            Optional<JsonObject> doc = discovery.document(uri).or(() -> discovery.openApiV3(uri));
            if (doc.isPresent()) {
                send(req.response(), 200, doc.get().encode());
                return;
            }
            if (uri.startsWith(METRICS_PREFIX)) {
                ApiPath path = ApiPath.parse(uri);
                Optional<JsonObject> metrics = path == null ? Optional.empty() : metricsApi.apply(path);
                MockResponse r = metrics.map(m -> ApiStatus.json(200, m)).orElseGet(() -> path == null
                        ? ApiStatus.response(404, "NotFound", "the server could not find the requested resource")
                        : ApiStatus.notFound(path));
                respond(req, path, r);
                return;
            }
        }
        ApiPath path = ApiPath.parse(uri);
        if (path == null) {
            respond(req, null, ApiStatus.response(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        if (req.method() == io.vertx.core.http.HttpMethod.GET && path.isWatch()) {
            watch(req, path, watchFault, faultable);
            return;
        }
        if (req.method() == io.vertx.core.http.HttpMethod.GET && path.group().isEmpty()
                && "pods".equals(path.resource()) && "log".equals(path.subresource())) {
            podLog(req, path);
            return;
        }
        BoundedBody.read(req, MAX_REQUEST_BODY_BYTES).onSuccess(body -> {
            MockResponse response;
            try {
                TypedBody typed = TypedBody.check(req.method(), path, body.getBytes(),
                        discovery.kindOf(path.apiVersion(), path.resource()));
                response = typed.refusal() != null ? typed.refusal() : store.dispatch(record(req, typed.body()));
            } catch (RuntimeException e) {
                response = ApiStatus.internalError(e);
            }
            respond(req, path, response);
        }).onFailure(err -> respond(req, path, err instanceof BoundedBody.TooLarge
                ? ApiStatus.response(413, "RequestEntityTooLarge", "Request entity too large: limit is " + MAX_REQUEST_BODY_BYTES)
                : ApiStatus.response(400, "BadRequest", err.getMessage())));
    }

    /** A longer timeoutSeconds is served as this (a year; milliseconds of larger values overflow). */
    static final long MAX_WATCH_TIMEOUT_SECONDS = 365L * 24 * 3600;

    /**
     * A watch, over a WebSocket (fabric8) or as a chunked HTTP response with one JSON event per line (kubectl,
     * client-go). {@code timeoutSeconds} ends it after that much wall-clock time, as the API server does: it is a
     * transport timeout, not simulated time, so it is not scaled by the sandbox clock. A negative one ends it at
     * once, as kube-apiserver's timer of a negative duration (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go).
     */
    private void watch(HttpServerRequest req, ApiPath path, FaultPlan.Rule fault, boolean faultable) {
        String timeout = path.query().getOrDefault("timeoutSeconds", "");
        long timeoutSeconds;
        SandboxWatch watch;
        try {
            timeoutSeconds = timeout.isEmpty() ? 0 : Long.parseLong(timeout.trim());
            String kind = discovery.kindOf(path.apiVersion(), path.resource()).orElse("");
            watch = fault != null && fault.kind() == FaultPlan.Kind.GONE ? goneWatch(path, kind) : store.openWatch(path, kind);
        } catch (NumberFormatException e) {
            respond(req, path, ApiStatus.response(400, "BadRequest", "invalid timeoutSeconds \"" + timeout + "\""));
            return;
        } catch (IllegalArgumentException e) {
            respond(req, path, ApiStatus.response(400, "BadRequest", e.getMessage()));
            return;
        }
        if (faultable) {
            faults.track(watch);
        }
        if (fault != null && fault.kind() == FaultPlan.Kind.DROP_WATCH) {
            long drop = vertx.setTimer(Math.max(1, fault.delay().toMillis()), id -> watch.end());
            watch.onEnd(() -> vertx.cancelTimer(drop));
        }
        if (timeoutSeconds < 0) {
            // kube-apiserver turns it into a timer that has already fired: the watch ends at once (an empty stream)
            watch.end();
        } else if (timeoutSeconds > 0) {
            long timer = vertx.setTimer(Math.min(timeoutSeconds, MAX_WATCH_TIMEOUT_SECONDS) * 1000, id -> watch.end());
            watch.onEnd(() -> vertx.cancelTimer(timer));
        }
        Context context = vertx.getOrCreateContext();
        String upgrade = req.getHeader("Upgrade");
        if (upgrade != null && upgrade.toLowerCase().contains("websocket")) {
            // the upgrade must happen synchronously, before anything reads the request
            req.toWebSocket().onSuccess(ws -> {
                ws.closeHandler(v -> watch.end());
                ws.exceptionHandler(err -> watch.end());
                ws.frameHandler(frame -> { }); // the client sends nothing but pings and the close
                watch.attach(context, ws::writeTextMessage, () -> {
                    if (!ws.isClosed()) {
                        ws.close();
                    }
                });
            }).onFailure(err -> watch.end());
            return;
        }
        HttpServerResponse http = req.response();
        http.setChunked(true).putHeader("Content-Type", "application/json");
        http.closeHandler(v -> watch.end());
        http.write(""); // sends the headers now, as the real API server does when a watch starts
        boolean table = TablePrinter.wantsTable(req.getHeader("Accept"));
        boolean full = "Object".equals(path.query().get("includeObject"));
        watch.attach(context, line -> http.write((table ? asTableEvent(path, line, full) : line) + "\n"), () -> {
            if (!http.ended() && !http.closed()) {
                http.end();
            }
        });
    }

    /** An injected 410 on a watch resume: the ERROR event kube-apiserver sends for a too old resourceVersion. */
    private static SandboxWatch goneWatch(ApiPath path, String kind) {
        SandboxWatch watch = new SandboxWatch(path, kind);
        String from = path.query().getOrDefault("resourceVersion", "");
        watch.offer(SandboxWatch.event("ERROR", ApiStatus.status(410, "Expired", "too old resource version: " + from
                + " (injected fault)").encode()));
        watch.endAfterQueued();
        return watch;
    }

    /**
     * A pod's log as the kubelet would serve it through the API server: job pods' output (bounded by the
     * simulator), empty for other running pods, 400 while the pod is waiting to start. {@code tailLines} and
     * {@code limitBytes} are honoured; {@code follow} returns what there is so far.
     */
    private void podLog(HttpServerRequest req, ApiPath path) {
        MockResponse r = store.dispatch(StoreRequests.request(HttpMethod.GET, path.objectPath(), null, null));
        if (r.code() != 200) {
            respond(req, path, r);
            return;
        }
        JsonObject pod = new JsonObject(r.getBody().readUtf8());
        JsonObject status = pod.getJsonObject("status", new JsonObject());
        String phase = status.getString("phase", "Pending");
        if ("Pending".equals(phase)) {
            String container = pod.getJsonObject("spec", new JsonObject()).getJsonArray("containers", new JsonArray())
                    .stream().map(c -> ((JsonObject) c).getString("name")).findFirst().orElse("");
            respond(req, path, ApiStatus.response(400, "BadRequest", "container \"" + container + "\" in pod \""
                    + path.name() + "\" is waiting to start: ContainerCreating"));
            return;
        }
        String log = podLogs.apply(pod.getJsonObject("metadata", new JsonObject()).getString("uid")).orElse("");
        try {
            String tail = path.query().get("tailLines");
            if (tail != null && !tail.isEmpty()) {
                long lines = Long.parseLong(tail);
                String[] all = log.split("(?<=\n)");
                StringBuilder kept = new StringBuilder();
                for (int i = (int) Math.max(0, all.length - Math.max(0, lines)); i < all.length; i++) {
                    kept.append(all[i]);
                }
                log = kept.toString();
            }
            String limit = path.query().get("limitBytes");
            if (limit != null && !limit.isEmpty()) {
                long max = Long.parseLong(limit);
                if (max > 0 && log.length() > max) {
                    log = log.substring(0, (int) max);
                }
            }
        } catch (NumberFormatException e) {
            respond(req, path, ApiStatus.response(400, "BadRequest", "invalid tailLines or limitBytes"));
            return;
        }
        req.response().putHeader("Content-Type", "text/plain").setStatusCode(200).end(log);
    }

    /** A watch event as {@code kubectl get -w} asks for it: its object as a one-row Table, as it lists. */
    private String asTableEvent(ApiPath path, String line, boolean includeObject) {
        JsonObject event = new JsonObject(line);
        JsonObject object = event.getJsonObject("object");
        String type = event.getString("type");
        if ("ERROR".equals(type) || "BOOKMARK".equals(type) || object == null) {
            return line;
        }
        JsonObject table = tables.toTable(path, object, includeObject);
        String resourceVersion = object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
        if (resourceVersion != null) {
            table.getJsonObject("metadata").put("resourceVersion", resourceVersion);
        }
        return new JsonObject().put("type", type).put("object", table).encode();
    }

    private void respond(HttpServerRequest req, ApiPath path, MockResponse response) {
        String body = response.getBody() == null ? "" : response.getBody().readUtf8();
        if (path != null && response.code() == 200 && req.method() == io.vertx.core.http.HttpMethod.GET
                && TablePrinter.wantsTable(req.getHeader("Accept")) && !body.isEmpty()) {
            boolean full = "Object".equals(path.query().get("includeObject"));
            body = tables.toTable(path, new JsonObject(body), full).encode();
        }
        HttpServerResponse http = req.response();
        response.getHeaders().toMultimap().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Length")) {
                http.headers().add(k, v);
            }
        });
        send(http, response.code(), body);
    }

    private static void send(HttpServerResponse http, int code, String body) {
        if (!http.headers().contains("Content-Type")) {
            http.putHeader("Content-Type", "application/json");
        }
        http.setStatusCode(code).end(body);
    }

    private static RecordedRequest record(HttpServerRequest req, byte[] body) {
        Headers.Builder headers = Headers.builder();
        req.headers().forEach(e -> headers.add(e.getKey(), e.getValue()));
        return new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(req.method().name()), req.uri(),
                headers.build(), new Buffer(body));
    }
}
