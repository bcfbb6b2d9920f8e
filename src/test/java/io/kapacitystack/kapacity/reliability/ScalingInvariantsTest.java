package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.reliability.ScalingInvariants.Desired;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.Observation;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.PodState;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.PodTerminating;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.Profile;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.ProfileEvent;
import io.kapacitystack.kapacity.reliability.ScalingInvariants.Replicas;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker the fault-injection suite runs, on recorded histories: a correct gray scale-down 5 -> 1 (50 %, 5 s
 * apart) passes; the same history with the gray wait skipped, a step applied twice, a serving pod deleted, replicas
 * out of bounds, an event duplicated, a gray left unfinished or a change never reconciled is caught.
 */
class ScalingInvariantsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ScalingInvariants CHECK = new ScalingInvariants(1, 10, Duration.ofSeconds(4), 2);

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    /** A correct gray scale-down of a 5-pod StatefulSet to 1: two steps of 2 Cutoff pods, then the deletion. */
    private static List<Observation> goodGray() {
        List<Observation> h = new ArrayList<>();
        h.add(new Replicas(at(0), 5));
        h.add(new Profile(at(0), 5, 0, 0));
        h.add(new Desired(at(0.5), 1));
        h.add(new Profile(at(1), 3, 2, 0));
        h.add(new ProfileEvent(at(1), "e1", "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2", 1));
        h.add(new PodState(at(1.5), "nginx-4", "Cutoff"));
        h.add(new PodState(at(1.5), "nginx-3", "Cutoff"));
        h.add(new Profile(at(6), 1, 4, 0));
        h.add(new ProfileEvent(at(6), "e2", "update ReplicaProfile with onlineReplcas: 3 -> 1, cutoffReplicas: 2 -> 4", 1));
        h.add(new PodState(at(6.5), "nginx-2", "Cutoff"));
        h.add(new PodState(at(6.5), "nginx-1", "Cutoff"));
        h.add(new Profile(at(12), 1, 0, 0));
        h.add(new Replicas(at(12), 1));
        for (String pod : List.of("nginx-4", "nginx-3", "nginx-2", "nginx-1")) {
            h.add(new PodTerminating(at(12.5), pod));
        }
        return h;
    }

    @Test
    void aCorrectGrayScaleDownPasses() {
        assertEquals(List.of(), CHECK.violations(goodGray()));
    }

    @Test
    void aSkippedGrayWaitIsCaught() {
        List<Observation> h = goodGray();
        h.set(7, new Profile(at(1.2), 1, 4, 0)); // the second step right after the first
        List<String> v = CHECK.violations(h);
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("the gray wait was skipped"), v.toString());
    }

    @Test
    void aStepAppliedTwiceOrSkippedIsCaught() {
        List<Observation> h = goodGray();
        h.set(3, new Profile(at(1), 1, 4, 0)); // both steps at once
        h.remove(7);
        List<String> v = CHECK.violations(h);
        assertTrue(v.stream().anyMatch(s -> s.contains("gray step of 4 pods")), v.toString());
    }

    @Test
    void aServingPodDeletedIsCaught() {
        List<Observation> h = goodGray();
        h.add(new PodTerminating(at(13), "nginx-0"));
        assertEquals(List.of(at(13) + ": pod nginx-0 deleted while serving (state Online)"), CHECK.violations(h));
    }

    @Test
    void replicasOutOfBoundsAreCaught() {
        List<Observation> h = goodGray();
        h.add(new Replicas(at(14), 0));
        h.add(new Replicas(at(15), 11));
        h.add(new Replicas(at(16), 1));
        assertEquals(2, CHECK.violations(h).size());
    }

    @Test
    void aDuplicatedEventForOneTransitionIsCaught() {
        List<Observation> twoEvents = goodGray();
        twoEvents.add(5, new ProfileEvent(at(1.1), "e1b", "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2", 1));
        assertEquals(1, CHECK.violations(twoEvents).size(), CHECK.violations(twoEvents).toString());
        List<Observation> counted = goodGray();
        counted.add(5, new ProfileEvent(at(1.1), "e1", "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2", 2));
        assertEquals(1, CHECK.violations(counted).size(), CHECK.violations(counted).toString());
    }

    @Test
    void aGrayThatNeverFinishesIsCaught() {
        List<Observation> h = goodGray().subList(0, 8); // stops after the second step: 4 pods left Cutoff
        List<String> v = CHECK.violations(h);
        assertTrue(v.stream().anyMatch(s -> s.equals(at(1) + ": a gray started (2 cutoff, 0 standby) and never finished")), v.toString());
    }

    @Test
    void aChangeNeverReconciledIsCaught() {
        List<Observation> h = new ArrayList<>(List.of(new Replicas(at(0), 5), new Profile(at(0), 5, 0, 0),
                new Desired(at(1), 1))); // asked for 1 (during an outage, say), nothing happened after it
        assertEquals(List.of(at(1) + ": 1 replicas asked for, never reached (last seen: 5 online, 0 cutoff, 0 standby; "
                + "5 replicas): a reconcile was lost"), CHECK.violations(h));
        List<Observation> reached = new ArrayList<>(h);
        reached.add(new Profile(at(2), 1, 0, 0));
        assertEquals(1, CHECK.violations(reached).size(), "the ReplicaProfile alone is not enough: the workload too");
        reached.add(new Replicas(at(3), 1));
        assertEquals(List.of(), CHECK.violations(reached));
    }

    @Test
    void aTransitionThatRecursMayRaiseItsEventsCount() {
        List<Observation> twice = goodGray();
        twice.add(new Desired(at(20), 5));
        twice.add(new Profile(at(20), 5, 0, 0));
        twice.add(new Replicas(at(20), 5));
        twice.add(new Desired(at(30), 1));
        twice.add(new Profile(at(31), 3, 2, 0));
        // the recorder aggregates the same message into the first event: its count goes to 2
        twice.add(new ProfileEvent(at(31), "e1", "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2", 2));
        twice.add(new Profile(at(36), 1, 4, 0));
        twice.add(new ProfileEvent(at(36), "e2b", "update ReplicaProfile with onlineReplcas: 3 -> 1, cutoffReplicas: 2 -> 4", 1));
        twice.add(new Profile(at(42), 1, 0, 0));
        twice.add(new Replicas(at(42), 1));
        assertEquals(List.of(), CHECK.violations(twice));
        twice.add(new ProfileEvent(at(43), "e1", "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2", 3));
        assertEquals(List.of("UpdateReplicaProfile for online 5 -> 3, cutoff 0 -> 2, standby 0 -> 0 recorded 3 times for 2 such transition(s)"),
                CHECK.violations(twice));
    }
}
