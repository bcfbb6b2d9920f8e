package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cross-namespace scaling probe of docs/security.md, with the real kubectl against the sandbox: an IHPA in
 * namespace {@code attacker} whose scaleTargetRef smuggles a path to {@code victim/nginx} through apiVersion, kind
 * or name ('?', '#', '/', '..', '%2F', encoded and double-encoded). The CRD's schema refuses every one at apply time;
 * with a CRD that predates that schema (a cluster not yet upgraded) they are stored, and the controller refuses them:
 * ScalingActive=False with the reason, a Warning event, no ReplicaProfile, and victim/nginx never changes.
 */
class SandboxCrossNamespaceScaleIT {

    private static final String IHPA_CRD = "intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io";

    @TempDir
    Path dir;
    @RegisterExtension
    final RunningSandbox sandbox = new RunningSandbox(60, List.of());
    private Kubectl kubectl;

    @BeforeEach
    void start() {
        kubectl = sandbox.kubectl;
    }

    /** Hostile references, by the field that carries the trick; each aims at victim/nginx's scale. */
    static Map<String, List<String>> probes() {
        String victim = "namespaces/victim/statefulsets/nginx/scale";
        Map<String, List<String>> probes = new LinkedHashMap<>();
        probes.put("apiVersion", List.of(
                "apps/v1/" + victim + "?x=",
                "apps/v1/" + victim + "#",
                "apps/v1/" + victim + "/..",
                "apps/v1/namespaces/attacker/../../v1/" + victim + "?",
                "apps%2Fv1%2F" + victim.replace("/", "%2F") + "%3F",
                "apps%252Fv1%252F" + victim.replace("/", "%252F") + "%253F"));
        probes.put("kind", List.of(
                "StatefulSet/../../../victim/statefulsets/nginx/scale?",
                "Foo/../../../victim/statefulsets/nginx/scale#",
                "..",
                "Foo%2F..%2F..%2F..%2Fvictim%2Fstatefulsets%2Fnginx%2Fscale%3F",
                "Foo%252F..%252F..%252F..%252Fvictim%252Fstatefulsets%252Fnginx%252Fscale%253F",
                "Foo?x="));
        probes.put("name", List.of(
                "../../victim/statefulsets/nginx",
                "nginx?x=",
                "nginx#",
                "..",
                "..%2F..%2Fvictim%2Fstatefulsets%2Fnginx",
                "..%252F..%252Fvictim%252Fstatefulsets%252Fnginx",
                "%2e%2e/%2e%2e/victim/statefulsets/nginx"));
        return probes;
    }

    @Test
    void hostileScaleTargetRefsNeverReachAnotherNamespace() throws Exception {
        kubectl.ok("create", "namespace", "victim");
        kubectl.ok("create", "namespace", "attacker");
        kubectl.ok("apply", "-n", "victim", "-f", "k8s-examples/nginx-statefulset.yaml");
        kubectl.ok("create", "configmap", "settings", "-n", "attacker", "--from-literal=a=b");
        String victimGeneration = kubectl.ok("get", "sts", "nginx", "-n", "victim", "-o", "jsonpath={.metadata.generation}").trim();

        // 1. the schema refuses every probe at apply time
        List<String> names = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, List<String>> field : probes().entrySet()) {
            for (String value : field.getValue()) {
                String name = "probe-" + i++;
                names.add(name);
                Path file = write(name, field.getKey(), value);
                Kubectl.Result r = kubectl.run("apply", "-n", "attacker", "-f", file.toString());
                assertNotEquals(0, r.exitCode(), () -> field.getKey() + "=" + value + " was accepted: " + r.out());
                assertTrue(r.err().contains("spec.scaleTargetRef." + field.getKey()), () -> field.getKey() + "=" + value + ": " + r.err());
            }
        }
        assertTrue(kubectl.ok("get", "ihpa", "-n", "attacker", "-o", "name").isBlank(), "nothing was stored");

        // an existing object without a scale subresource is reported as such (not "not found")
        kubectl.ok("apply", "-n", "attacker", "-f", write("unscalable", null, null).toString());
        awaitScalingActive("unscalable", "ConfigMap (v1) has no scale subresource");

