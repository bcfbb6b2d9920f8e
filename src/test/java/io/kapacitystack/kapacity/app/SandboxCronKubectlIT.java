package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox acceptance scenario, driven with the real kubectl: the cron quick start applied into a new
 * namespace at --clock-speed 600 (an hour in six seconds) makes the StatefulSet follow 1, 2, 3, 4, 5, 1, with
 * pods and endpoints to match; an invalid IHPA is rejected with a schema error.
 */
class SandboxCronKubectlIT {

    @TempDir
    Path dir;
    @RegisterExtension
    final RunningSandbox sandbox = new RunningSandbox(600, List.of());
    private Kubectl kubectl;

    @BeforeEach
    void start() {
        kubectl = sandbox.kubectl;
    }

    @Test
    void cronQuickStartFollowsTheHourWithPodsAndEndpoints() {
        kubectl.ok("create", "namespace", "cron-e2e");
        kubectl.ok("apply", "-n", "cron-e2e", "-f", "k8s-examples/nginx-statefulset.yaml");
        kubectl.ok("apply", "-n", "cron-e2e", "-f", "k8s-examples/cron-portrait-sample.yaml");

        List<Integer> seen = new ArrayList<>();
        boolean endpointsMatchedAtFive = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !containsCycle(seen)) {
            int replicas = Integer.parseInt(kubectl.ok("get", "sts", "nginx", "-n", "cron-e2e", "-o", "jsonpath={.spec.replicas}").trim());
            if (seen.isEmpty() || seen.get(seen.size() - 1) != replicas) {
                seen.add(replicas);
            }
            if (replicas == 5 && !endpointsMatchedAtFive) {
                // minutes 40-60 keep 5 replicas for two real seconds: long enough to see pods and endpoints agree
                String ips = kubectl.ok("get", "ep", "nginx", "-n", "cron-e2e", "-o", "jsonpath={.subsets[*].addresses[*].ip}").trim();
                String pods = kubectl.ok("get", "pods", "-n", "cron-e2e", "-l", "app=nginx",
                        "-o", "jsonpath={.items[*].status.phase}").trim();
                endpointsMatchedAtFive = ips.split("\\s+").length == 5 && Arrays.stream(pods.split("\\s+"))
                        .filter("Running"::equals).count() == 5;
            }
        }
        assertTrue(containsCycle(seen), "StatefulSet replicas seen by kubectl: " + seen);
        assertTrue(endpointsMatchedAtFive, "kubectl get ep / get pods showed 5 ready pods while at 5 replicas");
        String events = kubectl.ok("get", "events", "-n", "cron-e2e", "--field-selector", "involvedObject.name=cron-portrait-sample");
        assertTrue(events.contains("update ReplicaProfile with onlineReplcas: 4 -> 5, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0")
                || events.contains("onlineReplcas: 4 -> 5"), events);

        // as on a real API server, a custom resource takes merge and JSON patches, not kubectl patch's default strategic one
        Kubectl.Result strategic = kubectl.run("patch", "ihpa", "cron-portrait-sample", "-n", "cron-e2e", "-p", "{\"spec\":{\"maxReplicas\":11}}");
        assertTrue(strategic.exitCode() != 0 && strategic.err().contains("application/strategic-merge-patch+json is not supported by"), strategic.err());
        kubectl.ok("patch", "ihpa", "cron-portrait-sample", "-n", "cron-e2e", "--type", "merge", "-p", "{\"spec\":{\"maxReplicas\":11}}");
        assertEquals("11", kubectl.ok("get", "ihpa", "cron-portrait-sample", "-n", "cron-e2e", "-o", "jsonpath={.spec.maxReplicas}").trim());

        kubectl.ok("delete", "-n", "cron-e2e", "ihpa", "cron-portrait-sample", "--wait=false");
        Await.until("the IHPA to be gone (finalizer released)", Duration.ofSeconds(20),
                () -> kubectl.run("get", "-n", "cron-e2e", "ihpa", "cron-portrait-sample").exitCode() != 0);
    }

    @Test
    void invalidIhpaIsRejectedWithASchemaError() throws Exception {
        kubectl.ok("create", "namespace", "bad");
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\n"
                + "metadata:\n  name: bad\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}\n"
                + "  minReplicas: -1\n  maxReplicas: 3\n  scaleMode: Sometimes\n  portraitProviders: []\n");
        Kubectl.Result r = kubectl.run("apply", "-n", "bad", "-f", file.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("spec.minReplicas"), r.err());
        assertTrue(r.err().contains("Unsupported value: \"Sometimes\""), r.err());
        assertEquals(1, kubectl.run("get", "-n", "bad", "ihpa", "bad").exitCode() == 0 ? 0 : 1, "nothing was stored");
    }

    /** True if 1, 2, 3, 4, 5, 1 appear consecutively (a full hour observed). */
    static boolean containsCycle(List<Integer> seen) {
        List<Integer> cycle = List.of(1, 2, 3, 4, 5, 1);
        return java.util.Collections.indexOfSubList(seen, cycle) >= 0;
    }
}
