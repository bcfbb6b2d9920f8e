package io.kapacitystack.kapacity.webhook;

import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Kapacity's mutating pod webhook (spec §8), as a pure function from an AdmissionReview to its answer. For pods
 * labelled {@code kapacitystack.io/inject-pod-readiness-gate: "true"}: on CREATE it adds the readiness gate
 * {@code kapacitystack.io/online}; on UPDATE of {@code status} it adds that condition as True if the pod has none,
 * so a new pod becomes ready as usual until the ReplicaProfile controller cuts its traffic. Idempotent: a pod
 * that already has the gate or the condition gets no patch.
 */
public final class PodReadinessGateMutator {

    private PodReadinessGateMutator() {
    }

    public static JsonObject review(JsonObject admissionReview, Instant now) {
        String apiVersion = admissionReview.getString("apiVersion", "admission.k8s.io/v1");
        JsonObject request = admissionReview.getJsonObject("request", new JsonObject());
        JsonObject response = new JsonObject().put("uid", request.getString("uid", ""));
        try {
            JsonArray patch = patchFor(request, now);
            response.put("allowed", true);
            if (!patch.isEmpty() && "CREATE".equals(request.getString("operation")) && ownerless(request.getJsonObject("object"))) {
                // Allowed as in Kapacity, but said out loud: kubectl prints admission warnings.
                response.put("warnings", new JsonArray().add("pod has no owner: the kapacitystack.io/online readiness gate "
                        + "was added, but no workload scaled by a ReplicaProfile will manage this pod's traffic"));
            }
            if (!patch.isEmpty()) {
                response.put("patchType", "JSONPatch")
                        .put("patch", Base64.getEncoder().encodeToString(patch.encode().getBytes(StandardCharsets.UTF_8)));
            }
        } catch (DecodeException | ClassCastException e) {
            response.put("allowed", false).put("status", new JsonObject().put("code", 400)
                    .put("message", "failed to decode obj: " + e.getMessage()));
        }
        return new JsonObject().put("apiVersion", apiVersion).put("kind", "AdmissionReview").put("response", response);
    }

    static JsonArray patchFor(JsonObject request, Instant now) {
        JsonArray ops = new JsonArray();
        Object raw = request.getValue("object");
        if (!(raw instanceof JsonObject)) {
            throw new DecodeException("request has no object");
        }
        JsonObject pod = (JsonObject) raw;
        JsonObject labels = pod.getJsonObject("metadata", new JsonObject()).getJsonObject("labels", new JsonObject());
        if (!"true".equals(labels.getValue(Constants.INJECT_READINESS_GATE_LABEL))) {
            return ops;
        }
        String operation = request.getString("operation", "");
        String subResource = request.getString("subResource", "");
        if ("CREATE".equals(operation) && subResource.isEmpty()) {
            JsonObject spec = pod.getJsonObject("spec", new JsonObject());
            JsonArray gates = spec.getJsonArray("readinessGates");
            JsonObject gate = new JsonObject().put("conditionType", Constants.READINESS_GATE_CONDITION);
            if (gates == null) {
                ops.add(op("add", "/spec/readinessGates", new JsonArray().add(gate)));
            } else if (!contains(gates, "conditionType")) {
                ops.add(op("add", "/spec/readinessGates/-", gate));
            }
        } else if ("UPDATE".equals(operation) && "status".equals(subResource)) {
            JsonObject status = pod.getJsonObject("status", new JsonObject());
            JsonArray conditions = status.getJsonArray("conditions");
            JsonObject condition = new JsonObject().put("type", Constants.READINESS_GATE_CONDITION).put("status", "True")
                    .put("lastTransitionTime", KubeTime.format(now));
            if (!pod.containsKey("status")) {
                ops.add(op("add", "/status", new JsonObject().put("conditions", new JsonArray().add(condition))));
            } else if (conditions == null) {
                ops.add(op("add", "/status/conditions", new JsonArray().add(condition)));
            } else if (!contains(conditions, "type")) {
                ops.add(op("add", "/status/conditions/-", condition));
            }
        }
        return ops;
    }

    private static boolean ownerless(JsonObject pod) {
        JsonArray owners = pod.getJsonObject("metadata", new JsonObject()).getJsonArray("ownerReferences");
        return owners == null || owners.isEmpty();
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
