package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault-injection suite's gray scenarios (issue 23, docs/reliability.md): a gray scale-down (Cutoff, 50 %, 5 s
 * apart) of a 5-pod StatefulSet to 1, driven by a manager of its own against {@code sandbox --controllers=false},
 * (1) while the manager is killed with {@code kill -9} again and again and 20 % of its writes fail, (2) while its
 * watches drop every 2 s and half their resumes get 410, (3) while 20 % of its writes get 409 or 500. The invariants
 * ({@link ScalingInvariants}) are checked on the API's watch history; after the faults stop the workload converges.
 * (4) shows the same recorder and checker catch a controller that skips the gray wait and deletes a serving pod.
 */
class GrayUnderFaultsIT {

    private static final List<String> WRITES = List.of("create", "update", "patch", "delete");
    private static final String[] RESOURCES = {"statefulsets", "pods", "replicaprofiles",
            "intelligenthorizontalpodautoscalers", "events"};

    private FaultSuite suite;

    @AfterEach
    void stop() throws Exception {
        if (suite != null) {
            suite.close();
        }
    }

    /** 409 then 500 on the manager's writes: {@code rate} of them in all (the second rule sees what the first left). */
    private static FaultPlan failedWrites(long seed, double rate) {
        double half = rate / 2;
        return FaultPlan.of(seed,
                Rule.of(Kind.CONFLICT, half).onVerbs(WRITES.toArray(String[]::new)).onResources(RESOURCES),
                Rule.of(Kind.INTERNAL_ERROR, half / (1 - half)).onVerbs(WRITES.toArray(String[]::new)).onResources(RESOURCES));
    }

    /** Where in a gray a manager is killed: drawn per kill from the seeded random. */
    private enum KillPoint { RANDOM_INSTANT, GRAY_STAGE_1, GRAY_STAGE_2 }

    @Test
    void aGrayScaleDownSurvivesKilledManagersAndFailedWrites() throws Exception {
        ReliabilityProfile profile = ReliabilityProfile.current();
        System.out.println("kills during gray scale-downs: " + profile);
        suite = FaultSuite.scaledUp("gray-kills");
        suite.cluster().faults().install(failedWrites(profile.seed(), 0.2));
        Random random = new Random(profile.seed());
        long conflicts = 0;
        for (int kill = 1; kill <= profile.kills(); kill++) {
            if (kill > 1) {
                suite.desire(5); // up again (no gray on the way up) for the next gray down
                suite.awaitConverged(5, FaultSuite.START);
            }
            suite.desire(1);
            KillPoint point = KillPoint.values()[random.nextInt(KillPoint.values().length)];
            int instant = random.nextInt(8000);
            System.out.println("kill " + kill + ": " + (point == KillPoint.RANDOM_INSTANT ? instant + " ms into the gray" : point));
            switch (point) {
                // the issue asks for random instants: this wait is the instant, not a wait for something
                case RANDOM_INSTANT -> Thread.sleep(instant);
                case GRAY_STAGE_1 -> Await.until("gray stage 1", FaultSuite.START, () -> suite.cutoff() >= 2 || suite.converged(1));
                case GRAY_STAGE_2 -> Await.until("gray stage 2", FaultSuite.START, () -> suite.cutoff() == 4 || suite.converged(1));
            }
            suite.killLeaderAndAwaitTakeover();
        }
        Map<String, Long> injected = suite.cluster().faults().injected();
        suite.cluster().faults().clear();
        assertTrue(injected.getOrDefault("conflict", 0L) + injected.getOrDefault("internalError", 0L) > 0,
                "faults were injected: " + injected);
        suite.convergesWithoutViolations("gray under " + profile.kills() + " kills and 20 % failed writes (manager starts after an exit: "
                + suite.restarts() + ")", 1, injected);
    }

