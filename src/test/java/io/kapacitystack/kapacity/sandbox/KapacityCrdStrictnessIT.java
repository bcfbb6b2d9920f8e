package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Kubectl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kapacity's CRDs, as the sandbox installs them (made strict by CrdStrictness), through the real kubectl: what
 * Kapacity's schemas refuse is refused at apply with the API server's schema message, {@code kubectl explain}
 * explains the fields, and {@code kubectl get ihpa} lists its columns in {@code kubectl get hpa}'s order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KapacityCrdStrictnessIT {

    private static final String NS = "strict";
    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();
    private Kubectl k;

    @BeforeAll
    void start() {
        k = sandbox.kubectl;
        k.run("create", "namespace", NS).ok();
    }

    private static String ihpa(String name, String metric) {
        return """
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata:
                  name: %s
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
                  minReplicas: 1
                  maxReplicas: 5
                  portraitProviders:
                  - type: Dynamic
                    priority: 1
                    dynamic:
                      portraitType: Reactive
                      algorithm: {type: KubeHPA}
                      metrics:
                      - %s
                """.formatted(name, metric);
    }

    @Test
    void aResourceMetricWithoutItsNameIsRefusedAtApply() {
        Kubectl.Result r = k.runWithInput(ihpa("noname",
                "{type: Resource, resource: {target: {type: Utilization, averageUtilization: 50}}}"), "apply", "-n", NS, "-f", "-");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("The IntelligentHorizontalPodAutoscaler \"noname\" is invalid: "
                + "spec.portraitProviders[0].dynamic.metrics[0].resource.name: Required value"), r.err());
        assertNotEquals(0, k.run("get", "ihpa", "noname", "-n", NS).exitCode());
    }

    @Test
    void aPodsMetricWithoutTargetTypeIsRefusedAtApply() {
        Kubectl.Result r = k.runWithInput(ihpa("notype",
                "{type: Pods, pods: {metric: {name: qps}, target: {averageValue: '10'}}}"), "apply", "-n", NS, "-f", "-");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("spec.portraitProviders[0].dynamic.metrics[0].pods.target.type: Required value"), r.err());
    }

    @Test
    void aCompleteIhpaIsAcceptedAndListedInHpaColumnOrder() {
        k.runWithInput(ihpa("good", "{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}"),
                "apply", "-n", NS, "-f", "-").ok();
        String header = k.run("get", "ihpa", "-n", NS).ok().out().lines().findFirst().orElse("");
        assertEquals(java.util.List.of("NAME", "TARGET", "MIN", "MAX", "REPLICAS", "AGE"), java.util.List.of(header.trim().split("\\s+")));
        String wide = k.run("get", "ihpa", "-n", NS, "-o", "wide").ok().out().lines().findFirst().orElse("");
        assertEquals(java.util.List.of("NAME", "TARGET", "MIN", "MAX", "REPLICAS", "AGE", "PORTRAIT", "MODE"),
                java.util.List.of(wide.trim().split("\\s+")));
    }

    @Test
    void kubectlExplainDescribesTheFields() {
        String providers = k.run("explain", "ihpa.spec.portraitProviders").ok().out();
        String flat = providers.replaceAll("\\s+", " ");
        assertTrue(flat.contains("Where replica recommendations come from."), providers);
        assertTrue(flat.contains("priority <integer> -required- Bigger wins."), providers);
        String target = k.run("explain", "ihpa.spec.portraitProviders.dynamic.metrics.resource.target").ok().out();
        // the embedded autoscaling/v2 type's own description and required marker, from the Kubernetes model
        // (kubectl wraps the text: compare it with its blanks collapsed)
        assertTrue(target.replaceAll("\\s+", " ").contains(
                "type <string> -required- type represents whether the metric type is Utilization, Value, or AverageValue"), target);
    }
}
