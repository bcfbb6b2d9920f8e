package io.kapacitystack.kapacity.webhook;

import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * Kapacity's mutating pod webhook (Kapacity's {@code internal/webhook/pod/mutating/readinessgate.go}), as a pure function from an AdmissionReview to its answer. For pods
 * labelled {@code kapacitystack.io/inject-pod-readiness-gate: "true"}: on CREATE it adds the readiness gate
 * {@code kapacitystack.io/online}; on UPDATE of {@code status} it adds that condition as True if the pod has none,
 * so a new pod becomes ready as usual until the ReplicaProfile controller cuts its traffic. Idempotent: a pod
 * that already has the gate or the condition gets no patch.
 */
public final class PodReadinessGateMutator {

    private PodReadinessGateMutator() {
    }

    /** The admission API versions the apiserver may send (the answer is in the version asked in). */
    private static final Set<String> REVIEW_VERSIONS = Set.of("admission.k8s.io/v1", "admission.k8s.io/v1beta1");

    /**
     * The answer to a decoded body. A body that is not an AdmissionReview request (wrong kind or apiVersion, no
     * {@code request} object) is denied with code 400, as controller-runtime's webhook answers an undecodable
     * review ({@link #errored}). An AdmissionReview whose pod cannot be read (no {@code object}, or its
     * {@code metadata}, {@code labels}, {@code spec}, {@code status} or lists of the wrong type) is ALLOWED without a
     * patch and with a warning: the webhook's failurePolicy is Fail, so a denial would block that pod, and the
     * readiness gate only matters for pods this webhook can read (docs/security.md, section 6).
     */
    public static JsonObject review(JsonObject admissionReview, Instant now) {
        Object apiVersionValue = admissionReview.getValue("apiVersion");
        Object kind = admissionReview.getValue("kind");
        String apiVersion = apiVersionValue == null ? "admission.k8s.io/v1" : String.valueOf(apiVersionValue);
        if (!REVIEW_VERSIONS.contains(apiVersion) || (kind != null && !"AdmissionReview".equals(kind))) {
            return errored(400, "no kind \"" + kind + "\" is registered for version \"" + apiVersion + "\"");
        }
        JsonObject request = objectAt(admissionReview, "request");
        if (request == null) {
            return errored(400, "the AdmissionReview has no request");
        }
        JsonObject response = new JsonObject().put("uid", stringAt(request, "uid")).put("allowed", true);
        JsonArray patch;
        try {
            patch = patchFor(request, now);
        } catch (UnreadablePod e) {
            response.put("warnings", new JsonArray().add("the kapacitystack.io/online readiness gate was not considered: "
                    + e.getMessage()));
            return answer(apiVersion, response);
        }
        if (!patch.isEmpty() && "CREATE".equals(stringAt(request, "operation")) && ownerless(objectAt(request, "object"))) {
            // Allowed as in Kapacity, but said out loud: kubectl prints admission warnings.
            response.put("warnings", new JsonArray().add("pod has no owner: the kapacitystack.io/online readiness gate "
                    + "was added, but no workload scaled by a ReplicaProfile will manage this pod's traffic"));
        }
        if (!patch.isEmpty()) {
            response.put("patchType", "JSONPatch")
                    .put("patch", Base64.getEncoder().encodeToString(patch.encode().getBytes(StandardCharsets.UTF_8)));
        }
        return answer(apiVersion, response);
    }

    /**
     * A request that could not be decoded, answered as controller-runtime's {@code admission.Errored(code, err)}:
     * HTTP 200 with an AdmissionReview that denies with {@code code} and the reason (the apiserver never sends
     * such a request, so whoever did gets a plain answer instead of an HTTP error).
     */
    public static JsonObject errored(int code, String message) {
        return answer("admission.k8s.io/v1", new JsonObject().put("uid", "").put("allowed", false)
                .put("status", new JsonObject().put("code", code).put("message", message)));
    }

    private static JsonObject answer(String apiVersion, JsonObject response) {
        return new JsonObject().put("apiVersion", apiVersion).put("kind", "AdmissionReview").put("response", response);
    }

