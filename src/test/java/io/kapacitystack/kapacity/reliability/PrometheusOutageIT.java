package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.RealPrometheus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 23: Prometheus stopped and started again under a reactive IHPA (the reactive quick start's: CPU at 30 % of
 * the request, KubeHPA) whose manager, a process of its own, reads the sandbox's simulated cAdvisor series through a
 * real Prometheus. While Prometheus is down the portrait says why and nothing scales (the last portrait is kept,
 * even though the load rises meanwhile); once it is back the manager follows the new load (more than the 2 pods of before), with the invariants kept
 * on the API's watch history.
 */
class PrometheusOutageIT {

    private static final String REACTIVE_IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata:
              name: chaos
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
              minReplicas: 1
              maxReplicas: 10
              portraitProviders:
              - type: Dynamic
                priority: 1
                dynamic:
                  portraitType: Reactive
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 30}}
                  algorithm:
                    type: KubeHPA
              behavior:
                scaleDown:
                  grayStrategy: {grayState: Cutoff, changeIntervalSeconds: 5, changePercent: 50, observationSeconds: 5}
            """;

    private FaultSuite suite;
    private RealPrometheus prometheus;

    @AfterEach
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (suite != null) {
            suite.close();
        }
    }

    private void load(int requestsPerSecond) {
        suite.client().apps().statefulSets().inNamespace(FaultSuite.NS).withName("nginx").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"sandbox.kapacitystack.io/traffic\":\"constant " + requestsPerSecond + "\"}}}");
    }

    private Condition scalingActive() {
        List<HorizontalPortrait> portraits = suite.client().resources(HorizontalPortrait.class).inNamespace(FaultSuite.NS).list().getItems();
        if (portraits.isEmpty() || portraits.get(0).getStatus() == null || portraits.get(0).getStatus().conditions == null) {
            return null;
        }
        return portraits.get(0).getStatus().conditions.stream().filter(c -> "ScalingActive".equals(c.getType())).findFirst().orElse(null);
    }

    /** FailedGeneratePortrait Warnings so far (each evaluation that could not read the metric counts one). */
    private int failedPortraits() {
        return suite.client().v1().events().inNamespace(FaultSuite.NS).list().getItems().stream()
                .filter(e -> "FailedGeneratePortrait".equals(e.getReason()))
                .mapToInt(e -> e.getCount() == null ? 1 : e.getCount()).sum();
    }

    private int online() {
        return suite.profile() == null ? 0 : suite.profile().getSpec().online();
    }

    @Test
    void theReactivePortraitWaitsOutAPrometheusOutageAndFollowsAfter() throws Exception {
        suite = FaultSuite.start("prometheus-outage", REACTIVE_IHPA);
        load(6); // 6 requests/s at 10m CPU each: 60m, 2 pods at the 30 % target of their 100m
        prometheus = RealPrometheus.scraping("127.0.0.1:" + suite.app().httpPort(), "/sandbox/metrics");
        suite.managerFlags("--metric-provider", "prometheus", "--prometheus-address", prometheus.url()).startManager();
        Await.until("the reactive portrait at 2", FaultSuite.START, () -> suite.converged(2)
                && scalingActive() != null && "True".equals(scalingActive().getStatus()));

        prometheus.stop();
        Await.until("the outage seen: ScalingActive False", FaultSuite.START, () -> scalingActive() != null
                && "False".equals(scalingActive().getStatus()));
        Instant down = suite.now();
        load(17); // 170m: 6 pods, once the metric can be read again
        // the portrait is re-evaluated after the load rose, while Prometheus is down: nothing scales
        int failures = failedPortraits();
        Await.until("a re-evaluation during the outage", FaultSuite.START, () -> failedPortraits() > failures);
        assertEquals(2, online(), "the last portrait is kept while Prometheus is down");
        Instant restarted = suite.now();
        List<ScalingInvariants.Observation> duringOutage = suite.history().stream()
                .filter(o -> !o.at().isBefore(down) && o.at().isBefore(restarted)).toList();
        assertEquals(List.of(), duringOutage, "nothing scaled while Prometheus was down");
        prometheus.restart();

        // KubeHPA steps up as the new pods' CPU enters the rate window: above the outage's 2 is following the load
        Await.until("the reactive portrait to follow the new load", FaultSuite.START, () -> online() > 2 && suite.converged(online()));
        List<String> violations = FaultSuite.invariants().violations(suite.history());
        System.out.println("Prometheus outage: " + (restarted.toEpochMilli() - down.toEpochMilli()) + " ms down, then "
                + online() + " pods; " + suite.history().size() + " observations");
        assertEquals(List.of(), violations);
        assertTrue(suite.history().stream().anyMatch(o -> o instanceof ScalingInvariants.Replicas r && r.replicas() > 2));
    }
}
