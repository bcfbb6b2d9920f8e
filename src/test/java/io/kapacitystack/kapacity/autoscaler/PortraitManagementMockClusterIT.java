package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IHPA controller keeps one HorizontalPortrait per Dynamic provider (spec §4.4) on fabric8's CRUD mock: created
 * with an owner reference, replaced when the provider changes, deleted when the provider goes (also while the
 * controller was down, which upstream misses), and its status data scales the target.
 */
@ExtendWith(MockClusterExtension.class)
class PortraitManagementMockClusterIT {

    private static final String NS = "portraits";
    private static final String IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata:
              name: web
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
              minReplicas: 1
              maxReplicas: 10
              portraitProviders:
              - type: Static
                priority: 0
                static: {replicas: 1}
            %s
            """;
    private static final String REACTIVE = """
              - type: Dynamic
                priority: 1
                dynamic:
                  portraitType: Reactive
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: %d}}
                  algorithm: {type: KubeHPA}
            """;
    private static final String PREDICTIVE = """
              - type: Dynamic
                priority: 2
                dynamic:
                  portraitType: Predictive
                  algorithm:
                    type: ExternalJob
                    externalJob:
                      job: {type: CronJob, cronJob: {template: {spec: {schedule: "0/30 * * * *", jobTemplate: {spec: {template: {spec: {containers: [{name: algorithm}]}}}}}}}}
                      resultSource: {type: ConfigMap}
            """;

    private Vertx vertx;
    private MockCluster cluster;
    private ManualClock clock;

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
        clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:05:00Z"));
    }

    @Test
    void portraitsFollowTheProvidersAndTheirDataScalesTheTarget() {
        cluster.apply(IHPA.formatted(REACTIVE.formatted(30) + PREDICTIVE), NS);
        cluster.startManager(clock);

        HorizontalPortrait reactive = awaitPortrait("web-reactive");
        HorizontalPortrait predictive = awaitPortrait("web-predictive");
        String uid = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("web")
                .get().getMetadata().getUid();
        for (HorizontalPortrait hp : List.of(reactive, predictive)) {
            assertEquals(uid, hp.getMetadata().getOwnerReferences().get(0).getUid(), "owned by the IHPA");
            assertEquals(Boolean.TRUE, hp.getMetadata().getOwnerReferences().get(0).getController());
            assertEquals("nginx", hp.getSpec().scaleTargetRef.name);
        }
        assertEquals(30, reactive.getSpec().metrics.get(0).resource.getTarget().getAverageUtilization());
        assertEquals("ExternalJob", predictive.getSpec().algorithm.type);

        // The portrait controller owns the status: without a metrics provider it says so, and the finalizer is on.
        awaitCondition("web-reactive", "FailedGeneratePortrait", "no metrics provider is configured");
        awaitCondition("web-predictive", "FailedReconcileExternalAlgorithmJob", "no namespace is set for algorithm jobs (--algorithm-job-namespace)");
        assertTrue(portrait("web-reactive").getMetadata().getFinalizers().contains(io.kapacitystack.kapacity.api.v1alpha1.Constants.FINALIZER),
                portrait("web-reactive").getMetadata().getFinalizers().toString());

        // Someone else fills the predictive portrait (as Kapacity's job result would): the IHPA uses it at once.
        cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName("web-predictive").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"portraitData\":{\"type\":\"Static\",\"static\":{\"replicas\":4}}}}");
        Await.until("nginx scaled to the predictive portrait's 4",
                () -> cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas() == 4);

        // A changed provider replaces the portrait's spec.
        cluster.apply(IHPA.formatted(REACTIVE.formatted(55) + PREDICTIVE), NS, true);
        Await.until("the reactive portrait's target to follow the IHPA",
                () -> portrait("web-reactive").getSpec().metrics.get(0).resource.getTarget().getAverageUtilization() == 55);

        // A removed provider's portrait is deleted.
        cluster.apply(IHPA.formatted(REACTIVE.formatted(55)), NS, true);
        try {
            Await.until("the predictive portrait to be deleted", () -> portrait("web-predictive") == null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + cluster.client.getKubernetesSerialization().asYaml(portrait("web-predictive")));
        }
        assertNotNull(portrait("web-reactive"));

        // Removed while the controller is down: still cleaned up after the restart.
        cluster.stopManager();
        cluster.apply(IHPA.formatted(""), NS, true);
        cluster.startManager(clock);
        Await.until("the reactive portrait to be deleted after the restart", () -> portrait("web-reactive") == null);

        // Deleting the IHPA takes a portrait with it even without a garbage collector.
        cluster.apply(IHPA.formatted(REACTIVE.formatted(30)), NS, true);
        awaitPortrait("web-reactive");
        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("web").delete();
        Await.until("the IHPA and its portrait to be gone", () -> portrait("web-reactive") == null
                && cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(NS).withName("web").get() == null);
    }

    @Test
    void aPortraitOfAnExternalGeneratorIsNeverWritten() {
        cluster.apply("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata:
                  name: mine
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Reactive
                  externalGeneratorName: my-generator
                  algorithm: {type: KubeHPA}
                """, NS);
        cluster.apply("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata:
                  name: unknown
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Burst
                  algorithm: {type: KubeHPA}
                """, NS);
        cluster.startManager(clock);
        awaitCondition("unknown", "FailedGetPortraitGenerator", "failed to get portrait generator: unknown portrait type \"Burst\"");
        Await.until("a Warning event for the unknown portrait type", () -> cluster.client.v1().events().inNamespace(NS).list()
                .getItems().stream().anyMatch(e -> "unknown".equals(e.getInvolvedObject().getName())
                        && "FailedGetPortraitGenerator".equals(e.getReason()) && "Warning".equals(e.getType())));
        HorizontalPortrait mine = portrait("mine");
        assertTrue(mine.getStatus() == null || mine.getStatus().conditions == null || mine.getStatus().conditions.isEmpty(),
                "status untouched: " + mine.getStatus());
        assertTrue(mine.getMetadata().getFinalizers() == null || mine.getMetadata().getFinalizers().isEmpty());
    }

    private HorizontalPortrait awaitPortrait(String name) {
        Await.until("HorizontalPortrait " + name, () -> portrait(name) != null);
        return portrait(name);
    }

    private HorizontalPortrait portrait(String name) {
        return cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName(name).get();
    }

    private void awaitCondition(String name, String reason, String messagePart) {
        Await.until(name + " PortraitGenerated=" + reason, () -> {
            HorizontalPortrait hp = portrait(name);
            Condition c = hp == null || hp.getStatus() == null ? null : Conditions.find(hp.getStatus().conditions, "PortraitGenerated");
            return c != null && reason.equals(c.getReason()) && c.getMessage().contains(messagePart);
        });
    }

    @SuppressWarnings("unused")
    private static Map<String, Object> unused(GenericKubernetesResource r) {
        return r.getAdditionalProperties();
    }
}
