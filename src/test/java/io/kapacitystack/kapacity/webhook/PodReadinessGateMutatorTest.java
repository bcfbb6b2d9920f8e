package io.kapacitystack.kapacity.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PodReadinessGateMutatorTest {

    private static final Instant NOW = Instant.parse("2026-11-23T08:00:00Z");

    @Test
    void injectsTheGateOnCreateOfOptedInPods() {
        JsonObject pod = pod(true);
        JsonArray patch = patchOf(PodReadinessGateMutator.review(review("CREATE", "", pod), NOW));
        assertEquals(new JsonArray().add(new JsonObject().put("op", "add").put("path", "/spec/readinessGates")
                .put("value", new JsonArray().add(new JsonObject().put("conditionType", "kapacitystack.io/online")))), patch);

        pod.getJsonObject("spec").put("readinessGates", new JsonArray().add(new JsonObject().put("conditionType", "other")));
        assertEquals("/spec/readinessGates/-", patchOf(PodReadinessGateMutator.review(review("CREATE", "", pod), NOW))
                .getJsonObject(0).getString("path"));
    }

    @Test
    void warnsAboutPodsWithoutAnOwner() {
        JsonObject bare = PodReadinessGateMutator.review(review("CREATE", "", pod(true)), NOW).getJsonObject("response");
        assertTrue(bare.getJsonArray("warnings").getString(0).startsWith("pod has no owner"), bare.encode());
        JsonObject owned = pod(true);
        owned.getJsonObject("metadata").put("ownerReferences", new JsonArray().add(new JsonObject().put("kind", "StatefulSet").put("name", "nginx")));
        assertNull(PodReadinessGateMutator.review(review("CREATE", "", owned), NOW).getJsonObject("response").getJsonArray("warnings"));
    }

    @Test
    void isIdempotentAndLeavesOtherPodsAlone() {
        JsonObject pod = pod(true);
        pod.getJsonObject("spec").put("readinessGates", new JsonArray().add(new JsonObject().put("conditionType", "kapacitystack.io/online")));
        JsonObject answer = PodReadinessGateMutator.review(review("CREATE", "", pod), NOW);
        assertTrue(answer.getJsonObject("response").getBoolean("allowed"));
        assertNull(answer.getJsonObject("response").getString("patch"));
        assertNull(PodReadinessGateMutator.review(review("CREATE", "", pod(false)), NOW).getJsonObject("response").getString("patch"));
        assertNull(PodReadinessGateMutator.review(review("UPDATE", "", pod(true)), NOW).getJsonObject("response").getString("patch"),
                "only the status subresource gets the default condition");
    }

    @Test
    void defaultsTheConditionOnStatusUpdates() {
        JsonObject pod = pod(true).put("status", new JsonObject().put("conditions",
                new JsonArray().add(new JsonObject().put("type", "Ready").put("status", "False"))));
        JsonObject op = patchOf(PodReadinessGateMutator.review(review("UPDATE", "status", pod), NOW)).getJsonObject(0);
        assertEquals("/status/conditions/-", op.getString("path"));
        assertEquals(new JsonObject().put("type", "kapacitystack.io/online").put("status", "True")
                .put("lastTransitionTime", "2026-11-23T08:00:00Z"), op.getJsonObject("value"));
        pod.getJsonObject("status").getJsonArray("conditions").add(new JsonObject().put("type", "kapacitystack.io/online").put("status", "False"));
        assertNull(PodReadinessGateMutator.review(review("UPDATE", "status", pod), NOW).getJsonObject("response").getString("patch"),
                "a condition set by the controller (False: traffic cut) is never overwritten");
    }

    @Test
    void answersInTheRequestsApiVersionAndRejectsGarbage() {
        JsonObject r = review("CREATE", "", pod(true)).put("apiVersion", "admission.k8s.io/v1beta1");
        JsonObject answer = PodReadinessGateMutator.review(r, NOW);
        assertEquals("admission.k8s.io/v1beta1", answer.getString("apiVersion"));
        assertEquals("uid-1", answer.getJsonObject("response").getString("uid"));
        JsonObject bad = new JsonObject().put("request", new JsonObject().put("uid", "u").put("object", "not a pod"));
        JsonObject refused = PodReadinessGateMutator.review(bad, NOW).getJsonObject("response");
        assertFalse(refused.getBoolean("allowed"));
        assertEquals(400, refused.getJsonObject("status").getInteger("code"));
        assertTrue(refused.getJsonObject("status").getString("message").startsWith("failed to decode obj: "));
    }

    static JsonObject pod(boolean optedIn) {
        JsonObject labels = new JsonObject().put("app", "nginx");
        if (optedIn) {
            labels.put("kapacitystack.io/inject-pod-readiness-gate", "true");
        }
        return new JsonObject().put("metadata", new JsonObject().put("name", "nginx-0").put("labels", labels))
                .put("spec", new JsonObject().put("containers", new JsonArray().add(new JsonObject().put("name", "nginx"))));
    }

    static JsonObject review(String operation, String subResource, JsonObject pod) {
        return new JsonObject().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview")
                .put("request", new JsonObject().put("uid", "uid-1").put("operation", operation)
                        .put("subResource", subResource).put("object", pod));
    }

    static JsonArray patchOf(JsonObject answer) {
        String patch = answer.getJsonObject("response").getString("patch");
        assertEquals("JSONPatch", answer.getJsonObject("response").getString("patchType"));
        return new JsonArray(new String(Base64.getDecoder().decode(patch), StandardCharsets.UTF_8));
    }
}
