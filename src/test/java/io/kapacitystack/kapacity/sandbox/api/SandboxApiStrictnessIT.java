package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.samples.ClasspathCrds;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox API refuses what kube-apiserver refuses (docs/security.md, section 7), over plain HTTP and with the
 * real kubectl: request bodies over 3 MiB, bodies of another kind than the URL's resource, names the apiserver
 * rejects, JSON patches that cannot be applied; a negative timeoutSeconds ends a watch at once; and the watch
 * history is bounded by bytes. Each of these was accepted (or answered 500, or never ended) before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxApiStrictnessIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long HISTORY_BYTES = 2L * 1024 * 1024;
    private static final String IHPAS = "/apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/default/intelligenthorizontalpodautoscalers";
    private static final String CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private SandboxDispatcher store;
    private SandboxApiServer server;
    private String api;
    private Path dir;
    private Kubectl kubectl;

    @BeforeAll
    void start() throws Exception {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2024-05-01T10:00:00Z"));
        CustomResourceRegistry crds = new CustomResourceRegistry();
        store = new SandboxDispatcher(clock, crds, Duration.ofSeconds(1), WatchHub.DEFAULT_HISTORY, HISTORY_BYTES);
        server = new SandboxApiServer(vertx, clock, store, crds);
        api = "http://127.0.0.1:" + Await.result(server.listen("127.0.0.1", 0), WAIT);
        String crd = ClasspathCrds.find(getClass().getClassLoader()).entrySet().stream()
                .filter(e -> e.getKey().startsWith("intelligenthorizontalpodautoscalers")).findFirst().orElseThrow().getValue();
        assertEquals(201, send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                Serialization.asJson(Serialization.unmarshal(crd, Map.class)), "application/json").statusCode());
        assertEquals(201, send("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"default\"}}", "application/json").statusCode());
        dir = Files.createTempDirectory("sandbox-strict");
        kubectl = new Kubectl(Kubeconfig.write(dir.resolve("kubeconfig"), api, "default"));
    }

    @AfterAll
    void stop() {
        Await.result(server.close(), WAIT);
        Await.result(vertx.close(), WAIT);
    }

    private HttpResponse<String> send(String method, String path, String body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(WAIT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        // the whole exchange within WAIT (HttpClient's own timeout ends at the headers; a watch that never ends fails here)
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    private static JsonObject configMap(String name, String data) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
                .put("metadata", new JsonObject().put("name", name)).put("data", new JsonObject().put("k", data));
    }

    @Test
    void aBodyOverThreeMebibytesIsRefusedWith413() throws Exception {
        HttpResponse<String> huge = send("POST", CONFIGMAPS, configMap("huge", "x".repeat(50 * 1024 * 1024)).encode(), "application/json");
        assertEquals(413, huge.statusCode());
        JsonObject status = new JsonObject(huge.body());
        assertEquals("Request entity too large: limit is 3145728", status.getString("message"));
        assertEquals("RequestEntityTooLarge", status.getString("reason"));
        assertEquals(SecurityHeaders.CONTENT_SECURITY_POLICY, huge.headers().firstValue("Content-Security-Policy").orElse(null));
        assertEquals(404, send("GET", CONFIGMAPS + "/huge", null, null).statusCode());
        // just under the limit is fine, as on kube-apiserver (whose object limit in etcd is lower, 1.5 MiB, unmodelled)
        assertEquals(201, send("POST", CONFIGMAPS, configMap("large", "x".repeat(3 * 1024 * 1024 - 200)).encode(),
                "application/json").statusCode());
        assertEquals(200, send("DELETE", CONFIGMAPS + "/large", null, null).statusCode());
    }

    @Test
    void aBodyOfAnotherKindThanTheUrlIsRefusedAndOneWithoutAKindTakesTheUrls() throws Exception {
        String pod = new JsonObject().put("apiVersion", "v1").put("kind", "Pod").put("metadata", new JsonObject().put("name", "sneaky"))
                .put("spec", new JsonObject()).encode();
        HttpResponse<String> toIhpa = send("POST", IHPAS, pod, "application/json");
        assertEquals(400, toIhpa.statusCode(), toIhpa.body());
        assertEquals("the API version in the data (v1) does not match the expected API version "
                + "(autoscaling.kapacitystack.io/v1alpha1)", new JsonObject(toIhpa.body()).getString("message"));
        assertEquals(404, send("GET", IHPAS + "/sneaky", null, null).statusCode());

        HttpResponse<String> toConfigMaps = send("POST", CONFIGMAPS, pod, "application/json");
        assertEquals(400, toConfigMaps.statusCode());
        assertTrue(new JsonObject(toConfigMaps.body()).getString("message").startsWith("Pod in version \"v1\" cannot be handled as a ConfigMap"),
                toConfigMaps.body());
        assertEquals(404, send("GET", CONFIGMAPS + "/sneaky", null, null).statusCode());

        HttpResponse<String> untyped = send("POST", CONFIGMAPS, "{\"metadata\":{\"name\":\"untyped\"},\"data\":{\"a\":\"b\"}}", "application/json");
        assertEquals(201, untyped.statusCode(), untyped.body());
        JsonObject stored = new JsonObject(send("GET", CONFIGMAPS + "/untyped", null, null).body());
        assertEquals("v1", stored.getString("apiVersion"));
        assertEquals("ConfigMap", stored.getString("kind"));

        HttpResponse<String> renamed = send("PUT", CONFIGMAPS + "/untyped", configMap("other", "v").encode(), "application/json");
        assertEquals(400, renamed.statusCode());
        assertEquals("the name of the object (other) does not match the name on the URL (untyped)",
                new JsonObject(renamed.body()).getString("message"));
    }

    @Test
    void namesAreValidatedAsByKubeApiserver() throws Exception {
        Map<String, String> refused = Map.of(
                "a".repeat(254), "metadata.name: Invalid value: \"" + "a".repeat(254) + "\": must be no more than 253 characters",
                "Upper", "metadata.name: Invalid value: \"Upper\": a lowercase RFC 1123 subdomain must consist of",
                "caf\u00e9", "a lowercase RFC 1123 subdomain",
                "a/b", "metadata.name: Invalid value: \"a/b\": may not contain '/'",
                "..", "may not be '..'");
        for (Map.Entry<String, String> name : refused.entrySet()) {
            HttpResponse<String> r = send("POST", CONFIGMAPS, configMap(name.getKey(), "v").encode(), "application/json");
            assertEquals(422, r.statusCode(), name.getKey());
            JsonObject status = new JsonObject(r.body());
            assertEquals("Invalid", status.getString("reason"));
            assertTrue(status.getString("message").startsWith("The ConfigMap \"" + name.getKey() + "\" is invalid: "), status.getString("message"));
            assertTrue(status.getString("message").contains(name.getValue()), status.getString("message"));
        }
        assertEquals(201, send("POST", CONFIGMAPS, configMap("a".repeat(253), "v").encode(), "application/json").statusCode());
        assertEquals(201, send("POST", CONFIGMAPS, configMap("dotted.name-1", "v").encode(), "application/json").statusCode());
        // namespaces are RFC 1123 labels, services RFC 1035 labels
        HttpResponse<String> dottedNamespace = send("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"a.b\"}}", "application/json");
        assertEquals(422, dottedNamespace.statusCode());
        assertTrue(dottedNamespace.body().contains("a lowercase RFC 1123 label must consist of"), dottedNamespace.body());
        HttpResponse<String> digitService = send("POST", "/api/v1/namespaces/default/services",
                "{\"metadata\":{\"name\":\"1web\"},\"spec\":{\"ports\":[{\"port\":80}]}}", "application/json");
        assertEquals(422, digitService.statusCode());
        assertTrue(digitService.body().contains("a DNS-1035 label must consist of"), digitService.body());
        // as a user meets it: kubectl prints the apiserver's sentence and fails
        Kubectl.Result kubectlCreate = kubectl.run("create", "configmap", "Bad-Name", "--from-literal=a=b");
        assertNotEquals(0, kubectlCreate.exitCode());
        assertTrue(kubectlCreate.err().contains("The ConfigMap \"Bad-Name\" is invalid: metadata.name: Invalid value: \"Bad-Name\""),
                kubectlCreate.err());
    }

    @Test
    void aJsonPatchThatCannotBeAppliedIs422AndOneThatIsNotAPatch400() throws Exception {
        assertEquals(201, send("POST", CONFIGMAPS, configMap("patched", "v").encode(), "application/json").statusCode());
        for (String patch : List.of("[{\"op\":\"remove\",\"path\":\"/data/missing\"}]", "[{\"op\":\"explode\",\"path\":\"/data\"}]",
                "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"other\"}]")) {
            HttpResponse<String> r = send("PATCH", CONFIGMAPS + "/patched", patch, Patches.JSON_PATCH);
            assertEquals(422, r.statusCode(), patch + " " + r.body());
            assertEquals("the server rejected our request due to an error in our request", new JsonObject(r.body()).getString("message"));
        }
        for (String notAPatch : List.of("{\"op\":\"remove\"}", "[1]", "[{")) {
            assertEquals(400, send("PATCH", CONFIGMAPS + "/patched", notAPatch, Patches.JSON_PATCH).statusCode(), notAPatch);
        }
        Kubectl.Result kubectlPatch = kubectl.run("patch", "configmap", "patched", "--type=json", "-p",
                "[{\"op\":\"remove\",\"path\":\"/data/missing\"}]");
        assertNotEquals(0, kubectlPatch.exitCode());
        assertTrue(kubectlPatch.err().contains("The request is invalid: the server rejected our request due to an error in our request"),
                kubectlPatch.err());
        assertEquals("v", new JsonObject(send("GET", CONFIGMAPS + "/patched", null, null).body()).getJsonObject("data").getString("k"));
    }

    /** Before, {@code timeoutSeconds=-5} opened a watch that never ended (this request then timed out). */
    @Test
    void aNegativeTimeoutEndsTheWatchAtOnce() throws Exception {
        HttpResponse<String> watch = send("GET", CONFIGMAPS + "?watch=true&timeoutSeconds=-5", null, null);
        assertEquals(200, watch.statusCode());
        assertEquals("", watch.body().trim());
        Await.until("the ended watch to be released", WAIT, () -> store.openWatches() == 0);
    }

    /** Before, deleted large objects stayed whole in the 4,096-change window, whatever their size. */
    @Test
    void theWatchHistoryIsBoundedByBytes() throws Exception {
        String from = new JsonObject(send("GET", CONFIGMAPS, null, null).body()).getJsonObject("metadata").getString("resourceVersion");
        for (int i = 0; i < 6; i++) {
            assertEquals(201, send("POST", CONFIGMAPS, configMap("big-" + i, "x".repeat(600 * 1024)).encode(), "application/json").statusCode());
            assertEquals(200, send("DELETE", CONFIGMAPS + "/big-" + i, null, null).statusCode());
        }
        assertTrue(store.watchHistoryBytes() <= HISTORY_BYTES, "history holds " + store.watchHistoryBytes() + " bytes");
        HttpResponse<String> expired = send("GET", CONFIGMAPS + "?watch=true&resourceVersion=" + from, null, null);
        assertTrue(expired.body().contains("\"code\":410"), expired.body());
    }
}
