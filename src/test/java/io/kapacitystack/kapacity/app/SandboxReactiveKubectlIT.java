package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reactive quick start in the sandbox, driven with the real kubectl at --clock-speed 30: nginx idles at 1
 * replica; one {@code kubectl annotate} raises the load to 171 % of a pod's CPU request and the 30 % target takes
 * it to 6; when the load stops, the sample's 300 s scale-down stabilization (10 s here) holds 6, then it returns
 * to 1. The IHPA's events read like the quick start's.
 */
class SandboxReactiveKubectlIT {

    private static final String NS = "reactive-sample";

    @RegisterExtension
    final RunningSandbox sandbox = new RunningSandbox(30, List.of("reactive"));
    private Kubectl kubectl;

    @BeforeEach
    void start() {
        kubectl = sandbox.kubectl;
    }

    @Test
    void loadScalesNginxToSixAndBackToOneThroughTheStabilizationWindow() {
        Await.until("the reactive portrait to be generated", Duration.ofSeconds(30), () -> kubectl.ok("get", "hp", "-n", NS,
                "dynamic-reactive-portrait-sample-reactive", "-o", "jsonpath={.status.portraitData.static.replicas}").trim().equals("1"));
        assertTrue(replicas() == 1, "idle nginx stays at 1");

        kubectl.ok("annotate", "sts", "nginx", "-n", NS, "--overwrite", "sandbox.kapacitystack.io/traffic=constant 17");
        Await.until("nginx to reach 6 replicas", Duration.ofSeconds(60), () -> replicas() == 6);
        try {
            Await.until("the 1 -> 6 event", Duration.ofSeconds(20), () -> events().contains(
                    "update ReplicaProfile with onlineReplcas: 1 -> 6, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0"));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + events(), e);
        }
        String table = kubectl.ok("get", "hp", "-n", NS);
        List<String> header = List.of(table.lines().findFirst().orElse("").trim().split("\\s+"));
        List<String> row = List.of(table.lines().skip(1).findFirst().orElse("").trim().split("\\s+"));
        assertTrue(header.contains("REPLICAS") && header.size() == row.size(), table);
        assertEquals("6", row.get(header.indexOf("REPLICAS")), "kubectl get hp shows the portrait's replicas: " + table);
        String describe = kubectl.ok("describe", "hp", "-n", NS, "dynamic-reactive-portrait-sample-reactive");
        assertTrue(describe.contains("ValidMetricFound"), describe);
        assertTrue(describe.contains("Current Metrics:") && describe.matches("(?s).*Target:\\s+30%.*"), describe);
        // kubectl describe finds the object's events (a typed EventList from the sandbox's API)
        String describeIhpa = kubectl.ok("describe", "ihpa", "-n", NS, "dynamic-reactive-portrait-sample");
        assertTrue(describeIhpa.matches("(?s).*Events:.*UpdateReplicaProfile.*onlineReplcas: 1 -> 6.*"), describeIhpa);

        kubectl.ok("annotate", "sts", "nginx", "-n", NS, "sandbox.kapacitystack.io/traffic-");
        long stopped = System.nanoTime();
        Await.until("nginx back to 1 replica", Duration.ofSeconds(90), () -> replicas() == 1);
        double heldSimulatedSeconds = (System.nanoTime() - stopped) / 1e9 * 30;
        // The window runs from the last recommendation of 6, made up to one 15 s sync before the load stopped.
        assertTrue(heldSimulatedSeconds >= 300 - 15 - 10, "the scale-down waited for the 300 s window, held "
                + heldSimulatedSeconds + " s");
        Await.until("a scale-down event to 1", Duration.ofSeconds(20), () -> events().contains("-> 1, cutoffReplicas"));
    }

    private int replicas() {
        return Integer.parseInt(kubectl.ok("get", "sts", "nginx", "-n", NS, "-o", "jsonpath={.spec.replicas}").trim());
    }

    private String events() {
        return kubectl.ok("get", "events", "-n", NS, "--field-selector", "involvedObject.name=dynamic-reactive-portrait-sample");
    }
}