    @Test
    void aGrayScaleDownSurvivesDroppedWatchesAndGone() throws Exception {
        ReliabilityProfile profile = ReliabilityProfile.current();
        System.out.println("watch drops and 410: " + profile);
        suite = FaultSuite.scaledUp("gray-watches");
        // every watch of the manager lives 2 s; half of its resumes get 410 and must list again
        suite.cluster().faults().install(FaultPlan.of(profile.seed(), Rule.of(Kind.GONE, 0.5),
                Rule.of(Kind.DROP_WATCH, 1).after(java.time.Duration.ofSeconds(2))));
        suite.cluster().faults().dropWatches(); // the watches opened before the plan reopen under it
        suite.desire(1);
        // the faults last as long as the gray: until its last step has cut off 4 pods
        Await.until("the gray's last step under watch faults", FaultSuite.START, () -> suite.cutoff() == 4 || suite.converged(1));
        Map<String, Long> injected = suite.cluster().faults().injected();
        suite.cluster().faults().clear();
        assertTrue(injected.getOrDefault("dropWatch", 0L) > 0 && injected.getOrDefault("gone", 0L) > 0,
                "faults were injected: " + injected);
        suite.convergesWithoutViolations("gray under watch drops and 410", 1, injected);
    }

    @Test
    void aGrayScaleDownSurvivesAFifthOfItsWritesFailing() throws Exception {
        ReliabilityProfile profile = ReliabilityProfile.current();
        System.out.println("20 % 409/500 on writes: " + profile);
        suite = FaultSuite.scaledUp("gray-writes");
        suite.cluster().faults().install(failedWrites(profile.seed(), 0.2));
        // a few grays down and up under the faults, so they meet more than a handful of writes
        for (int round = 0; round < 3; round++) {
            suite.desire(1);
            suite.awaitConverged(1, FaultSuite.START);
            suite.desire(5);
            suite.awaitConverged(5, FaultSuite.START);
        }
        suite.desire(1);
        Await.until("gray stage 1 under failed writes", FaultSuite.START, () -> suite.cutoff() >= 2 || suite.converged(1));
        Map<String, Long> injected = suite.cluster().faults().injected();
        suite.cluster().faults().clear();
        assertTrue(injected.getOrDefault("conflict", 0L) > 0 && injected.getOrDefault("internalError", 0L) > 0,
                "faults were injected: " + injected);
        suite.convergesWithoutViolations("gray under 20 % failed writes", 1, injected);
    }

    /** The broken controller's ReplicaProfile write (created, then changed). */
    private void brokenStep(int online, int cutoff) {
        Await.result(suite.cluster().applyYaml(FaultSuite.NS, """
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: ReplicaProfile
                metadata: {name: chaos}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  onlineReplicas: %d
                  cutoffReplicas: %d
                """.formatted(online, cutoff)), java.time.Duration.ofSeconds(30));
    }

    /**
     * The suite can fail: with no manager, the test itself plays a broken controller on the real API (it skips
     * the gray wait and deletes a pod still serving); the recorder and checker the scenarios use catch both.
     */
    @Test
    void aControllerSkippingTheGrayWaitIsCaught() throws Exception {
        suite = FaultSuite.start("gray-broken");
        var client = suite.client();
        client.apps().statefulSets().inNamespace(FaultSuite.NS).withName("nginx").scale(5);
        Await.until("5 pods", FaultSuite.START, () -> client.pods().inNamespace(FaultSuite.NS).list().getItems().size() == 5);
        brokenStep(5, 0);
        Await.until("the ReplicaProfile recorded", () -> suite.history().stream().anyMatch(o -> o instanceof ScalingInvariants.Profile));
        brokenStep(3, 2);
        brokenStep(1, 4); // at once: no gray wait
        client.pods().inNamespace(FaultSuite.NS).withName("nginx-0").delete(); // Online: still serving
        Await.until("the second step and the deletion recorded", () -> suite.history().stream()
                .anyMatch(o -> o instanceof ScalingInvariants.PodTerminating t && t.pod().equals("nginx-0"))
                && suite.history().stream().anyMatch(o -> o instanceof ScalingInvariants.Profile p && p.cutoff() == 4));
        List<String> violations = FaultSuite.invariants().violations(suite.history());
        System.out.println("broken controller: " + violations);
        assertTrue(violations.stream().anyMatch(v -> v.contains("the gray wait was skipped")), violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.contains("pod nginx-0 deleted while serving")), violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.contains("never finished")), violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.contains("5 replicas asked for, never reached")), violations.toString());
        assertEquals(4, violations.size(), violations.toString());
    }
}
