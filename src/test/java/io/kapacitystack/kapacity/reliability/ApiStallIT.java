package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 23: the whole API stalls (60 s in the long profile, 20 s in the short one) under a manager process; during
 * the stall the IHPA is changed (by the sandbox's own client, as a user's kubectl reaching another apiserver
 * replica would). Nothing may act on it before the API answers again; after, the change is reconciled (the gray
 * runs and the workload converges) with the invariants kept. A manager that lost its Lease in the stall exits, as
 * controller-runtime's do, and is started again, as its Deployment would.
 */
class ApiStallIT {

    private FaultSuite suite;

    @AfterEach
    void stop() throws Exception {
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    void aChangeMadeDuringAStallIsReconciledAfterIt() throws Exception {
        ReliabilityProfile profile = ReliabilityProfile.current();
        System.out.println("API stall: " + profile);
        suite = FaultSuite.scaledUp("api-stall");
        Instant before = suite.now();
        suite.cluster().faults().stall(profile.stall());
        suite.desire(1);
        Instant desired = suite.now();
        Await.until("the stall to end", profile.stall().plus(FaultSuite.START), () -> !suite.cluster().faults().stalled());
        Map<String, Long> injected = suite.cluster().faults().injected();
        assertEquals(1L, injected.get("stall"), injected.toString());

        suite.convergesWithoutViolations("API stalled " + profile.stall().toSeconds() + " s (manager restarts: "
                + suite.restarts() + ")", 1, injected);
        Optional<ScalingInvariants.Profile> firstReaction = suite.history().stream()
                .filter(o -> o instanceof ScalingInvariants.Profile && !o.at().isBefore(desired))
                .map(o -> (ScalingInvariants.Profile) o).findFirst();
        assertTrue(firstReaction.isPresent());
        assertTrue(!firstReaction.get().at().isBefore(before.plus(profile.stall())),
                "nothing acted during the stall (first ReplicaProfile change at " + firstReaction.get().at()
                        + ", stall from before " + before + " for " + profile.stall() + ")");
    }
}
