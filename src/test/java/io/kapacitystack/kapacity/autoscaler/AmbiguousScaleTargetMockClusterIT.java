package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.kapacitystack.kapacity.events.RecordedEvent;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two autoscalers on one StatefulSet (docs/security.md, "One autoscaler per workload"): before, two IHPAs with
 * Static 2 and Static 4 flipped it 4↔2 every few seconds, both reporting ScalingActive=True. Now the one that did not
 * scale it first stays off it, says why on its condition with one Warning event, and takes over when the other goes.
 */
@ExtendWith(MockClusterExtension.class)
class AmbiguousScaleTargetMockClusterIT {

    private static final String NS = "fight";
    private Vertx vertx;
    private MockCluster cluster;
    private final List<RecordedEvent> scaleEvents = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSecondIhpaOnTheSameStatefulSetDoesNotScaleItUntilTheFirstIsGone() {
        create("first", 2);
        start();
        awaitReplicas(2);
        expect("first", "SucceededAutoscaling", "functional");

        create("second", 4);
        expect("second", IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, "IntelligentHorizontalPodAutoscaler \"first\"");
        assertNull(profile("second"), "the second IHPA keeps no profile on the target");
        // A spec change re-reconciles it: still off the target, and no second Warning for the same situation.
        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("second")
                .edit(o -> {
                    ((Map<String, Object>) o.getAdditionalProperties().get("spec")).put("maxReplicas", 11);
                    return o;
                });
        Await.until("the edited spec to be observed", () -> {
            Condition c = scalingActive("second");
            return c != null && Long.valueOf(2).equals(c.getObservedGeneration());
        });
        assertEquals(IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, scalingActive("second").getReason());
        assertEquals(2, replicas(), "the workload did not flip");
        assertEquals(List.of(2), scaledTo(), "the workload was scaled once, to the first IHPA's value");
        List<Event> warnings = warningsOn("second", IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET);
        assertEquals(1, warnings.size());
        assertEquals(1, warnings.get(0).getCount());
        assertEquals("SucceededAutoscaling", scalingActive("first").getReason());

        // The first goes (with its profile, as a cluster's garbage collector would take it): the second takes over.
        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("first").delete();
        cluster.client.genericKubernetesResources(ReplicaProfile.RP_CONTEXT).inNamespace(NS).withName("first").delete();
        expect("second", "SucceededAutoscaling", "functional");
        awaitReplicas(4);
    }

    @Test
    void anIhpaLeavesAWorkloadToAnHpaThatTargetsItAndComesBackWhenTheHpaGoes() {
        create("web", 4);
        start();
        awaitReplicas(4);
        Await.until("the profile", () -> profile("web") != null);

        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("nginx-hpa")
                .withNamespace(NS).endMetadata().withNewSpec().withNewScaleTargetRef()
                .withApiVersion("apps/v1").withKind("StatefulSet").withName("nginx").endScaleTargetRef().withMinReplicas(1).withMaxReplicas(3).endSpec().build();
        cluster.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).resource(hpa).create();

        expect("web", IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET, "HorizontalPodAutoscaler \"nginx-hpa\"");
        Await.until("the IHPA's profile to be deleted", () -> profile("web") == null);
        assertEquals(1, warningsOn("web", IntelligentHorizontalPodAutoscaler.Reasons.AMBIGUOUS_SCALE_TARGET).size());

        cluster.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).withName("nginx-hpa").delete();
        expect("web", "SucceededAutoscaling", "functional");
        Await.until("the profile to be back", () -> profile("web") != null);
    }

    private void start() {
        cluster.startManager(new ManualClock(vertx, Instant.parse("2026-11-23T08:05:00Z")));
        cluster.manager.replicaProfileEvents().addListener(e -> {
            if ("UpdateScale".equals(e.reason())) {
                scaleEvents.add(e);
            }
        });
    }

    private List<Integer> scaledTo() {
        return scaleEvents.stream().map(e -> e.message().replaceAll(".*to (\\d+).*", "$1"))
                .map(Integer::valueOf).collect(Collectors.toList());
    }

    private List<Event> warningsOn(String name, String reason) {
        return cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .collect(Collectors.toList());
    }

    private int replicas() {
        return cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas();
    }

    private void awaitReplicas(int n) {
        Await.until("nginx at " + n + " replicas", () -> replicas() == n);
    }

    private GenericKubernetesResource profile(String name) {
        return cluster.client.genericKubernetesResources(ReplicaProfile.RP_CONTEXT).inNamespace(NS).withName(name).get();
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
        Object status = raw == null ? null : raw.getAdditionalProperties().get("status");
        if (!(status instanceof Map) || !(((Map<String, Object>) status).get("conditions") instanceof List)) {
            return null;
        }
        for (Object o : (List<Object>) ((Map<String, Object>) status).get("conditions")) {
            Condition c = cluster.client.getKubernetesSerialization().convertValue(o, Condition.class);
            if (IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE.equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    private void create(String name, int replicas) {
        String yaml = "apiVersion: autoscaling.kapacitystack.io/v1alpha1\nkind: IntelligentHorizontalPodAutoscaler\n"
                + "metadata:\n  name: " + name + "\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}\n"
                + "  minReplicas: 1\n  maxReplicas: 10\n  portraitProviders:\n"
                + "  - type: Static\n    priority: 1\n    static: {replicas: " + replicas + "}\n";
        cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, yaml, NS);
    }
}
