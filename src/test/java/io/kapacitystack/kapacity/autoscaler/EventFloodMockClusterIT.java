package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.Event;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flood of docs/security.md ("Event, log and reconcile floods"): an IHPA whose cron is '@every 1s' never has a
 * valid value and is re-evaluated at every boundary. Before, each reconcile wrote a NoValidPortraitValue Warning
 * (60,750 in 17 minutes); now client-go's spam filter lets 25 through, then one per 5 minutes.
 */
@ExtendWith(MockClusterExtension.class)
class EventFloodMockClusterIT {

    private static final String NS = "flood";
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
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
    void anEveryOneSecondCronIhpaForSeventeenSimulatedMinutesRecordsABoundedNumberOfEvents() {
        cluster.createRaw(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT, "apiVersion: autoscaling.kapacitystack.io/v1alpha1\n"
                + "kind: IntelligentHorizontalPodAutoscaler\nmetadata:\n  name: busy\nspec:\n"
                + "  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}\n  minReplicas: 1\n  maxReplicas: 5\n"
                + "  portraitProviders:\n  - type: Cron\n    priority: 1\n    cron:\n      crons:\n"
                + "      - {name: r, start: '@every 1s', end: '@every 1s', replicas: 2}\n", NS);
        ManualClock clock = new ManualClock(vertx, T0);
        cluster.startManager(clock);
        Await.until("the first NoValidPortraitValue", () -> warnings() == 1);

        // Ten simulated seconds at a time (each step fires the pending wake-up once) through 17 minutes.
        for (int step = 1; step <= 17 * 6; step++) {
            Await.until("the next wake-up to be armed", () -> clock.pendingTimers() >= 1);
            int reconciles = reconciles();
            clock.advanceTo(T0.plus(Duration.ofSeconds(10L * step)));
            Await.until("the woken reconcile", () -> reconciles() > reconciles);
        }
        Await.until("the controller to settle", () -> cluster.manager.ihpaController().depth() == 0);
        assertTrue(reconciles() > 17 * 6, "it was re-evaluated at every step: " + reconciles());
        int heard = warnings();
        assertTrue(heard >= 25 && heard <= 25 + 4, "Warnings recorded: " + heard);
        List<Event> events = cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "NoValidPortraitValue".equals(e.getReason())).collect(Collectors.toList());
        assertEquals(1, events.size(), "one Event object, counted up");
        assertTrue(events.get(0).getCount() > heard, "its count covers the filtered repeats: " + events.get(0).getCount());
    }

    private int warnings() {
        return (int) cluster.events.stream().filter(e -> "busy".equals(e.name()) && "NoValidPortraitValue".equals(e.reason())).count();
    }

    private int reconciles() {
        return (int) cluster.metrics.counter(
                "controller_runtime_reconcile_total{controller=\"intelligenthorizontalpodautoscaler\",result=\"success\"}");
    }
}
