package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CRD schema validation, defaulting, pruning, /status and /scale of custom resources, through kubectl. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CustomResourceValidationIT {

    private static final String NS = "crd";
    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();
    private Kubectl k;

    @BeforeAll
    void start() throws Exception {
        sandbox.cluster.registerCrd(SandboxFixture.resource("test-crd.yaml")).toCompletionStage()
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        k = sandbox.kubectl;
        k.run("create", "namespace", NS).ok();
    }

    @Test
    void validResourceIsDefaultedAndPruned() {
        var applied = k.run("apply", "-n", NS, "-f", SandboxFixture.resourcePath("widget-valid.yaml").toString()).ok();
        assertTrue(applied.out().contains("widgetscaler.sandbox-test.kapacitystack.io/good created"), applied.out());
        String fields = k.run("get", "wsc", "good", "-n", NS, "-o",
                "jsonpath={.spec.minReplicas} {.spec.mode} {.spec.providers[0].priority} {.spec.target} "
                        + "{.spec.providers[0].extra.anything[1]} [{.spec.unknownField}]").ok().out();
        assertEquals("1 Auto 0 50% 2 []", fields);
        String table = k.run("get", "widgetscalers", "-n", NS).ok().out();
        assertTrue(table.matches("(?s)NAME\\s+MIN\\s+MODE\\s+AGE\\s+good\\s+1\\s+Auto\\s+\\d+s.*"), table);
        // (a file with a pruned field re-applies as "configured", as on a real cluster): drop it, then
        // re-applying unchanged is a no-op and a changed custom resource is merged
        String clean = SandboxFixture.resource("widget-valid.yaml").replace("  unknownField: dropped\n", "")
                .replace("  - type: Static\n", "  - type: Static\n    priority: 0\n"); // list items are atomic in merge patches
        k.runWithInput(clean, "apply", "-n", NS, "-f", "-").ok();
        assertTrue(k.runWithInput(clean, "apply", "-n", NS, "-f", "-").ok().out().contains("unchanged"));
        String changed = clean.replace("maxReplicas: 10", "maxReplicas: 20");
        assertTrue(k.runWithInput(changed, "apply", "-n", NS, "-f", "-").ok().out().contains("configured"));
        assertEquals("20", k.run("get", "wsc", "good", "-n", NS, "-o", "jsonpath={.spec.maxReplicas}").ok().out());
        // an invalid change is rejected and nothing is stored
        var tooMany = k.runWithInput(changed.replace("maxReplicas: 20", "maxReplicas: 1000"), "apply", "-n", NS, "-f", "-");
        assertNotEquals(0, tooMany.exitCode());
        assertTrue(tooMany.err().contains("The WidgetScaler \"good\" is invalid: spec.maxReplicas: Invalid value: 1000: "
                + "spec.maxReplicas in body should be less than or equal to 100"), tooMany.err());
        assertEquals("20", k.run("get", "wsc", "good", "-n", NS, "-o", "jsonpath={.spec.maxReplicas}").ok().out());
    }

    @Test
    void minimumViolationIsRejectedWithTheApiServersMessage() {
        var r = k.run("apply", "-n", NS, "-f", SandboxFixture.resourcePath("widget-invalid.yaml").toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("The WidgetScaler \"bad\" is invalid: spec.minReplicas: Invalid value: -1: "
                + "spec.minReplicas in body should be greater than or equal to 0"), r.err());
        assertNotEquals(0, k.run("get", "wsc", "bad", "-n", NS).exitCode());
    }

    @Test
    void enumAndRequiredAndTypeViolations() {
        var badEnum = k.run("apply", "-n", NS, "-f", SandboxFixture.resourcePath("widget-bad-enum.yaml").toString());
        assertNotEquals(0, badEnum.exitCode());
        assertTrue(badEnum.err().contains("spec.mode: Unsupported value: \"Sometimes\": supported values: \"Auto\", \"Preview\""),
                badEnum.err());

        String missing = """
                apiVersion: sandbox-test.kapacitystack.io/v1alpha1
                kind: WidgetScaler
                metadata: {name: incomplete}
                spec:
                  scaleTargetRef: {kind: StatefulSet}
                  minReplicas: "two"
                  providers: []
                """;
        var r = k.runWithInput(missing, "apply", "-n", NS, "-f", "-");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("spec.scaleTargetRef.name: Required value"), r.err());
        assertTrue(r.err().contains("spec.maxReplicas: Required value"), r.err());
        assertTrue(r.err().contains("spec.minReplicas: Invalid value: \"string\": spec.minReplicas in body must be of type integer: \"string\""), r.err());
        assertTrue(r.err().contains("spec.providers in body should have at least 1 items"), r.err());
    }

    @Test
    void statusAndScaleSubresources() {
        String yaml = SandboxFixture.resource("widget-valid.yaml").replace("name: good", "name: scaled");
        k.runWithInput(yaml, "apply", "-n", NS, "-f", "-").ok();
        Resource<GenericKubernetesResource> widget = sandbox.client()
                .genericKubernetesResources("sandbox-test.kapacitystack.io/v1alpha1", "WidgetScaler")
                .inNamespace(NS).withName("scaled");
        GenericKubernetesResource current = widget.get();
        current.setAdditionalProperty("status", Map.of("replicas", 3, "selector", "app=nginx", "phase", "Ready"));
        sandbox.client().genericKubernetesResources("sandbox-test.kapacitystack.io/v1alpha1", "WidgetScaler")
                .inNamespace(NS).resource(current).updateStatus();
        assertEquals("0", k.run("get", "wsc", "scaled", "-n", NS, "-o", "jsonpath={.spec.providers[0].priority}").ok().out());
        assertEquals("Ready 3", k.run("get", "wsc", "scaled", "-n", NS, "-o",
                "jsonpath={.status.phase} {.status.replicas}").ok().out());
        // a spec write does not touch status; a status write does not touch spec
        k.run("patch", "wsc", "scaled", "-n", NS, "--type=merge", "-p", "{\"spec\":{\"maxReplicas\":7},\"status\":{\"phase\":\"Hacked\"}}").ok();
        assertEquals("7 Ready", k.run("get", "wsc", "scaled", "-n", NS, "-o",
                "jsonpath={.spec.maxReplicas} {.status.phase}").ok().out());

        k.run("scale", "wsc", "scaled", "-n", NS, "--replicas=4").ok();
        assertEquals("4", k.run("get", "wsc", "scaled", "-n", NS, "-o", "jsonpath={.spec.replicas}").ok().out());
        String scale = k.run("get", "--raw", "/apis/sandbox-test.kapacitystack.io/v1alpha1/namespaces/" + NS
                + "/widgetscalers/scaled/scale").ok().out();
        assertTrue(scale.contains("\"kind\":\"Scale\"") && scale.contains("\"selector\":\"app=nginx\"")
                && scale.contains("\"replicas\":4") && scale.contains("\"replicas\":3"), scale);
    }

    @Test
    void discoveryListsTheCustomResource() {
        String resources = k.run("api-resources", "--api-group=sandbox-test.kapacitystack.io").ok().out();
        assertTrue(resources.contains("widgetscalers") && resources.contains("wsc") && resources.contains("WidgetScaler"),
                resources);
        assertFalse(k.run("get", "crd", "-o", "name").ok().out().isBlank());
    }
}
