package io.kapacitystack.kapacity.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    void answersInTheRequestsApiVersion() {
        JsonObject r = review("CREATE", "", pod(true)).put("apiVersion", "admission.k8s.io/v1beta1");
        JsonObject answer = PodReadinessGateMutator.review(r, NOW);
        assertEquals("admission.k8s.io/v1beta1", answer.getString("apiVersion"));
        assertEquals("uid-1", answer.getJsonObject("response").getString("uid"));
    }

    /**
     * A review whose pod cannot be read is allowed unpatched, with a warning: the webhook's failurePolicy is Fail,
     * so a denial (or an HTTP 500, which the code before this answered for most of these) blocks the pod.
     */
    @Test
    void allowsWithoutAPatchAReviewWhosePodCannotBeRead() {
        List<JsonObject> unreadable = new ArrayList<>();
        unreadable.add(review("CREATE", "", null));
        unreadable.add(review("CREATE", "", pod(true)).put("request", review("CREATE", "", pod(true))
                .getJsonObject("request").put("object", "not a pod")));
        unreadable.add(review("CREATE", "", new JsonObject().put("metadata", "x")));
        unreadable.add(review("CREATE", "", new JsonObject().put("metadata", new JsonObject().put("labels", List.of("a")))));
        unreadable.add(review("CREATE", "", pod(true).put("spec", 7)));
        unreadable.add(review("CREATE", "", pod(true).put("spec", new JsonObject().put("readinessGates", "x"))));
        unreadable.add(review("UPDATE", "status", pod(true).put("status", "Running")));
        unreadable.add(review("UPDATE", "status", pod(true).put("status", new JsonObject().put("conditions", 1))));
        for (JsonObject review : unreadable) {
            JsonObject response = PodReadinessGateMutator.review(review, NOW).getJsonObject("response");
            assertTrue(response.getBoolean("allowed"), review.encode());
            assertEquals("uid-1", response.getString("uid"));
            assertNull(response.getValue("patch"), review.encode());
            assertTrue(response.getJsonArray("warnings").getString(0).startsWith("the kapacitystack.io/online readiness gate was not considered"),
                    response.encode());
        }
        // null where an object may be absent is no error: a pod without labels, spec or status is simply read as such
        JsonObject nulls = review("CREATE", "", new JsonObject().putNull("metadata").putNull("spec"));
        assertNull(PodReadinessGateMutator.review(nulls, NOW).getJsonObject("response").getValue("warnings"));
        JsonObject nullStatus = pod(true).putNull("status");
        assertEquals("/status", patchOf(PodReadinessGateMutator.review(review("UPDATE", "status", nullStatus), NOW))
                .getJsonObject(0).getString("path"));
    }

    /** What is not an AdmissionReview request is denied with code 400, as controller-runtime answers it. */
    @Test
    void deniesWhatIsNotAnAdmissionReviewRequest() {
        List<JsonObject> notReviews = List.of(
                new JsonObject(),
                new JsonObject().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview").putNull("request"),
                new JsonObject().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview").put("request", "x"),
                review("CREATE", "", pod(true)).put("kind", "Pod"),
                review("CREATE", "", pod(true)).put("apiVersion", "v1"),
                review("CREATE", "", pod(true)).put("apiVersion", 3));
        for (JsonObject body : notReviews) {
            JsonObject answer = PodReadinessGateMutator.review(body, NOW);
            assertEquals("AdmissionReview", answer.getString("kind"));
            JsonObject response = answer.getJsonObject("response");
            assertFalse(response.getBoolean("allowed"), body.encode());
            assertEquals(400, response.getJsonObject("status").getInteger("code"), body.encode());
        }
        // a request's uid of the wrong type is answered with an empty one (the apiserver would not match it either)
        JsonObject oddUid = review("CREATE", "", pod(false));
        oddUid.getJsonObject("request").put("uid", new JsonObject());
        assertEquals("", PodReadinessGateMutator.review(oddUid, NOW).getJsonObject("response").getString("uid"));
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
