package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Await;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kapacitystack.kapacity.sandbox.sim.PodConditions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator through fabric8: readiness gates and endpoints, scale subresource, Deployments and ReplicaSets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadSimulationIT {

    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();

    @Test
    void readinessGateConditionControlsReadyAndEndpoints() {
        String ns = "gates";
        sandbox.apply(ns, SandboxFixture.resource("nginx-statefulset.yaml"));
        var sts = sandbox.client().apps().statefulSets().inNamespace(ns).withName("nginx");
        sts.scale(2);
        Scale scale = sts.scale();
        assertEquals(2, scale.getSpec().getReplicas());
        assertEquals("app=nginx", scale.getStatus().getSelector());
        Await.until("2 pods", () -> sandbox.client().pods().inNamespace(ns).list().getItems().size() == 2);
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("2 ready addresses", () -> readyIps(ns, "nginx").size() == 2);
        assertEquals(2, sts.scale().getStatus().getReplicas());

        var pod = sandbox.client().pods().inNamespace(ns).withName("nginx-1");
        String ip = pod.get().getStatus().getPodIP();
        assertTrue(ip.startsWith("10."), ip);
        pod.editStatus(p -> withOnline(p, "False"));
        Await.until("nginx-1 not ready", () -> !PodConditions.isReady(pod.get()));
        Await.until("nginx-1 left the ready endpoints", () -> !readyIps(ns, "nginx").contains(ip)
                && notReadyIps(ns, "nginx").contains(ip));
        Await.until("slice marks it not ready", () -> slice(ns, "nginx").getEndpoints().stream()
                .anyMatch(e -> e.getAddresses().contains(ip) && !e.getConditions().getReady()));
        assertEquals(1, sts.get().getStatus().getReadyReplicas());

        pod.editStatus(p -> withOnline(p, "True"));
        Await.until("nginx-1 ready again", () -> PodConditions.isReady(pod.get()));
        Await.until("nginx-1 back in the endpoints", () -> readyIps(ns, "nginx").contains(ip));
        Pod ready = pod.get();
        for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
            Optional<PodCondition> c = PodConditions.find(ready, type);
            assertTrue(c.isPresent() && "True".equals(c.get().getStatus()) && c.get().getLastTransitionTime() != null, type);
        }
        assertTrue(ready.getSpec().getNodeName().startsWith("sandbox-node-"));
        assertEquals("Running", ready.getStatus().getPhase());
        assertEquals("2024-05-01T10:00:00Z", ready.getStatus().getStartTime());
    }

    @Test
    void deploymentCreatesReplicaSetAndScaleDownHonoursDeletionCost() {
        String ns = "deploy";
        sandbox.apply(ns, SandboxFixture.resource("web-deployment.yaml"));
        Await.until("replica set with 3 pods", () -> sandbox.client().pods().inNamespace(ns).list().getItems().size() == 3);
        ReplicaSet rs = sandbox.client().apps().replicaSets().inNamespace(ns).list().getItems().get(0);
        String hash = rs.getMetadata().getLabels().get("pod-template-hash");
        assertEquals("web-" + hash, rs.getMetadata().getName());
        List<Pod> pods = sandbox.client().pods().inNamespace(ns).list().getItems();
        for (Pod p : pods) {
            assertTrue(p.getMetadata().getName().matches("web-" + hash + "-[bcdfghjklmnpqrstvwxz2456789]{5}"),
                    p.getMetadata().getName());
            assertEquals(hash, p.getMetadata().getLabels().get("pod-template-hash"));
            assertEquals("ReplicaSet", p.getMetadata().getOwnerReferences().get(0).getKind());
        }
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("deployment ready 3/3", () -> {
            var status = sandbox.client().apps().deployments().inNamespace(ns).withName("web").get().getStatus();
            return status != null && Integer.valueOf(3).equals(status.getReadyReplicas());
        });
        Await.until("endpoints resolve the named target port", () -> {
            Endpoints ep = sandbox.client().endpoints().inNamespace(ns).withName("web").get();
            return ep != null && !ep.getSubsets().isEmpty() && ep.getSubsets().get(0).getPorts().get(0).getPort() == 8080
                    && ep.getSubsets().get(0).getAddresses().size() == 3;
        });

        String cheapest = pods.get(1).getMetadata().getName();
        int[] costs = {100, -5, 50};
        for (int i = 0; i < 3; i++) {
            sandbox.kubectl.run("annotate", "pod", pods.get(i).getMetadata().getName(), "-n", ns,
                    "controller.kubernetes.io/pod-deletion-cost=" + costs[i]).ok();
        }
        sandbox.kubectl.run("scale", "deploy", "web", "-n", ns, "--replicas=2").ok();
        Await.until("the cheapest pod is deleted", () -> {
            Pod p = sandbox.client().pods().inNamespace(ns).withName(cheapest).get();
            return p == null || p.getMetadata().getDeletionTimestamp() != null;
        });
        long terminating = sandbox.client().pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() != null).count();
        assertEquals(1, terminating);
        String table = sandbox.kubectl.run("get", "deploy", "web", "-n", ns).ok().out();
        assertTrue(table.contains("UP-TO-DATE"), table);
    }

    private static PodCondition online(String status) {
        return new io.fabric8.kubernetes.api.model.PodConditionBuilder().withType("kapacitystack.io/online")
                .withStatus(status).withLastTransitionTime("2024-05-01T10:00:30Z").build();
    }

    private static Pod withOnline(Pod p, String status) {
        p.getStatus().getConditions().removeIf(c -> c.getType().equals("kapacitystack.io/online"));
        p.getStatus().getConditions().add(online(status));
        return p;
    }

    private List<String> readyIps(String ns, String svc) {
        Endpoints ep = sandbox.client().endpoints().inNamespace(ns).withName(svc).get();
        return ep == null || ep.getSubsets().isEmpty() ? List.of()
                : ep.getSubsets().get(0).getAddresses().stream().map(EndpointAddress::getIp).toList();
    }

    private List<String> notReadyIps(String ns, String svc) {
        Endpoints ep = sandbox.client().endpoints().inNamespace(ns).withName(svc).get();
        return ep == null || ep.getSubsets().isEmpty() ? List.of()
                : ep.getSubsets().get(0).getNotReadyAddresses().stream().map(EndpointAddress::getIp).toList();
    }

    private EndpointSlice slice(String ns, String svc) {
        return sandbox.client().discovery().v1().endpointSlices().inNamespace(ns)
                .withLabel("kubernetes.io/service-name", svc).list().getItems().get(0);
    }

    /** Background garbage collection by owner uid, for every kind (an IHPA's ReplicaProfile goes with the IHPA). */
    @Test
    void objectsWhoseOwnersAreAllGoneAreCollected() {
        String ns = "gc";
        var maps = sandbox.client().configMaps().inNamespace(ns);
        var owner = maps.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("owner")
                .endMetadata().build()).create();
        var other = maps.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("other")
                .endMetadata().build()).create();
        maps.resource(dependent("only-child", null, owner)).create();
        maps.resource(dependent("held", "example.com/hold", owner)).create();
        maps.resource(dependent("two-parents", null, owner, other)).create();

        maps.withName("owner").delete();
        Await.until("the dependent to go", () -> maps.withName("only-child").get() == null);
        Await.until("the finalized dependent to be marked", () -> maps.withName("held").get().getMetadata()
                .getDeletionTimestamp() != null);
        assertTrue(maps.withName("two-parents").get() != null, "one owner is left");

        maps.withName("other").delete();
        Await.until("the last owner's dependent to go", () -> maps.withName("two-parents").get() == null);
        maps.withName("held").edit(c -> {
            c.getMetadata().setFinalizers(List.of());
            return c;
        });
        Await.until("the released dependent to go", () -> maps.withName("held").get() == null);
    }

    /** As with the namespace controller: Terminating, no new content, gone once its contents' finalizers are released. */
    @Test
    void aDeletedNamespaceTerminatesUntilItsContentsAreGone() {
        var namespaces = sandbox.client().namespaces();
        namespaces.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("doomed")
                .endMetadata().build()).create();
        var maps = sandbox.client().configMaps().inNamespace("doomed");
        maps.resource(dependent("held", "example.com/hold")).create();
        maps.resource(dependent("plain", null)).create();
        sandbox.apply("doomed", SandboxFixture.resource("nginx-statefulset.yaml"));
        Await.until("a pod", () -> !sandbox.client().pods().inNamespace("doomed").list().getItems().isEmpty());

        namespaces.withName("doomed").delete();
        Await.until("its pod terminating gracefully", () -> sandbox.client().pods().inNamespace("doomed").list().getItems()
                .stream().anyMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
        var ns = namespaces.withName("doomed").get();
        assertTrue(ns != null && ns.getMetadata().getDeletionTimestamp() != null, "Terminating while content is left");
        assertEquals("Terminating", ns.getStatus().getPhase());
        Await.until("the plain ConfigMap to go", () -> maps.withName("plain").get() == null);
        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> maps.resource(dependent("late", null)).create());
        assertEquals(403, refused.getCode());
        assertTrue(refused.getMessage().contains("because it is being terminated"), refused.getMessage());

        maps.withName("held").edit(c -> {
            c.getMetadata().setFinalizers(List.of());
            return c;
        });
        assertTrue(namespaces.withName("doomed").get() != null, "its pod is still terminating");
        sandbox.client().pods().inNamespace("doomed").withGracePeriod(0).delete();
        Await.until("the namespace to go", () -> namespaces.withName("doomed").get() == null);
    }

    /** A write from a stale copy is a conflict, with kube-apiserver's words, for the status subresource too. */
    @Test
    void staleWritesAreConflicts() {
        String ns = "stale";
        var maps = sandbox.client().configMaps().inNamespace(ns);
        var first = maps.resource(dependent("cm", null)).create();
        maps.withName("cm").edit(c -> {
            c.setData(java.util.Map.of("a", "1"));
            return c;
        });
        var conflict = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> maps.resource(first).update());
        assertEquals(409, conflict.getCode());
        assertTrue(conflict.getMessage().contains("the object has been modified"), conflict.getMessage());

        sandbox.apply(ns, SandboxFixture.resource("nginx-statefulset.yaml"));
        Await.until("nginx-0 with a status", () -> {
            Pod p = sandbox.client().pods().inNamespace(ns).withName("nginx-0").get();
            return p != null && p.getStatus() != null;
        });
        var pods = sandbox.client().pods().inNamespace(ns);
        Pod stale = pods.withName("nginx-0").get();
        pods.withName("nginx-0").edit(p -> {
            p.getMetadata().getLabels().put("touched", "yes");
            return p;
        });
        stale.getStatus().setMessage("from a stale copy");
        var statusConflict = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> pods.resource(stale).updateStatus());
        assertEquals(409, statusConflict.getCode());
        assertTrue(statusConflict.getMessage().contains("Operation cannot be fulfilled on pods \"nginx-0\": the object has been modified"),
                statusConflict.getMessage());
        assertTrue(pods.withName("nginx-0").get().getStatus().getMessage() == null, "the stale status was not written");
    }

    private static io.fabric8.kubernetes.api.model.ConfigMap dependent(String name, String finalizer,
                                                                      io.fabric8.kubernetes.api.model.ConfigMap... owners) {
        var b = new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(name);
        if (finalizer != null) {
            b = b.withFinalizers(finalizer);
        }
        for (var o : owners) {
            b = b.addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName(o.getMetadata().getName())
                    .withUid(o.getMetadata().getUid()).endOwnerReference();
        }
        return b.endMetadata().build();
    }
}
