package io.kapacitystack.kapacity.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal Kubernetes API over real HTTP that records the raw request line of every call: what a client really
 * sent (method and undecoded URI), so a test can check which resource a request addressed. It serves discovery for
 * a fixed set of resources, the {@code /scale} subresource of any namespaced object path and empty PodMetrics lists.
 */
public final class RecordingApiServer implements AutoCloseable {

    /** A served resource: group version, plural, kind, whether namespaced, whether it has a scale subresource. */
    public record Served(String groupVersion, String plural, String kind, boolean namespaced, boolean scale) {
    }

    public static final List<Served> SERVED = List.of(
            new Served("v1", "pods", "Pod", true, false),
            new Served("v1", "configmaps", "ConfigMap", true, false),
            new Served("v1", "replicationcontrollers", "ReplicationController", true, true),
            new Served("apps/v1", "statefulsets", "StatefulSet", true, true),
            new Served("apps/v1", "deployments", "Deployment", true, true),
            new Served("apps/v1", "replicasets", "ReplicaSet", true, true),
            new Served("example.com/v1", "widgets", "Widget", true, true),
            new Served("example.com/v1", "clusterwidgets", "ClusterWidget", false, true));

    private static final Pattern SCALE = Pattern.compile("/(?:api/v1|apis/[^/]+/[^/]+)/namespaces/([^/]+)/[^/]+/([^/]+)/scale");

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    public RecordingApiServer() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A client of this server only (no kubeconfig, no retries). */
    public KubernetesClient client() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + server.actualPort())
                .withRequestRetryBackoffLimit(0).withRequestTimeout(10_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** "METHOD uri" of every request since the last call, oldest first; clears the record. */
    public List<String> takeRequests() {
        List<String> out = new ArrayList<>(requests);
        requests.clear();
        return out;
    }

    private void handle(HttpServerRequest req) {
        requests.add(req.method().name() + " " + req.uri());
        req.body().onSuccess(body -> {
            String path = req.path();
            if (req.uri().indexOf('?') < 0 && (path.equals("/api/v1") || path.startsWith("/apis/") && path.split("/").length == 4)) {
                String groupVersion = path.equals("/api/v1") ? "v1" : path.substring("/apis/".length());
                JsonArray resources = new JsonArray();
                for (Served s : SERVED) {
                    if (s.groupVersion.equals(groupVersion)) {
                        resources.add(new JsonObject().put("name", s.plural).put("kind", s.kind).put("namespaced", s.namespaced)
                                .put("verbs", new JsonArray(List.of("get", "update"))));
                        if (s.scale) {
                            resources.add(new JsonObject().put("name", s.plural + "/scale").put("kind", "Scale")
                                    .put("group", "autoscaling").put("version", "v1").put("namespaced", s.namespaced)
                                    .put("verbs", new JsonArray(List.of("get", "update"))));
                        }
                    }
                }
                if (!resources.isEmpty()) {
                    json(req, 200, new JsonObject().put("kind", "APIResourceList").put("apiVersion", "v1")
                            .put("groupVersion", groupVersion).put("resources", resources));
                    return;
                }
            }
            Matcher scale = SCALE.matcher(path);
            if (scale.matches()) {
                if ("PUT".equals(req.method().name())) {
                    json(req, 200, body.toJsonObject());
                } else {
                    json(req, 200, new JsonObject().put("kind", "Scale").put("apiVersion", "autoscaling/v1")
                            .put("metadata", new JsonObject().put("name", scale.group(2)).put("namespace", scale.group(1))
                                    .put("resourceVersion", "1"))
                            .put("spec", new JsonObject().put("replicas", 1))
                            .put("status", new JsonObject().put("replicas", 1).put("selector", "app=x")));
                }
                return;
            }
            if (path.startsWith("/apis/metrics.k8s.io/v1beta1/")) {
                json(req, 200, new JsonObject().put("kind", "PodMetricsList").put("apiVersion", "metrics.k8s.io/v1beta1")
                        .put("items", new JsonArray()));
                return;
            }
            json(req, 404, new JsonObject(Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure",
                    "reason", "NotFound", "code", 404, "message", "not found")));
        });
    }

    private static void json(HttpServerRequest req, int status, JsonObject body) {
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