    /** The pod in a request is missing or not shaped like a pod. */
    static final class UnreadablePod extends RuntimeException {
        UnreadablePod(String message) {
            super(message, null, false, false);
        }
    }

    /** @throws UnreadablePod if the pod (or a part of it the decision reads) is missing or of the wrong type */
    static JsonArray patchFor(JsonObject request, Instant now) {
        JsonArray ops = new JsonArray();
        JsonObject pod = objectAt(request, "object");
        if (pod == null) {
            throw new UnreadablePod("the request has no pod object");
        }
        JsonObject labels = optionalObject(optionalObject(pod, "metadata", "metadata"), "labels", "metadata.labels");
        if (!"true".equals(labels.getValue(Constants.INJECT_READINESS_GATE_LABEL))) {
            return ops;
        }
        String operation = stringAt(request, "operation");
        String subResource = stringAt(request, "subResource");
        if ("CREATE".equals(operation) && subResource.isEmpty()) {
            JsonObject spec = optionalObject(pod, "spec", "spec");
            JsonArray gates = optionalArray(spec, "readinessGates", "spec.readinessGates");
            JsonObject gate = new JsonObject().put("conditionType", Constants.READINESS_GATE_CONDITION);
            if (gates == null) {
                ops.add(op("add", "/spec/readinessGates", new JsonArray().add(gate)));
            } else if (!contains(gates, "conditionType")) {
                ops.add(op("add", "/spec/readinessGates/-", gate));
            }
        } else if ("UPDATE".equals(operation) && "status".equals(subResource)) {
            JsonObject status = optionalObject(pod, "status", "status");
            JsonArray conditions = optionalArray(status, "conditions", "status.conditions");
            JsonObject condition = new JsonObject().put("type", Constants.READINESS_GATE_CONDITION).put("status", "True")
                    .put("lastTransitionTime", KubeTime.format(now));
            if (!pod.containsKey("status") || pod.getValue("status") == null) {
                ops.add(op("add", "/status", new JsonObject().put("conditions", new JsonArray().add(condition))));
            } else if (conditions == null) {
                ops.add(op("add", "/status/conditions", new JsonArray().add(condition)));
            } else if (!contains(conditions, "type")) {
                ops.add(op("add", "/status/conditions/-", condition));
            }
        }
        return ops;
    }

    /** The object at {@code key}, null if absent or not an object. */
    private static JsonObject objectAt(JsonObject parent, String key) {
        return parent != null && parent.getValue(key) instanceof JsonObject o ? o : null;
    }

    /** The string at {@code key}, "" if absent or not a string. */
    private static String stringAt(JsonObject parent, String key) {
        return parent != null && parent.getValue(key) instanceof String s ? s : "";
    }

    /** An optional object: empty when absent or null, {@link UnreadablePod} when of another type. */
    private static JsonObject optionalObject(JsonObject parent, String key, String field) {
        Object value = parent.getValue(key);
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject o)) {
            throw new UnreadablePod("the pod's " + field + " is not an object");
        }
        return o;
    }

    /** An optional list: null when absent or null, {@link UnreadablePod} when of another type. */
    private static JsonArray optionalArray(JsonObject parent, String key, String field) {
        Object value = parent.getValue(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonArray a)) {
            throw new UnreadablePod("the pod's " + field + " is not a list");
        }
        return a;
    }

    private static boolean ownerless(JsonObject pod) {
        JsonObject metadata = objectAt(pod, "metadata");
        return metadata == null || !(metadata.getValue("ownerReferences") instanceof JsonArray owners) || owners.isEmpty();
    }

    private static boolean contains(JsonArray entries, String field) {
        for (Object o : entries) {
            if (o instanceof JsonObject && Constants.READINESS_GATE_CONDITION.equals(((JsonObject) o).getString(field))) {
                return true;
            }
        }
        return false;
    }

    private static JsonObject op(String op, String path, Object value) {
        return new JsonObject().put("op", op).put("path", path).put("value", value);
    }
}
