package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prometheus HTTP API v1 ({@code query}, {@code query_range}, {@code series}) over the Vert.x WebClient, with the
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
     * HTTP/1.1 connections kept to Prometheus (Vert.x's default is 5): concurrent gRPC calls and controllers would
     * otherwise queue for one, and Prometheus answers queries in parallel.
     */
    static final int MAX_CONNECTIONS = 32;

    private final Vertx vertx;
    private final WebClient client;
    private final String baseUrl;
    private final Duration timeout;
    private final PrometheusClientOptions options;
    private final long tokenTimer;
    private volatile String token;

    public PrometheusClient(Vertx vertx, String baseUrl, Duration timeout) {
        this(vertx, baseUrl, timeout, PrometheusClientOptions.none());
    }

    /**
     * @throws java.io.UncheckedIOException if the token file of {@code options} cannot be read now
     */
    public PrometheusClient(Vertx vertx, String baseUrl, Duration timeout, PrometheusClientOptions options) {
        this.vertx = vertx;
        this.options = options;
        WebClientOptions o = new WebClientOptions().setUserAgent("kapacity-jvm");
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
        this.client = WebClient.create(vertx, o, new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        this.token = options.bearerToken();
        if (options.bearerTokenFile() != null) {
            try {
                this.token = Files.readString(options.bearerTokenFile(), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bearer token file " + options.bearerTokenFile() + ": "
                        + e, e);
            }
            this.tokenTimer = vertx.setPeriodic(Math.max(1, options.tokenRefreshInterval().toMillis()),
                    id -> refreshToken());
        } else {
            this.tokenTimer = -1;
        }
    }

    /** Re-reads the token file (if any); keeps the token in use if it cannot be read or is empty. */
    Future<Void> refreshToken() {
        Path file = options.bearerTokenFile();
        if (file == null) {
            return Future.succeededFuture();
        }
        return vertx.fileSystem().readFile(file.toString()).transform(ar -> {
            if (ar.failed()) {
                LOG.warn("cannot re-read bearer token file {}, keeping the token in use: {}", file,
                        ar.cause().getMessage());
            } else {
                String t = ar.result().toString(StandardCharsets.UTF_8).trim();
                if (!t.isEmpty() && !t.equals(token)) {
                    token = t;
                    LOG.info("bearer token for prometheus reloaded from {}", file);
                }
            }
            return Future.succeededFuture();
        });
    }

    static String time(Instant t) {
        return String.format(Locale.ROOT, "%d.%03d", t.getEpochSecond(), t.getNano() / 1_000_000);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    private Future<HttpResponse<Buffer>> send(String path, MultiMap form) {
        HttpRequest<Buffer> req = client.postAbs(baseUrl + path).timeout(timeout.toMillis());
        String t = token;
        if (t != null && !t.isEmpty()) {
            req.bearerTokenAuthentication(t);
        }
        return req.sendForm(form);
    }

    private static boolean isTls(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException || c instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    private Future<JsonObject> call(String path, MultiMap form) {
        return send(path, form)
                .compose(resp -> resp.statusCode() == 401 && options.bearerTokenFile() != null
                        // the token may just have been rotated: read the file again and retry once
                        ? refreshToken().compose(v -> send(path, form)) : Future.succeededFuture(resp))
                .recover(t -> Future.failedFuture(new MetricsException(
                        t instanceof java.util.concurrent.TimeoutException || String.valueOf(t.getMessage())
                                .contains("timeout") ? MetricsException.Kind.DEADLINE_EXCEEDED
                                : MetricsException.Kind.UNAVAILABLE,
                        isTls(t) ? "TLS handshake with prometheus at " + baseUrl + " failed (is its certificate "
                                + "signed by the configured CA?): " + t.getMessage()
                                : "prometheus at " + baseUrl + " is not reachable: " + t.getMessage(), t)))
                .compose(resp -> {
                    JsonObject body;
                    try {
                        body = resp.bodyAsJsonObject();
                    } catch (RuntimeException e) {
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
                    if (!"success".equals(body.getString("status"))) {
                        String type = body.getString("errorType", "");
                        MetricsException.Kind kind = "timeout".equals(type) ? MetricsException.Kind.DEADLINE_EXCEEDED
                                : "unavailable".equals(type) ? MetricsException.Kind.UNAVAILABLE
                                : MetricsException.Kind.INTERNAL;
                        return Future.failedFuture(new MetricsException(kind, type + ": " + body.getString("error")));
                    }
                    JsonArray warnings = body.getJsonArray("warnings");
                    if (warnings != null && !warnings.isEmpty()) {
                        LOG.warn("prometheus warnings for {} {}: {}", path, form.get("query"), warnings);
                    }
                    return Future.succeededFuture(body);
                });
    }

    /** An instant query; the result must be a vector. */
    public Future<List<RawSeries>> query(String query, Instant at) {
        MultiMap form = MultiMap.caseInsensitiveMultiMap().add("query", query).add("time", time(at));
        return call("/api/v1/query", form).map(b -> b.getJsonObject("data")).compose(data -> {
            String type = data.getString("resultType");
            if (!"vector".equals(type)) {
                return Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                        "cannot convert prom value of type \"" + type + "\" to samples"));
            }
            List<RawSeries> out = new ArrayList<>();
            for (Object o : data.getJsonArray("result")) {
                JsonObject r = (JsonObject) o;
                out.add(new RawSeries(labels(r), List.of(point(r.getJsonArray("value")))));
            }
            return Future.succeededFuture(out);
        });
    }

    /** A range query; the result must be a matrix. */
    public Future<List<RawSeries>> queryRange(String query, Instant start, Instant end, Duration step) {
        MultiMap form = MultiMap.caseInsensitiveMultiMap().add("query", query).add("start", time(start))
                .add("end", time(end)).add("step", seconds(step));
        return call("/api/v1/query_range", form).map(b -> b.getJsonObject("data")).compose(data -> {
            String type = data.getString("resultType");
            if (!"matrix".equals(type)) {
                return Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                        "cannot convert prom value of type \"" + type + "\" to series"));
            }
            List<RawSeries> out = new ArrayList<>();
            for (Object o : data.getJsonArray("result")) {
                JsonObject r = (JsonObject) o;
                List<Point> points = new ArrayList<>();
                for (Object v : r.getJsonArray("values")) {
                    points.add(point((JsonArray) v));
                }
                out.add(new RawSeries(labels(r), points));
            }
            return Future.succeededFuture(out);
        });
    }

    /** The label sets of the series matching {@code match} in {@code [start, end]}. */
    public Future<List<Map<String, String>>> series(String match, Instant start, Instant end) {
        MultiMap form = MultiMap.caseInsensitiveMultiMap().add("match[]", match).add("start", time(start))
                .add("end", time(end));
        return call("/api/v1/series", form).map(b -> {
            List<Map<String, String>> out = new ArrayList<>();
            JsonArray data = b.getJsonArray("data", new JsonArray());
            for (Object o : data) {
                Map<String, String> labels = new LinkedHashMap<>();
                ((JsonObject) o).forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
                out.add(labels);
            }
            return out;
        });
    }

    private static Map<String, String> labels(JsonObject r) {
        Map<String, String> labels = new LinkedHashMap<>();
        JsonObject m = r.getJsonObject("metric");
        if (m != null) {
            m.forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue())));
        }
        return labels;
    }

    private static Point point(JsonArray v) {
        long ms = Math.round(((Number) v.getValue(0)).doubleValue() * 1000);
        return new Point(ms, parseValue(v.getString(1)));
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
        if (tokenTimer >= 0) {
            vertx.cancelTimer(tokenTimer);
        }
        client.close();
    }
}
