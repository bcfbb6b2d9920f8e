package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.CompatibilityFlags;
import io.fabric8.zjsonpatch.JsonPatch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The three patch formats of the Kubernetes API applied to JSON documents. The strategic merge patch is a
 * simplified one: lists of objects are merged by the usual merge keys ({@code name}, {@code containerPort},
 * {@code port}, {@code mountPath}, {@code type}, {@code ip}, {@code uid}), other lists are replaced, and the
 * {@code $patch}, {@code $setElementOrder}, {@code $retainKeys}, {@code $deleteFromPrimitiveList} directives
 * are honoured approximately. That covers what {@code kubectl apply} sends when a built-in object changes.
 */
public final class Patches {

    public static final String JSON_PATCH = "application/json-patch+json";
    public static final String MERGE_PATCH = "application/merge-patch+json";
    public static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    public static final String APPLY_PATCH = "application/apply-patch+yaml";

    private static final List<String> MERGE_KEYS = List.of("name", "containerPort", "port", "mountPath", "type",
            "ip", "uid", "devicePath", "topologyKey");

    private Patches() {
    }

    public static JsonObject apply(String contentType, JsonObject target, String patchBody) {
        String type = contentType == null ? JSON_PATCH : contentType.split(";")[0].trim();
        return switch (type) {
            case JSON_PATCH -> jsonPatch(target, patchBody);
            case MERGE_PATCH -> (JsonObject) mergePatch(target.copy(), new JsonObject(patchBody));
            case STRATEGIC_MERGE_PATCH -> (JsonObject) strategicMerge(target.copy(), new JsonObject(patchBody));
            default -> throw new UnsupportedOperationException("Unsupported patch type " + type);
        };
    }

    /** kube-apiserver's limit on the operations of one JSON patch (handlers/patch.go, maxJSONPatchOperations). */
    static final int MAX_JSON_PATCH_OPERATIONS = 10_000;

    /**
     * RFC 6902, answered as kube-apiserver answers it (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
     * a body that is not a list of operations is a 400 ({@link IllegalArgumentException}), more than
     * {@value #MAX_JSON_PATCH_OPERATIONS} operations a 413, and an operation that cannot be applied (an unknown
     * {@code op}, a missing path, a failed {@code test}) a 422 with kube-apiserver's sentence.
     *
     * @throws InvalidObjectException with the 413 or 422 answer
     */
    public static JsonObject jsonPatch(JsonObject target, String patchBody) {
        JsonNode patch;
        try {
            patch = Serialization.jsonMapper().readTree(patchBody);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("error decoding patch: " + e.getOriginalMessage());
        }
        if (patch == null || !patch.isArray() || !patch.valueStream().allMatch(JsonNode::isObject)) {
            throw new IllegalArgumentException("json: cannot unmarshal the patch into a list of operations");
        }
        if (patch.size() > MAX_JSON_PATCH_OPERATIONS) {
            throw new InvalidObjectException(ApiStatus.response(413, "RequestEntityTooLarge", "Request entity too large: "
                    + "The allowed maximum operations in a JSON patch is " + MAX_JSON_PATCH_OPERATIONS + ", got " + patch.size()));
        }
        JsonNode source = Serialization.jsonMapper().readTree(target.encode());
        JsonNode result;
        try {
            // strict as evanphx/json-patch, kube-apiserver's: removing a member that is not there is an error
            result = JsonPatch.apply(patch, source, EnumSet.of(CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT));
        } catch (RuntimeException e) {
            // kube-apiserver's NewGenericServerResponse(422, ...): the library's reason is not passed on, so kubectl
            // prints "The request is invalid: the server rejected our request due to an error in our request"
            throw new InvalidObjectException(ApiStatus.json(422, ApiStatus.status(422, "Invalid",
                    "the server rejected our request due to an error in our request").put("details", new JsonObject())));
        }
        if (!result.isObject()) {
            throw new IllegalArgumentException("the patched document is not an object");
        }
        return new JsonObject(Serialization.jsonMapper().writeValueAsString(result));
    }

