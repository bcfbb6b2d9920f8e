package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.json.JsonObject;

import java.util.Optional;

/**
 * {@code GET/PUT/PATCH .../{name}/scale} answering {@code autoscaling/v1 Scale} objects, with
 * {@code status.selector} as a label-selector string and {@code status.replicas}, for StatefulSets, Deployments,
 * ReplicaSets, ReplicationControllers and custom resources whose CRD declares a scale subresource.
 */
final class ScaleSubresource {

    /** Where a kind keeps its replica numbers; paths are the CRD scale subresource's {@code .a.b} form. */
    private record ScalePaths(String specReplicas, String statusReplicas, String labelSelector) {
    }

    private static final ScalePaths BUILTIN = new ScalePaths(".spec.replicas", ".status.replicas", null);

    private final SandboxDispatcher store;

    ScaleSubresource(SandboxDispatcher store) {
        this.store = store;
    }

    MockResponse handle(HttpMethod method, ApiPath path, String body, String contentType) {
        Optional<ScalePaths> paths = pathsFor(path);
        if (paths.isEmpty()) {
            return ApiStatus.response(404, "NotFound", "the server could not find the requested resource");
        }
        JsonObject object = store.read(path.objectPath());
        if (object == null) {
            return ApiStatus.notFound(path);
        }
        JsonObject current = toScale(object, paths.get());
        if (method == HttpMethod.GET) {
            return ApiStatus.json(200, current);
        }
        JsonObject desired;
        if (method == HttpMethod.PUT) {
            desired = new JsonObject(body);
        } else if (method == HttpMethod.PATCH) {
            desired = Patches.apply(contentType, current, body);
        } else {
            return ApiStatus.response(405, "MethodNotAllowed", "method not allowed on scale");
        }
        Number replicas = desired.getJsonObject("spec", new JsonObject()).getNumber("replicas");
        if (replicas == null || replicas.intValue() < 0) {
            return ApiStatus.response(422, "Invalid", "Scale.autoscaling \"" + path.name()
                    + "\" is invalid: spec.replicas: Invalid value: " + replicas + ": must be greater than or equal to 0");
        }
        set(object, paths.get().specReplicas(), replicas.intValue());
        object.getJsonObject("metadata").remove("resourceVersion");
        MockResponse written = store.write(path.withName(path.name()), object);
        if (written.code() >= 300) {
            return written;
        }
        return ApiStatus.json(200, toScale(store.read(path.objectPath()), paths.get()));
    }

    private Optional<ScalePaths> pathsFor(ApiPath path) {
        boolean builtin = ("apps".equals(path.group()) && (path.resource().equals("statefulsets")
                || path.resource().equals("deployments") || path.resource().equals("replicasets")))
                || (path.group().isEmpty() && path.resource().equals("replicationcontrollers"));
        if (builtin) {
            return Optional.of(BUILTIN);
        }
        return store.crds().find(path.group(), path.version(), path.resource())
                .filter(crd -> crd.scaleSubresource() != null)
                .map(crd -> new ScalePaths(crd.scaleSubresource().getString("specReplicasPath"),
                        crd.scaleSubresource().getString("statusReplicasPath"),
                        crd.scaleSubresource().getString("labelSelectorPath")));
    }

    private static JsonObject toScale(JsonObject object, ScalePaths paths) {
        JsonObject metadata = object.getJsonObject("metadata");
        Object selector = paths.labelSelector() == null
                ? Selectors.toSelectorString(labelSelector(object.getJsonObject("spec", new JsonObject())
                        .getJsonObject("selector", new JsonObject())))
                : get(object, paths.labelSelector());
        JsonObject status = new JsonObject().put("replicas", intAt(object, paths.statusReplicas()));
        if (selector != null && !String.valueOf(selector).isEmpty()) {
            status.put("selector", String.valueOf(selector));
        }
        return new JsonObject()
                .put("kind", "Scale").put("apiVersion", "autoscaling/v1")
                .put("metadata", new JsonObject()
                        .put("name", metadata.getString("name"))
                        .put("namespace", metadata.getString("namespace"))
                        .put("uid", metadata.getString("uid"))
                        .put("resourceVersion", metadata.getString("resourceVersion"))
                        .put("creationTimestamp", metadata.getString("creationTimestamp")))
                .put("spec", new JsonObject().put("replicas", intAt(object, paths.specReplicas())))
                .put("status", status);
    }

    /** A ReplicationController's selector is a plain label map; the apps kinds' is a LabelSelector. */
    private static JsonObject labelSelector(JsonObject selector) {
        if (selector.isEmpty() || selector.containsKey("matchLabels") || selector.containsKey("matchExpressions")) {
            return selector;
        }
        return new JsonObject().put("matchLabels", selector);
    }

    private static int intAt(JsonObject object, String path) {
        return get(object, path) instanceof Number n ? n.intValue() : 0;
    }

    private static Object get(JsonObject object, String path) {
        Object current = object;
        for (String part : path.replaceFirst("^\\.", "").split("\\.")) {
            if (!(current instanceof JsonObject o)) {
                return null;
            }
            current = o.getValue(part);
        }
        return current;
    }

    private static void set(JsonObject object, String path, int value) {
        String[] parts = path.replaceFirst("^\\.", "").split("\\.");
        JsonObject current = object;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonObject next = current.getJsonObject(parts[i]);
            if (next == null) {
                current.put(parts[i], next = new JsonObject());
            }
            current = next;
        }
        current.put(parts[parts.length - 1], value);
    }
}
