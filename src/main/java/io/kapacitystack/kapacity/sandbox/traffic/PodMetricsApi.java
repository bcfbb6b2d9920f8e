package io.kapacitystack.kapacity.sandbox.traffic;

import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.kapacitystack.kapacity.sandbox.api.Selectors;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;
import io.kapacitystack.kapacity.sandbox.sim.World;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code metrics.k8s.io/v1beta1} as metrics-server serves it: PodMetrics for
 * {@code /apis/metrics.k8s.io/v1beta1/[namespaces/{ns}/]pods[/{name}]} (with {@code labelSelector}) and
 * NodeMetrics for {@code .../nodes[/{name}]}, CPU in nanocores and memory in KiB, window 30s, timestamp now.
 */
public final class PodMetricsApi implements Function<ApiPath, Optional<JsonObject>> {

    private static final String API_VERSION = "metrics.k8s.io/v1beta1";

    private final SimulatedMetrics metrics;
    private final Supplier<World> world;

    public PodMetricsApi(SimulatedMetrics metrics, Supplier<World> world) {
        this.metrics = metrics;
        this.world = world;
    }

    @Override
    public Optional<JsonObject> apply(ApiPath path) {
        Instant now = metrics.clock().now();
        if ("pods".equals(path.resource())) {
            return pods(path, now);
        }
        if ("nodes".equals(path.resource())) {
            return nodes(path, now);
        }
        return Optional.empty();
    }

    private Optional<JsonObject> pods(ApiPath path, Instant now) {
        Map<String, List<PodUsage>> byPod = new LinkedHashMap<>();
        List<PodUsage> usages = path.name() != null ? metrics.podUsage(path.namespace(), path.name(), now)
                : metrics.podUsages(path.namespace(), now);
        usages.forEach(u -> byPod.computeIfAbsent(u.namespace() + "/" + u.pod(), k -> new ArrayList<>()).add(u));
        Predicate<Map<String, String>> selector = path.query().containsKey("labelSelector")
                ? Selectors.parseLabelSelector(path.query().get("labelSelector")) : l -> true;
        Map<String, Map<String, String>> labels = podLabels(path.namespace());
        JsonArray items = new JsonArray();
        byPod.forEach((key, containers) -> {
            Map<String, String> podLabels = labels.getOrDefault(key, Map.of());
            if (!selector.test(podLabels)) {
                return;
            }
            JsonArray list = new JsonArray();
            containers.forEach(c -> list.add(new JsonObject().put("name", c.container()).put("usage",
                    usage(c.cpuCores(), c.memoryBytes()))));
            PodUsage first = containers.get(0);
            items.add(new JsonObject().put("kind", "PodMetrics").put("apiVersion", API_VERSION)
                    .put("metadata", new JsonObject().put("name", first.pod()).put("namespace", first.namespace())
                            .put("creationTimestamp", Timestamps.format(now)).put("labels", new JsonObject(new LinkedHashMap<>(podLabels))))
                    .put("timestamp", Timestamps.format(now)).put("window", "30s").put("containers", list));
        });
        if (path.name() != null) {
            return items.isEmpty() ? Optional.empty() : Optional.of(items.getJsonObject(0));
        }
        return Optional.of(list("PodMetricsList", items));
    }

    private Optional<JsonObject> nodes(ApiPath path, Instant now) {
        Map<String, double[]> byNode = new LinkedHashMap<>();
        World w = world.get();
        if (w != null) {
            w.pods().forEach(p -> {
                if (p.getSpec().getNodeName() != null) {
                    byNode.putIfAbsent(p.getSpec().getNodeName(), new double[2]);
                }
            });
        }
        for (PodUsage u : metrics.podUsages(null, now)) {
            if (u.node() != null) {
                double[] sum = byNode.computeIfAbsent(u.node(), k -> new double[2]);
                sum[0] += u.cpuCores();
                sum[1] += u.memoryBytes();
            }
        }
        JsonArray items = new JsonArray();
        byNode.forEach((node, sum) -> {
            if (path.name() == null || path.name().equals(node)) {
                items.add(new JsonObject().put("kind", "NodeMetrics").put("apiVersion", API_VERSION)
                        .put("metadata", new JsonObject().put("name", node).put("creationTimestamp", Timestamps.format(now)))
                        .put("timestamp", Timestamps.format(now)).put("window", "30s")
                        .put("usage", usage(sum[0], (long) sum[1])));
            }
        });
        if (path.name() != null) {
            return items.isEmpty() ? Optional.empty() : Optional.of(items.getJsonObject(0));
        }
        return Optional.of(list("NodeMetricsList", items));
    }

    /** Labels of the pods of one namespace (null: of all), by {@code namespace/name}. */
    private Map<String, Map<String, String>> podLabels(String namespace) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        World w = world.get();
        if (w != null) {
            (namespace == null ? w.pods() : w.podsIn(namespace)).forEach(p -> out.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                    p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels()));
        }
        return out;
    }

    private static JsonObject usage(double cores, long bytes) {
        return new JsonObject().put("cpu", Math.round(cores * 1e9) + "n").put("memory", (bytes / 1024) + "Ki");
    }

    private static JsonObject list(String kind, JsonArray items) {
        return new JsonObject().put("kind", kind).put("apiVersion", API_VERSION)
                .put("metadata", new JsonObject()).put("items", items);
    }
}
