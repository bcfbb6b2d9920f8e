package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 23: the leader killed mid-gray with a second manager waiting. Two manager processes against
 * {@code sandbox --controllers=false}; once the gray scale-down 5 -> 1 has made its first step, the leader gets
 * {@code kill -9}; the standby (or the killed one, started again as its Deployment would, whichever is first) takes
 * the Lease over within the lease duration (plus its jittered retry period:
 * fabric8's LeaderElector retries every 2 s times up to 2.2) and finishes the gray with no step skipped or applied
 * twice, checked on the API's watch history.
 */
class LeaderTakeoverIT {

    private FaultSuite suite;

    @AfterEach
    void stop() throws Exception {
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    void theStandbyFinishesTheGrayOfAKilledLeaderWithoutADoubleStep() throws Exception {
        suite = FaultSuite.scaledUp("leader-takeover");
        String first = suite.holder();
        suite.launchManager();
        Path standbyLog = suite.log(1);
        Await.until("the standby to see the leader", FaultSuite.START, () -> read(standbyLog).contains("leader is now " + first));

        suite.desire(1);
        Await.until("gray stage 1", FaultSuite.START, () -> suite.cutoff() == 2);
        FaultSuite.kill(suite.manager(0));
        ZonedDateTime lastRenewal = renewTime(suite.lease()); // final: its holder is dead
        Await.until("another manager to take the Lease", FaultSuite.START, () -> suite.holder() != null && !first.equals(suite.holder()));
        Lease taken = suite.lease();
        assertNotEquals(first, taken.getSpec().getHolderIdentity());
        Duration takeover = Duration.between(lastRenewal, ZonedDateTime.parse(taken.getSpec().getAcquireTime().toString()));
        System.out.println("leader takeover: " + takeover.toMillis() + " ms from the dead leader's last renewal to the standby's acquisition");
        Duration bound = FaultSuite.LEASE_DURATION.plus(FaultSuite.RETRY_PERIOD.multipliedBy(3));
        assertTrue(takeover.compareTo(bound) <= 0, "takeover " + takeover + " within the lease duration and retry (" + bound + ")");
        assertTrue(takeover.compareTo(FaultSuite.LEASE_DURATION) >= 0, "no takeover while the Lease was valid: " + takeover);

        suite.convergesWithoutViolations("leader killed at gray stage 1", 1, Map.of("kill -9 of the leader", 1L));
    }

    private static ZonedDateTime renewTime(Lease lease) {
        return ZonedDateTime.parse(lease.getSpec().getRenewTime().toString());
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