    /** RFC 7386. */
    public static Object mergePatch(Object target, Object patch) {
        if (!(patch instanceof JsonObject patchObject)) {
            return patch;
        }
        JsonObject result = target instanceof JsonObject t ? t : new JsonObject();
        for (Map.Entry<String, Object> e : patchObject) {
            if (e.getValue() == null) {
                result.remove(e.getKey());
            } else {
                result.put(e.getKey(), mergePatch(result.getValue(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    static Object strategicMerge(Object target, Object patch) {
        if (!(patch instanceof JsonObject patchObject)) {
            return patch;
        }
        if ("replace".equals(patchObject.getString("$patch"))) {
            JsonObject replacement = patchObject.copy();
            replacement.remove("$patch");
            return replacement;
        }
        JsonObject result = target instanceof JsonObject t ? t : new JsonObject();
        for (Map.Entry<String, Object> e : patchObject) {
            String key = e.getKey();
            Object value = e.getValue();
            if (key.startsWith("$setElementOrder/") || key.equals("$retainKeys") || key.equals("$patch")) {
                continue;
            }
            if (key.startsWith("$deleteFromPrimitiveList/")) {
                String field = key.substring("$deleteFromPrimitiveList/".length());
                JsonArray existing = result.getJsonArray(field);
                if (existing != null && value instanceof JsonArray remove) {
                    List<Object> kept = new ArrayList<>(existing.getList());
                    kept.removeAll(remove.getList());
                    result.put(field, new JsonArray(kept));
                }
                continue;
            }
            if (value == null) {
                result.remove(key);
            } else if (value instanceof JsonArray patchList && result.getValue(key) instanceof JsonArray current) {
                result.put(key, mergeList(current, patchList));
            } else {
                result.put(key, strategicMerge(result.getValue(key), value));
            }
        }
        return result;
    }

    private static JsonArray mergeList(JsonArray current, JsonArray patch) {
        String mergeKey = mergeKeyOf(patch);
        if (mergeKey == null) {
            return cleanDirectives(patch);
        }
        JsonArray result = current.copy();
        for (Object element : patch) {
            JsonObject patchElement = (JsonObject) element;
            Object keyValue = patchElement.getValue(mergeKey);
            int index = indexOf(result, mergeKey, keyValue);
            if ("delete".equals(patchElement.getString("$patch"))) {
                if (index >= 0) {
                    result.remove(index);
                }
            } else if (index >= 0) {
                result.set(index, strategicMerge(result.getJsonObject(index), patchElement));
            } else {
                result.add(strategicMerge(new JsonObject(), patchElement));
            }
        }
        return result;
    }

    private static String mergeKeyOf(JsonArray patch) {
        if (patch.isEmpty() || !(patch.getValue(0) instanceof JsonObject first)) {
            return null;
        }
        for (String key : MERGE_KEYS) {
            if (first.containsKey(key)) {
                boolean allHaveIt = true;
                for (Object o : patch) {
                    allHaveIt &= o instanceof JsonObject j && j.containsKey(key);
                }
                if (allHaveIt) {
                    return key;
                }
            }
        }
        return null;
    }

    private static int indexOf(JsonArray list, String key, Object value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.getValue(i) instanceof JsonObject o && Objects.equals(o.getValue(key), value)) {
                return i;
            }
        }
        return -1;
    }

    private static JsonArray cleanDirectives(JsonArray patch) {
        JsonArray out = new JsonArray();
        for (Object o : patch) {
            if (o instanceof JsonObject obj) {
                JsonObject copy = obj.copy();
                for (Iterator<String> it = copy.fieldNames().iterator(); it.hasNext(); ) {
                    if (it.next().startsWith("$")) {
                        it.remove();
                    }
                }
                out.add(copy);
            } else {
                out.add(o);
            }
        }
        return out;
    }
}
