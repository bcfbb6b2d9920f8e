package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real kubectl against a started sandbox: the quick-start workflow on the nginx StatefulSet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlWorkflowIT {

    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();

    @Test
    void versionAnswers() {
        var r = sandbox.kubectl.run("version", "-o", "json").ok();
        assertTrue(r.out().contains("\"serverVersion\""), r.out());
        assertTrue(r.out().contains("v1.30.0"), r.out());
    }

    @Test
    void statefulSetLifecycle() {
        Kubectl k = sandbox.kubectl;
        k.run("create", "namespace", "quickstart").ok();
        var applied = k.run("apply", "-n", "quickstart", "-f",
                SandboxFixture.resourcePath("nginx-statefulset.yaml").toString()).ok();
        assertTrue(applied.out().contains("statefulset.apps/nginx created"), applied.out());
        // re-applying unchanged is a no-op
        assertTrue(k.run("apply", "-n", "quickstart", "-f",
                SandboxFixture.resourcePath("nginx-statefulset.yaml").toString()).ok().out().contains("unchanged"));

        Await.until("nginx-0 exists", () -> k.run("get", "pod", "nginx-0", "-n", "quickstart").exitCode() == 0);
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("nginx-0 Running and Ready", () -> {
            String out = k.run("get", "pods", "-n", "quickstart").ok().out();
            return out.matches("(?s).*nginx-0\\s+1/1\\s+Running.*");
        });
        String gates = k.run("get", "pod", "nginx-0", "-n", "quickstart", "-o",
                "jsonpath={.spec.readinessGates[0].conditionType} {.status.conditions[?(@.type==\"Ready\")].status}").ok().out();
        assertEquals("kapacitystack.io/online True", gates);

        k.run("scale", "sts", "nginx", "-n", "quickstart", "--replicas=3").ok();
        Await.until("nginx-1 and nginx-2 created", () -> k.run("get", "pod", "nginx-2", "-n", "quickstart").exitCode() == 0);
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("3 endpoint addresses", () -> k.run("get", "ep", "nginx", "-n", "quickstart", "-o",
                "jsonpath={.subsets[0].addresses[*].ip}").ok().out().trim().split("\\s+").length == 3);
        String sts = k.run("get", "sts", "nginx", "-n", "quickstart").ok().out();
        assertTrue(sts.matches("(?s).*nginx\\s+3/3.*"), sts);

        k.run("scale", "sts", "nginx", "-n", "quickstart", "--replicas=1").ok();
        Await.until("nginx-1 and nginx-2 terminating", () -> k.run("get", "pods", "-n", "quickstart").ok().out()
                .split("Terminating", -1).length == 3);
        sandbox.advance(Duration.ofSeconds(3));
        Await.until("only nginx-0 left", () -> {
            String names = k.run("get", "pods", "-n", "quickstart", "-o", "jsonpath={.items[*].metadata.name}")
                    .ok().out().trim();
            return names.equals("nginx-0");
        });
        Await.until("1 endpoint address", () -> k.run("get", "ep", "nginx", "-n", "quickstart", "-o",
                "jsonpath={.subsets[0].addresses[*].ip}").ok().out().trim().split("\\s+").length == 1);

        k.run("label", "pod", "nginx-0", "-n", "quickstart", "kapacitystack.io/pod-state=Cutoff").ok();
        String labelled = k.run("get", "pods", "-l", "app=nginx", "-L", "kapacitystack.io/pod-state", "-n",
                "quickstart").ok().out();
        assertTrue(labelled.contains("POD-STATE") && labelled.matches("(?s).*nginx-0.*Cutoff.*"), labelled);

        assertEquals("pod/nginx-0", k.run("get", "pods", "-n", "quickstart", "--field-selector=status.phase=Running",
                "-l", "app in (nginx,other)", "-o", "name").ok().out().trim());
        k.run("patch", "pod", "nginx-0", "-n", "quickstart", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"message\":\"patched\"}}").ok();
        assertEquals("patched", k.run("get", "pod", "nginx-0", "-n", "quickstart", "-o", "jsonpath={.status.message}")
                .ok().out());

        k.run("annotate", "sts", "nginx", "-n", "quickstart", "sandbox.kapacitystack.io/traffic=constant 100").ok();
        assertEquals("constant 100", k.run("get", "sts", "nginx", "-n", "quickstart", "-o",
                "jsonpath={.metadata.annotations.sandbox\\.kapacitystack\\.io/traffic}").ok().out());

        String described = k.run("describe", "sts", "nginx", "-n", "quickstart").ok().out();
        assertTrue(described.contains("Replicas:"), described);

        k.run("delete", "sts", "nginx", "-n", "quickstart").ok();
        Await.until("pods garbage-collected", () -> {
            sandbox.advance(Duration.ofSeconds(3));
            return k.run("get", "pods", "-n", "quickstart", "-o", "name").ok().out().isBlank();
        });
    }

    /** The API server's workload defaults are there, so {@code kubectl rollout status} works on both kinds. */
    @Test
    void rolloutStatusOfAStatefulSetAndADeployment() {
        Kubectl k = sandbox.kubectl;
        k.run("create", "namespace", "rollout").ok();
        k.run("apply", "-n", "rollout", "-f", SandboxFixture.resourcePath("nginx-statefulset.yaml").toString()).ok();
        k.run("create", "deployment", "web", "-n", "rollout", "--image=nginx", "--replicas=2").ok();
        assertEquals("RollingUpdate 0", k.run("get", "sts", "nginx", "-n", "rollout", "-o",
                "jsonpath={.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.partition}").ok().out());
        assertEquals("RollingUpdate 25% 25%", k.run("get", "deploy", "web", "-n", "rollout", "-o",
                "jsonpath={.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} "
                        + "{.spec.strategy.rollingUpdate.maxUnavailable}").ok().out());
        Await.until("the pods to exist", () -> k.run("get", "pods", "-n", "rollout", "-o", "name").ok().out()
                .lines().count() == 3);
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("the pods to be ready", () -> k.run("get", "pods", "-n", "rollout").ok().out()
                .split("1/1", -1).length == 4);
        assertTrue(k.run("rollout", "status", "sts", "nginx", "-n", "rollout", "--timeout=20s").ok().out()
                .contains("roll out complete"));
        assertTrue(k.run("rollout", "status", "deploy", "web", "-n", "rollout", "--timeout=20s").ok().out()
                .contains("deployment \"web\" successfully rolled out"));
        // a re-applied manifest that leaves the defaulted fields out changes nothing
        assertTrue(k.run("apply", "-n", "rollout", "-f", SandboxFixture.resourcePath("nginx-statefulset.yaml")
                .toString()).ok().out().contains("statefulset.apps/nginx unchanged"));
    }

    /** {@code kubectl get -w} prints each change as a row with the list's columns (server-side tables on watches). */
    @Test
    void getWatchPrintsRows() throws Exception {
        Kubectl k = sandbox.kubectl;
        k.run("create", "namespace", "watching").ok();
        k.run("apply", "-n", "watching", "-f", SandboxFixture.resourcePath("nginx-statefulset.yaml").toString()).ok();
        java.nio.file.Path out = sandbox.dir.resolve("watch.out");
        Process watch = new ProcessBuilder("kubectl", "--kubeconfig", sandbox.dir.resolve("sandbox.kubeconfig")
                .toString(), "get", "sts", "-n", "watching", "-w").redirectOutput(out.toFile())
                .redirectErrorStream(true).start();
        try {
            Await.until("the initial table", () -> read(out).contains("NAME"));
            k.run("scale", "sts", "nginx", "-n", "watching", "--replicas=2").ok();
            Await.until("a row for the scaled StatefulSet", () -> read(out).lines()
                    .anyMatch(line -> line.matches("nginx\\s+\\d/2\\s+.*")));
        } finally {
            watch.destroy();
            watch.waitFor();
        }
        assertTrue(read(out).lines().skip(1).noneMatch(line -> line.startsWith("NAME")), read(out));
    }

    private static String read(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