        // 2. a cluster still on the CRD without the patterns stores them; the controller refuses each
        JsonObject crd = new JsonObject(kubectl.ok("get", "crd", IHPA_CRD, "-o", "json"));
        for (Object version : crd.getJsonObject("spec").getJsonArray("versions")) {
            JsonObject ref = ((JsonObject) version).getJsonObject("schema").getJsonObject("openAPIV3Schema")
                    .getJsonObject("properties").getJsonObject("spec").getJsonObject("properties")
                    .getJsonObject("scaleTargetRef").getJsonObject("properties");
            for (String field : List.of("apiVersion", "kind", "name")) {
                ref.put(field, new JsonObject().put("type", "string"));
            }
        }
        Path oldCrd = dir.resolve("old-crd.json");
        Files.writeString(oldCrd, crd.encode());
        kubectl.ok("replace", "-f", oldCrd.toString());
        i = 0;
        for (Map.Entry<String, List<String>> field : probes().entrySet()) {
            for (String value : field.getValue()) {
                String file = write("probe-" + i++, field.getKey(), value).toString();
                // the API server applies a replaced CRD's schema shortly after, not in the same request
                Await.until("the pre-fix schema to accept " + field.getKey() + "=" + value, Duration.ofSeconds(20),
                        () -> kubectl.run("apply", "-n", "attacker", "-f", file).exitCode() == 0);
            }
        }
        for (String name : names) {
            awaitScalingActive(name, "invalid scaleTargetRef.");
        }
        String events = kubectl.ok("get", "events", "-n", "attacker", "-o",
                "jsonpath={range .items[*]}{.involvedObject.name} {.type} {.reason}{\"\\n\"}{end}");
        for (String name : names) {
            assertTrue(events.contains(name + " Warning FailedGetScale\n"), () -> name + " has a Warning event: " + events);
        }
        assertTrue(kubectl.ok("get", "replicaprofiles", "-n", "attacker", "-o", "name").isBlank(), "no ReplicaProfile was made");
        assertEquals("1", kubectl.ok("get", "sts", "nginx", "-n", "victim", "-o", "jsonpath={.spec.replicas}").trim());
        assertEquals(victimGeneration, kubectl.ok("get", "sts", "nginx", "-n", "victim", "-o", "jsonpath={.metadata.generation}").trim(),
                "victim/nginx was never written");
        assertTrue(kubectl.ok("get", "ihpa,replicaprofiles", "-n", "victim", "-o", "name").isBlank());
    }

    private void awaitScalingActive(String name, String messagePart) {
        String query = "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].status} "
                + "{.status.conditions[?(@.type==\"ScalingActive\")].reason} {.status.conditions[?(@.type==\"ScalingActive\")].message}";
        Await.until(name + " to report ScalingActive=False FailedGetScale", Duration.ofSeconds(60),
                () -> kubectl.ok("get", "ihpa", name, "-n", "attacker", "-o", query).startsWith("False FailedGetScale "));
        String condition = kubectl.ok("get", "ihpa", name, "-n", "attacker", "-o", query);
        assertTrue(condition.contains(messagePart), name + ": " + condition);
    }

    /** An IHPA (JSON, so every string is quoted exactly) with a Static portrait of 6 that may go to 0. */
    private Path write(String name, String field, String value) throws Exception {
        JsonObject target = new JsonObject().put("apiVersion", "apps/v1").put("kind", "StatefulSet").put("name", "nginx");
        if (field == null) {
            target = new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap").put("name", "settings");
        } else if (field.equals("apiVersion")) {
            target.put("apiVersion", value).put("kind", "Foo").put("name", "y");
        } else {
            target.put(field, value);
        }
        JsonObject ihpa = new JsonObject()
                .put("apiVersion", "autoscaling.kapacitystack.io/v1alpha1").put("kind", "IntelligentHorizontalPodAutoscaler")
                .put("metadata", new JsonObject().put("name", name))
                .put("spec", new JsonObject().put("scaleTargetRef", target).put("minReplicas", 0).put("maxReplicas", 10)
                        .put("portraitProviders", new JsonArray().add(new JsonObject().put("type", "Static").put("priority", 1)
                                .put("static", new JsonObject().put("replicas", 6)))));
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, ihpa.encodePrettily());
        return file;
    }
}
