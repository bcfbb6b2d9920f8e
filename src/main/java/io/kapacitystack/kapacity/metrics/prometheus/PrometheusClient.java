package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prometheus HTTP API v1 ({@code query}, {@code query_range}, {@code series}) over the Vert.x WebClient. Failures:
 * unreachable server or HTTP 503 → UNAVAILABLE; Prometheus {@code timeout} errors → DEADLINE_EXCEEDED; anything
 * else INTERNAL with Prometheus' message.
 */
public final class PrometheusClient {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusClient.class);

    /** One series of a vector ({@code points} has one element) or a matrix. */
    public record RawSeries(Map<String, String> labels, List<Point> points) {
    }

    private final WebClient client;
    private final String baseUrl;
    private final Duration timeout;

    public PrometheusClient(Vertx vertx, String baseUrl, Duration timeout) {
        this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("kapacity-jvm"));
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
    }

    static String time(Instant t) {
        return String.format(Locale.ROOT, "%d.%03d", t.getEpochSecond(), t.getNano() / 1_000_000);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    private Future<JsonObject> call(String path, MultiMap form) {
        return client.postAbs(baseUrl + path).timeout(timeout.toMillis()).sendForm(form)
                .recover(t -> Future.failedFuture(new MetricsException(
                        t instanceof java.util.concurrent.TimeoutException || String.valueOf(t.getMessage())
                                .contains("timeout") ? MetricsException.Kind.DEADLINE_EXCEEDED
                                : MetricsException.Kind.UNAVAILABLE,
                        "prometheus at " + baseUrl + " is not reachable: " + t.getMessage(), t)))
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
        client.close();
    }
}
