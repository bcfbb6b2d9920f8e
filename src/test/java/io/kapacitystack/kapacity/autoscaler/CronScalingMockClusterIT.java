package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.MockClusterExtension;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kapacity's cron quick start on fabric8's CRUD mock API: the StatefulSet follows the five hourly windows as a test
 * clock moves through one hour, and the IHPA's events read as Kapacity's do.
 */
@ExtendWith(MockClusterExtension.class)
class CronScalingMockClusterIT {

    private static final String NS = "cron";
    private static final Instant HOUR = Instant.parse("2026-11-23T08:00:00Z");

    private Vertx vertx;
    private MockCluster cluster;
    private ManualClock clock;

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        clock = new ManualClock(vertx, HOUR);
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
        cluster.applyExample("cron-portrait-sample.yaml", NS);
    }

    @Test
    void followsTheHourlyWindowsForOneHour() {
        cluster.startManager(clock);
        awaitReplicas(1);
        Await.until("the ReplicaProfile to be created", () -> rp() != null);
        // the event is recorded once the profile's creation succeeded, a moment after it
        Await.until("the create event", () -> !normalMessages().isEmpty());
        assertEquals(List.of("create ReplicaProfile with onlineReplcas: 1, cutoffReplicas: 0, standbyReplicas: 0"),
                normalMessages());

        for (int i = 1; i <= 4; i++) {
            clock.advanceTo(HOUR.plus(Duration.ofMinutes(10L * i)));
            awaitReplicas(i + 1);
            String expected = String.format("update ReplicaProfile with onlineReplcas: %d -> %d, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0", i, i + 1);
            int n = i;
            Await.until("event " + expected, () -> normalMessages().size() == n + 1);
            assertEquals(expected, normalMessages().get(i));
        }

        clock.advanceTo(HOUR.plus(Duration.ofMinutes(50)));
        Await.until("a NoValidPortraitValue warning", () -> cluster.eventMessages(NS, "cron-portrait-sample")
                .contains("no valid portrait value for now"));
        Condition active = Conditions.find(ihpa().getStatus().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE);
        Await.until("ScalingActive=False NoValidPortraitValue", () -> {
            Condition c = Conditions.find(ihpa().getStatus().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE);
            return c != null && "False".equals(c.getStatus()) && "NoValidPortraitValue".equals(c.getReason());
        });
        assertNotNull(active);
        assertEquals(5, replicas(), "the last value is kept while no rule is active");

        clock.advanceTo(HOUR.plus(Duration.ofMinutes(60)));
        awaitReplicas(1);
        Await.until("event 5 -> 1", () -> normalMessages().contains(
                "update ReplicaProfile with onlineReplcas: 5 -> 1, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0"));
        Await.until("ScalingActive=True again", () -> Conditions.isTrue(ihpa().getStatus().conditions, IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE));
        assertEquals(6, normalMessages().size(), "exactly one event per scaling step: " + normalMessages());

        // The same events are Kubernetes Events on the IHPA, as kubectl describe shows them.
        List<Event> k8sEvents = cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "cron-portrait-sample".equals(e.getInvolvedObject().getName()))
                .collect(Collectors.toList());
        assertTrue(k8sEvents.stream().anyMatch(e -> "UpdateReplicaProfile".equals(e.getReason())
                && e.getMessage().equals("update ReplicaProfile with onlineReplcas: 3 -> 4, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0")
                && "ihpa_controller".equals(e.getSource().getComponent())));
        assertTrue(k8sEvents.stream().anyMatch(e -> "Warning".equals(e.getType()) && "NoValidPortraitValue".equals(e.getReason())));
        ReplicaProfile rp = rp();
        assertEquals("IntelligentHorizontalPodAutoscaler", rp.getMetadata().getOwnerReferences().get(0).getKind());
        assertTrue(ihpa().getMetadata().getFinalizers().contains("kapacitystack.io/finalizer"));
        assertEquals("Cron", ihpa().getStatus().currentPortraitValue.provider);
        assertEquals(1, ihpa().getStatus().currentPortraitValue.replicas);
        assertEquals("2026-11-23T09:10:00Z", ihpa().getStatus().currentPortraitValue.expireTime);
    }

    @Test
    void restartedControllerResumesWithoutRepeatingOrLosingSteps() {
        cluster.startManager(clock);
        awaitReplicas(1);
        // the StatefulSet starts at 1: the controller's first pass (the profile created at 1) must be over before the
        // clock moves, or it creates the profile at 2 directly and records one event, not two
        Await.until("the create event", () -> !normalMessages().isEmpty());
        clock.advanceTo(HOUR.plus(Duration.ofMinutes(10)));
        awaitReplicas(2);
        Await.until("two events", () -> normalMessages().size() >= 2);
        assertEquals(2, normalMessages().size(), normalMessages().toString());
        cluster.stopManager();

        // While the controller is down the next boundary passes; the new one must catch up once.
        clock.advanceTo(HOUR.plus(Duration.ofMinutes(20)));
        ManualClock sameTime = clock;
        cluster.startManager(sameTime);
        awaitReplicas(3);
        Await.until("the 2 -> 3 event", () -> normalMessages().size() >= 3);
        assertEquals(3, normalMessages().size(), normalMessages().toString());
        assertEquals("update ReplicaProfile with onlineReplcas: 2 -> 3, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0",
                normalMessages().get(2));

        // A second restart with nothing to do changes nothing and records nothing.
        cluster.stopManager();
        cluster.startManager(clock);
        Await.until("the restarted controller to settle", () -> cluster.manager.ihpaController().depth() == 0);
        clock.advanceTo(HOUR.plus(Duration.ofMinutes(25)));
        assertEquals(3, replicas());
        assertEquals(3, normalMessages().size(), "no step repeated after restart: " + normalMessages());
        clock.advanceTo(HOUR.plus(Duration.ofMinutes(30)));
        awaitReplicas(4);
    }

    private List<String> normalMessages() {
        return cluster.events.stream().filter(e -> "Normal".equals(e.type())).map(e -> e.message()).collect(Collectors.toList());
    }

    private IntelligentHorizontalPodAutoscaler ihpa() {
        return cluster.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS).withName("cron-portrait-sample").get();
    }

    private ReplicaProfile rp() {
        return cluster.client.resources(ReplicaProfile.class).inNamespace(NS).withName("cron-portrait-sample").get();
    }

    private int replicas() {
        return cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").get().getSpec().getReplicas();
    }

    private void awaitReplicas(int n) {
        Await.until("StatefulSet nginx to have " + n + " replicas", () -> replicas() == n);
    }
}
