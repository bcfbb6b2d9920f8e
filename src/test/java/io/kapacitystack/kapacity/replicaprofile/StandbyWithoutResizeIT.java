package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On an API without pods/resize (fabric8's mock has none), Standby still cuts traffic and says why it kept the CPU. */
class StandbyWithoutResizeIT {

    @Test
    void fallsBackToATrafficCutWithAWarning() {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            cluster.namespace("sb");
            cluster.applyExample("nginx-statefulset.yaml", "sb");
            cluster.client.apps().statefulSets().inNamespace("sb").withName("nginx").scale(2);
            for (int i = 0; i < 2; i++) {
                Pod pod = new PodBuilder().withNewMetadata().withName("nginx-" + i).addToLabels("app", "nginx").endMetadata()
                        .withNewSpec().addNewContainer().withName("nginx").withImage("nginx").withNewResources()
                        .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("100m")).endResources().endContainer().endSpec()
                        .withNewStatus().withPhase("Running").endStatus().build();
                cluster.client.pods().inNamespace("sb").resource(pod).create();
            }
            ReplicaProfile rp = new ReplicaProfile();
            rp.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("nginx").withNamespace("sb").build());
            ReplicaProfileSpec spec = new ReplicaProfileSpec();
            spec.scaleTargetRef = new CrossVersionObjectReference("apps/v1", "StatefulSet", "nginx");
            spec.onlineReplicas = 1;
            spec.standbyReplicas = 1;
            rp.setSpec(spec);
            cluster.client.resources(ReplicaProfile.class).inNamespace("sb").resource(rp).create();
            cluster.startManager(new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z")));

            Await.until("nginx-1 in Standby", () -> "Standby".equals(label(cluster, "nginx-1")));
            Await.until("a Warning that the CPU was kept", () -> cluster.client.v1().events().inNamespace("sb").list().getItems().stream()
                    .anyMatch(e -> "StandbyResizeUnavailable".equals(e.getReason()) && e.getMessage().contains("nginx-1")));
            Pod standby = cluster.client.pods().inNamespace("sb").withName("nginx-1").get();
            assertEquals("False", standby.getStatus().getConditions().stream()
                    .filter(c -> "kapacitystack.io/online".equals(c.getType())).findFirst().orElseThrow().getStatus(), "traffic cut");
            assertEquals("100m", standby.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString());
            // a JSON merge patch with null removes the key; fabric8's mock keeps it with a null value
            assertTrue(standby.getMetadata().getAnnotations() == null || standby.getMetadata().getAnnotations().get(StandbyResources.ORIGINAL_ANNOTATION) == null
, "no stale saved values: " + standby.getMetadata().getAnnotations());
            assertNull(label(cluster, "nginx-0"));
        } finally {
            vertx.close();
        }
    }

    private static String label(MockCluster cluster, String pod) {
        Pod p = cluster.client.pods().inNamespace("sb").withName(pod).get();
        return p.getMetadata().getLabels().get("kapacitystack.io/pod-state");
    }
}
