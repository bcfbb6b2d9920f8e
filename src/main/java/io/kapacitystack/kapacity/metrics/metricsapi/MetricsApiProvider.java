package io.kapacitystack.kapacity.metrics.metricsapi;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.gocompat.GoDuration;
import io.kapacitystack.kapacity.kube.KubeNames;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics-API provider ({@code --metric-provider=metrics-api}, Kapacity's {@code pkg/metric/provider/metricsapi/provider.go}): the latest pod and container CPU and
 * memory from {@code metrics.k8s.io/v1beta1} PodMetrics, for clusters without Prometheus. It has no history, so range
 * queries and the other query types are refused (as in Kapacity), with a clear UNSUPPORTED error.
 */
public final class MetricsApiProvider implements MetricsProvider {

    private static final String API = "/apis/metrics.k8s.io/v1beta1";

    private final KubernetesClient client;
    private final KubeExecutor executor;

    public MetricsApiProvider(KubernetesClient client, KubeExecutor executor) {
        this.client = client;
        this.executor = executor;
    }

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query) {
        if (query instanceof MetricQuery.PodResource) {
            MetricQuery.PodResource q = (MetricQuery.PodResource) query;
            return podMetrics(q.namespace(), q.name(), q.selector() == null ? null : q.selector().text())
                    .map(items -> podSamples(items, q.resourceName(), null));
        }
        if (query instanceof MetricQuery.ContainerResource) {
            MetricQuery.ContainerResource q = (MetricQuery.ContainerResource) query;
            return podMetrics(q.namespace(), q.name(), q.selector() == null ? null : q.selector().text())
                    .map(items -> podSamples(items, q.resourceName(), q.containerName()));
        }
        return Future.failedFuture(new MetricsException(MetricsException.Kind.UNSUPPORTED,
                "unsupported query type \"" + typeName(query) + "\""));
    }

    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
        return Future.failedFuture(new MetricsException(MetricsException.Kind.UNSUPPORTED, "MetricsAPI does not support this operation"));
    }

    private Future<List<JsonObject>> podMetrics(String namespace, String name, String selector) {
        if ((name == null || name.isEmpty()) && selector == null) {
            return Future.failedFuture(new MetricsException(MetricsException.Kind.INVALID_ARGUMENT,
                    "failed to get pod metrics: either name or selector should be specified"));
        }
        // namespace and name come from gRPC callers and portraits: each must be a name the API server could have
        // given, so neither can add a segment, a query or a fragment to the path (docs/security.md)
        boolean allNamespaces = namespace == null || namespace.isEmpty();
        if (!allNamespaces && !KubeNames.isNamespace(namespace)) {
            return Future.failedFuture(new MetricsException(MetricsException.Kind.INVALID_ARGUMENT,
                    "failed to get pod metrics: invalid namespace " + KubeNames.quote(namespace)));
        }
        if (name != null && !name.isEmpty() && !KubeNames.isDnsSubdomain(name)) {
            return Future.failedFuture(new MetricsException(MetricsException.Kind.INVALID_ARGUMENT,
                    "failed to get pod metrics: invalid pod name " + KubeNames.quote(name)));
        }
        String base = API + (allNamespaces ? "" : "/namespaces/" + namespace) + "/pods";
        String path = name != null && !name.isEmpty() ? base + "/" + name
                : base + (selector.isEmpty() ? "" : "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
        return executor.call(() -> {
            String json;
            try {
                json = client.raw(path, "GET", null);
            } catch (RuntimeException e) {
                throw new MetricsException(MetricsException.Kind.UNAVAILABLE, "failed to get pod metrics: " + e.getMessage(), e);
            }
            if (json == null) {
                throw new MetricsException(MetricsException.Kind.NOT_FOUND, "failed to get pod metrics: " + path + " not found");
            }
            JsonObject body = new JsonObject(json);
            List<JsonObject> items = new ArrayList<>();
            if (body.containsKey("items")) {
                for (Object o : body.getJsonArray("items", new JsonArray())) {
                    items.add((JsonObject) o);
                }
            } else {
                items.add(body);
            }
            return items;
        });
    }

    /** Kapacity's conversion: sum (or pick) container usage in milli-units, report cores / bytes. */
    static List<Sample> podSamples(List<JsonObject> items, String resource, String container) {
        List<Sample> samples = new ArrayList<>();
        for (JsonObject item : items) {
            JsonObject metadata = item.getJsonObject("metadata", new JsonObject());
            String pod = metadata.getString("name");
            JsonArray containers = item.getJsonArray("containers", new JsonArray());
            BigDecimal total = null;
            if (container == null) {
                if (containers.isEmpty()) {
                    continue;
                }
                total = BigDecimal.ZERO;
                for (Object c : containers) {
                    BigDecimal v = usage((JsonObject) c, resource);
                    if (v == null) {
                        total = null;
                        break;
                    }
                    total = total.add(v);
                }
            } else {
                JsonObject found = null;
                for (Object c : containers) {
                    if (container.equals(((JsonObject) c).getString("name"))) {
                        found = (JsonObject) c;
                    }
                }
                if (found == null) {
                    throw new MetricsException(MetricsException.Kind.NOT_FOUND, "container \"" + container
                            + "\" not present in metrics of pod \"" + metadata.getString("namespace") + "/" + pod + "\"");
                }
                total = usage(found, resource);
            }
            if (total == null) {
                continue;
            }
            long milli = total.movePointRight(3).longValue();
            Instant at = OffsetDateTime.parse(item.getString("timestamp")).toInstant();
            Duration window = item.getString("window") == null ? null : GoDuration.parse(item.getString("window"));
            samples.add(new Sample(at.toEpochMilli(), milli / 1000.0, Map.of("pod", pod), window));
        }
        return samples;
    }

    private static BigDecimal usage(JsonObject container, String resource) {
        String v = container.getJsonObject("usage", new JsonObject()).getString(resource);
        return v == null ? null : new Quantity(v).getNumericalAmount();
    }

    private static String typeName(MetricQuery q) {
        return q.getClass().getSimpleName().replace("Query", "");
    }
}
