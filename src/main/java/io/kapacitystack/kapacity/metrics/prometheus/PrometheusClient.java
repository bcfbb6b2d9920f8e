package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.AnswerBudget;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.runtime.FileWatcher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.URLEncoder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.netty.buffer.ByteBufInputStream;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Prometheus HTTP API v1 ({@code query}, {@code query_range}, {@code series}) over the Vert.x HTTP client, with the
 * bearer token, CA and client certificate of {@link PrometheusClientOptions} (a token file is re-read periodically
 * and after an HTTP 401, then the request is retried once). Failures: unreachable server, failed TLS handshake
 * (untrusted certificate), HTTP 401/403 or HTTP 502/503 → UNAVAILABLE; Prometheus {@code timeout} errors →
 * DEADLINE_EXCEEDED; anything else INTERNAL with Prometheus' message.
 */
public final class PrometheusClient {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusClient.class);

    /** One series of a vector ({@code points} has one element) or a matrix. */
    public record RawSeries(Map<String, String> labels, List<Point> points) {
    }

    /**
     * HTTP/1.1 connections kept to Prometheus per event loop (Vert.x's default is 5 per client): concurrent gRPC
     * calls and controllers would otherwise queue for one, and Prometheus answers queries in parallel.
     *
     * <p>Every exchange runs on an event loop with a client of that loop's own: a Vert.x connection lives on the
     * loop that opened it, and a request made from another loop crosses threads twice (write, then the response
     * callback), which cost more CPU than the rest of a QueryLatest. Callers off event loops (tests, worker
     * threads) are moved onto one loop of this client's, so the response's body is read on the thread that
     * receives it.
     */
    static final int MAX_CONNECTIONS_PER_LOOP = 16;

    private final Vertx vertx;
    private final Context offLoopContext;
    private final HttpClientOptions clientOptions;
    private final Map<Thread, HttpClient> loopClients = new ConcurrentHashMap<>();
    private final boolean ssl;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private volatile boolean closed;
    private final String baseUrl;
    private final Duration timeout;
    private final PrometheusClientOptions options;
    private final FileWatcher tokenWatcher;
    private volatile String token;

    public PrometheusClient(Vertx vertx, String baseUrl, Duration timeout) {
        this(vertx, baseUrl, timeout, PrometheusClientOptions.none());
    }

    /**
     * @throws UncheckedIOException if the token file of {@code options} cannot be read now
     */
    public PrometheusClient(Vertx vertx, String baseUrl, Duration timeout, PrometheusClientOptions options) {
        this.vertx = vertx;
        this.options = options;
        HttpClientOptions o = new HttpClientOptions();
        if (options.hasCustomTrust()) {
            PemTrustOptions trust = new PemTrustOptions();
            if (options.caFile() != null) {
                trust.addCertPath(options.caFile().toString());
            }
            if (options.caPem() != null) {
                trust.addCertValue(options.caPem());
            }
            o.setTrustOptions(trust);
        }
        if (options.hasClientCert()) {
            PemKeyCertOptions cert = new PemKeyCertOptions();
            if (options.clientCertFile() != null) {
                cert.addCertPath(options.clientCertFile().toString()).addKeyPath(options.clientKeyFile().toString());
            } else {
                cert.addCertValue(options.clientCertPem()).addKeyValue(options.clientKeyPem());
            }
            o.setKeyCertOptions(cert);
        }
        if (options.insecureSkipTlsVerify()) {
            o.setTrustAll(true).setVerifyHost(false);
        }
        this.clientOptions = o;
        Context current = vertx.getOrCreateContext(); // off Vert.x threads a new event-loop context
        this.offLoopContext = current.isEventLoopContext() ? current
                : ((VertxInternal) vertx).createEventLoopContext();
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI uri = URI.create(this.baseUrl);
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("prometheus address must be an http(s) URL, got \"" + baseUrl + "\"");
        }
        this.ssl = "https".equals(uri.getScheme());
        this.host = uri.getHost();
        this.port = uri.getPort() >= 0 ? uri.getPort() : ssl ? 443 : 80;
        this.pathPrefix = uri.getRawPath() == null ? "" : uri.getRawPath();
        this.timeout = timeout;
        this.token = options.bearerToken();
        if (options.bearerTokenFile() != null) {
            Path file = options.bearerTokenFile();
            byte[] initial;
            try {
                initial = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bearer token file " + file + ": " + e, e);
            }
            this.token = new String(initial, StandardCharsets.UTF_8).trim();
            this.tokenWatcher = FileWatcher.watch(vertx, file, options.tokenRefreshInterval(), Buffer.buffer(initial),
                    this::tokenChanged, e -> LOG.warn("cannot re-read bearer token file {}, keeping the token in "
                            + "use: {}", file, e.getMessage()));
        } else {
            this.tokenWatcher = null;
        }
    }

    private void tokenChanged(Buffer content) {
        String t = content.toString(StandardCharsets.UTF_8).trim();
        if (!t.isEmpty() && !t.equals(token)) {
            token = t;
            LOG.info("bearer token for prometheus reloaded from {}", options.bearerTokenFile());
        }
    }

    /** Re-reads the token file (if any) now; keeps the token in use if it cannot be read or is empty. */
    Future<Void> refreshToken() {
        return tokenWatcher == null ? Future.succeededFuture() : tokenWatcher.checkNow().mapEmpty();
    }

    static String time(Instant t) {
        return millisAsSeconds(t.toEpochMilli());
    }

    static String seconds(Duration d) {
        return millisAsSeconds(d.toMillis());
    }

    /** {@code 1763769600123} → {@code "1763769600.123"} (String.format cost more than the rest of a request). */
    static String millisAsSeconds(long millis) {
        long abs = Math.abs(millis);
        long fraction = abs % 1000;
        return (millis < 0 ? "-" : "") + abs / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** A status and the whole body. */
    private record Reply(int statusCode, Buffer body) {
    }

    private Future<Reply> send(String path, Form form, AnswerBudget budget) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setSsl(ssl).setHost(host)
                .setPort(port).setURI(pathPrefix + path).setTimeout(timeout.toMillis())
                .putHeader(HttpHeaders.CONTENT_TYPE, FORM).putHeader(HttpHeaders.USER_AGENT, USER_AGENT);
        String t = token;
        if (t != null && !t.isEmpty()) {
            request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + t);
        }
        // the core client rather than WebClient, and a body encoded here rather than sendForm(MultiMap): their
        // interceptor chain and multipart machinery cost more CPU than the rest of a QueryLatest
        if (!Context.isOnEventLoopThread()) {
            Promise<Reply> reply = Promise.promise();
            offLoopContext.runOnContext(v -> exchange(request, form, budget).onComplete(reply));
            return reply.future();
        }
        return exchange(request, form, budget);
    }

    private Future<Reply> exchange(RequestOptions request, Form form, AnswerBudget budget) {
        if (closed) {
            return Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                    "prometheus client is closed"));
        }
        return client().request(request).compose(req -> req.send(form.body()).compose(resp -> {
            // read the body as it arrives, charging the answer's budget, and stop reading (reset the request,
            // which closes the connection) once it is passed: an answer too large is never held whole
            Promise<Reply> reply = Promise.promise();
            Buffer body = Buffer.buffer();
            resp.exceptionHandler(reply::tryFail);
            resp.handler(chunk -> {
                try {
                    budget.chargeBytes(chunk.length());
                    body.appendBuffer(chunk);
                } catch (MetricsException e) {
                    if (reply.tryFail(e)) {
                        req.reset();
                    }
                }
            });
            resp.endHandler(v -> reply.tryComplete(new Reply(resp.statusCode(), body)));
            return reply.future();
        }));
    }

    private static final CharSequence FORM = HttpHeaders.createOptimized("application/x-www-form-urlencoded");
    private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("kapacity-jvm");

    /** An {@code application/x-www-form-urlencoded} request body. */
    static final class Form {
        private final StringBuilder body = new StringBuilder(256);
        private String query;

        Form add(String name, String value) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            if (name.equals("query") || name.equals("match[]")) {
                query = value;
            }
            return this;
        }

        /** The PromQL (or series matcher) of the request, for messages. */
        String query() {
            return query;
        }

        Buffer body() {
            return Buffer.buffer(body.toString(), "US-ASCII");
        }
    }

    /** The client of the calling event loop's own connections ({@link #send} runs every exchange on a loop). */
    private HttpClient client() {
        return loopClients.computeIfAbsent(Thread.currentThread(), t -> vertx.createHttpClient(clientOptions,
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_LOOP)));
    }

    private static boolean isTls(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException || c instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    private Future<PrometheusResponse> call(String path, Form form, AnswerBudget budget) {
        return send(path, form, budget)
                .compose(resp -> resp.statusCode() == 401 && options.bearerTokenFile() != null
                        // the token may just have been rotated: read the file again and retry once
                        ? refreshToken().compose(v -> send(path, form, budget)) : Future.succeededFuture(resp))
                .recover(t -> t instanceof MetricsException m && m.kind() == MetricsException.Kind.RESOURCE_EXHAUSTED
                        ? Future.failedFuture(m) : Future.failedFuture(new MetricsException(
                        t instanceof TimeoutException || String.valueOf(t.getMessage())
                                .contains("timeout") ? MetricsException.Kind.DEADLINE_EXCEEDED
                                : MetricsException.Kind.UNAVAILABLE,
                        isTls(t) ? "TLS handshake with prometheus at " + baseUrl + " failed (is its certificate "
                                + "signed by the configured CA?): " + t.getMessage()
                                : "prometheus at " + baseUrl + " is not reachable: " + t.getMessage(), t)))
                .compose(resp -> {
                    PrometheusResponse body;
                    try {
                        body = PrometheusResponse.parse(new ByteBufInputStream(
                                ((BufferInternal) resp.body()).getByteBuf()), budget);
                    } catch (MetricsException e) {
                        return Future.failedFuture(e); // over the answer's budget
                    } catch (IOException | RuntimeException e) {
                        body = null;
                    }
                    if (resp.statusCode() == 503 || resp.statusCode() == 502) {
                        return Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                                "prometheus unavailable: HTTP " + resp.statusCode()));
                    }
                    if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                        return Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                                "prometheus at " + baseUrl + " refused the request: HTTP " + resp.statusCode()
                                        + (token == null ? " (no bearer token configured)" : "")));
                    }
                    if (body == null) {
                        return Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                                "unexpected response from prometheus: HTTP " + resp.statusCode()));
                    }
                    if (!body.success()) {
                        String type = body.errorType() == null ? "" : body.errorType();
                        MetricsException.Kind kind = "timeout".equals(type) ? MetricsException.Kind.DEADLINE_EXCEEDED
                                : "unavailable".equals(type) ? MetricsException.Kind.UNAVAILABLE
                                : MetricsException.Kind.INTERNAL;
                        return Future.failedFuture(new MetricsException(kind, type + ": " + body.error()));
                    }
                    if (!body.warnings().isEmpty()) {
                        LOG.warn("prometheus warnings for {} {}: {}", path, form.query(), body.warnings());
                    }
                    return Future.succeededFuture(body);
                });
    }

    /** An instant query; the result must be a vector. */
    public Future<List<RawSeries>> query(String query, Instant at) {
        return query(query, at, AnswerBudget.unlimited());
    }

    /** An instant query whose answer must stay within {@code budget} (else RESOURCE_EXHAUSTED). */
    public Future<List<RawSeries>> query(String query, Instant at, AnswerBudget budget) {
        Form form = new Form().add("query", query).add("time", time(at));
        return call("/api/v1/query", form, budget).compose(r -> {
            if (!"vector".equals(r.resultType())) {
                return Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                        "cannot convert prom value of type \"" + r.resultType() + "\" to samples"));
            }
            return Future.succeededFuture(r.result());
        });
    }

    /** A range query; the result must be a matrix. */
    public Future<List<RawSeries>> queryRange(String query, Instant start, Instant end, Duration step) {
        return queryRange(query, start, end, step, AnswerBudget.unlimited());
    }

    /** A range query whose answer must stay within {@code budget} (shared by the shards of one query). */
    public Future<List<RawSeries>> queryRange(String query, Instant start, Instant end, Duration step,
                                              AnswerBudget budget) {
        Form form = new Form().add("query", query).add("start", time(start)).add("end", time(end))
                .add("step", seconds(step));
        return call("/api/v1/query_range", form, budget).compose(r -> {
            if (!"matrix".equals(r.resultType())) {
                return Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                        "cannot convert prom value of type \"" + r.resultType() + "\" to series"));
            }
            return Future.succeededFuture(r.result());
        });
    }

    /** The label sets of the series matching {@code match} in {@code [start, end]}. */
    public Future<List<Map<String, String>>> series(String match, Instant start, Instant end) {
        Form form = new Form().add("match[]", match).add("start", time(start)).add("end", time(end));
        return call("/api/v1/series", form, AnswerBudget.unlimited()).map(PrometheusResponse::labelSets);
    }

    static double parseValue(String s) {
        switch (s) {
            case "+Inf": case "Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            case "NaN": return Double.NaN;
            default: return Double.parseDouble(s);
        }
    }

    public void close() {
        if (tokenWatcher != null) {
            tokenWatcher.close();
        }
        closed = true;
        loopClients.values().forEach(HttpClient::close);
        loopClients.clear();
    }
}
