package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.MockClusterExtension;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken IHPAs next to a healthy one: each broken one gets ScalingActive=False with a clear reason and a Warning
 * event, the healthy one scales, and the controller keeps running.
 */
@ExtendWith(MockClusterExtension.class)
class BadInputMockClusterIT {

    private static final String NS = "bad";
    private Vertx vertx;
    private MockCluster cluster;

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
    }

    @Test
    void everyProblemIsReportedAndNoneBlocksTheOthers() {
        create("min-gt-max", "sts: nginx", "minReplicas: 5\n  maxReplicas: 3", staticProvider("Static", 2));
        create("bad-cron", "sts: nginx", "minReplicas: 1\n  maxReplicas: 5", cronProvider("61 * * * *", "UTC"));
        create("bad-zone", "sts: nginx", "minReplicas: 1\n  maxReplicas: 5", cronProvider("0 * * * *", "Mars/Olympus"));
        create("no-target", "sts: ghost", "minReplicas: 1\n  maxReplicas: 5", staticProvider("Static", 2));
        create("unknown-type", "sts: nginx", "minReplicas: 1\n  maxReplicas: 5", staticProvider("Sometimes", 2));
        create("unscalable", "kind: ConfigMap", "minReplicas: 1\n  maxReplicas: 5", staticProvider("Static", 2));
        create("good", "sts: nginx", "minReplicas: 1\n  maxReplicas: 5", staticProvider("Static", 3));

        cluster.startManager(new ManualClock(vertx, Instant.parse("2026-11-23T08:05:00Z")));

        Await.until("the healthy IHPA to scale nginx to 3",
                () -> cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas() == 3);
        expect("min-gt-max", "InvalidSpec", "minReplicas (5) is greater than maxReplicas (3)");
        expect("bad-cron", "FailedUpdateAndFetchPortraitValue", "failed to parse start cron \"61 * * * *\"");
        expect("bad-zone", "FailedUpdateAndFetchPortraitValue", "failed to load time zone of cron \"r\"");
        expect("no-target", "FailedGetScale", "ghost");
        expect("unknown-type", "InvalidSpec", "Unsupported value: \"Sometimes\"");
        expect("unscalable", "FailedGetScale", "failed to get the target's current scale");
        expect("good", "SucceededAutoscaling", "the autoscaling process is functional");
        for (String name : List.of("min-gt-max", "bad-cron", "bad-zone", "no-target", "unknown-type", "unscalable")) {
            assertTrue(cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
                            .anyMatch(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())),
                    "a Warning event on " + name);
            assertEquals(null, cluster.client.genericKubernetesResources(io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile.RP_CONTEXT)
                    .inNamespace(NS).withName(name).get(), "no ReplicaProfile for the broken " + name);
        }
        assertTrue(cluster.manager.isRunning());
    }

    /** The target is deleted after the IHPA scaled it: the IHPA says so, and recovers when it is back. */
    @Test
    void aTargetDeletedLaterIsReportedOnTheIhpa() {
        create("good", "sts: nginx", "minReplicas: 1\n  maxReplicas: 5", staticProvider("Static", 3));
        for (int i = 0; i < 3; i++) {
            cluster.client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                    .withName("nginx-" + i).addToLabels("app", "nginx").endMetadata().withNewSpec().addNewContainer()
                    .withName("nginx").withImage("nginx").endContainer().endSpec().withNewStatus().withPhase("Running")
                    .endStatus().build()).create();
        }
        cluster.startManager(new ManualClock(vertx, Instant.parse("2026-11-23T08:05:00Z")));
        expect("good", "SucceededAutoscaling", "the autoscaling process is functional");

        var nginx = cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx");
        var kept = nginx.get();
        nginx.delete();
        // the garbage collector of a cluster (the mock has none) takes the pods with it; their going wakes the profile
        cluster.client.pods().inNamespace(NS).withLabel("app", "nginx").delete();
        expect("good", "FailedGetScale", "nginx");

        kept.getMetadata().setResourceVersion(null);
        kept.getMetadata().setUid(null);
        kept.getSpec().setReplicas(1);
        cluster.client.apps().statefulSets().inNamespace(NS).resource(kept).create();
        expect("good", "SucceededAutoscaling", "the autoscaling process is functional");
        Await.until("nginx scaled to 3 again",
                () -> cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas() == 3);
    }

    /**
     * An IHPA the model cannot read still goes when deleted: deletion is seen on the cached object, so its finalizer
     * (kept from a time it could be read) is removed without converting it.
     */
    @Test
    void anUnreadableIhpaCanBeDeleted() {
        cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, """
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata:
                  name: unknown-type
                  finalizers: [kapacitystack.io/finalizer]
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  minReplicas: 1
                  maxReplicas: 5
                  portraitProviders:
                """ + staticProvider("Sometimes", 2), NS);
        cluster.startManager(new ManualClock(vertx, Instant.parse("2026-11-23T08:05:00Z")));
        expect("unknown-type", "InvalidSpec", "Unsupported value: \"Sometimes\"");

        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS)
                .withName("unknown-type").delete();

        Await.until("the unreadable IHPA to be gone", () -> cluster.client.genericKubernetesResources(
                IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("unknown-type").get() == null);
        assertTrue(cluster.manager.isRunning());
    }

    private void expect(String name, String reason, String messagePart) {
        Await.until(name + " to report " + reason, () -> {
            Condition c = scalingActive(name);
            return c != null && reason.equals(c.getReason());
        });
        Condition c = scalingActive(name);
        assertTrue(c.getMessage().contains(messagePart), name + ": " + c.getMessage());
        assertEquals(reason.equals("SucceededAutoscaling") ? "True" : "False", c.getStatus());
    }

    @SuppressWarnings("unchecked")
    private Condition scalingActive(String name) {
        GenericKubernetesResource raw = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT)
                .inNamespace(NS).withName(name).get();
        Object status = raw.getAdditionalProperties().get("status");
        if (!(status instanceof Map) || !(((Map<String, Object>) status).get("conditions") instanceof List)) {
            return null;
        }
        for (Object o : (List<Object>) ((Map<String, Object>) status).get("conditions")) {
            Condition c = cluster.client.getKubernetesSerialization().convertValue(o, Condition.class);
            if ("ScalingActive".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    private void create(String name, String target, String bounds, String provider) {
        String targetRef = target.startsWith("sts: ")
                ? "scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: " + target.substring(5) + "}"
                : "scaleTargetRef: {apiVersion: v1, " + target + ", name: cfg}";
        String yaml = "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\n"
                + "metadata:\n  name: " + name + "\nspec:\n  " + targetRef + "\n  " + bounds + "\n  portraitProviders:\n" + provider;
        cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, yaml, NS);
    }

    private static String staticProvider(String type, int replicas) {
        return "  - type: " + type + "\n    priority: 1\n    static: {replicas: " + replicas + "}\n";
    }

    private static String cronProvider(String start, String zone) {
        return "  - type: Cron\n    priority: 1\n    cron:\n      crons:\n      - {name: r, timeZone: " + zone
                + ", start: \"" + start + "\", end: \"10 * * * *\", replicas: 2}\n";
    }
}
