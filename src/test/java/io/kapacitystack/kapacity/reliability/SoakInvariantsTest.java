package io.kapacitystack.kapacity.reliability;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoakInvariantsTest {

    private static final Instant T0 = Instant.parse("2026-12-08T00:00:00Z");

    private static SoakInvariants gray() {
        return SoakInvariants.withGray(1, 10, Duration.ofSeconds(200), 2);
    }

    /** One hourly gray 5 → 1 (Cutoff, two steps 300 s apart) as the controller makes it, pods and events included. */
    private static void hourlyGray(SoakInvariants check, int hour) {
        Instant h = T0.plus(Duration.ofHours(hour));
        check.profile(h, 5, 0, 0);
        check.profileEvent(SoakInvariants.transitionMessage(new int[]{1, 0, 0}, new int[]{5, 0, 0}), 1);
        check.replicas(h, 5);
        for (int i = 0; i < 5; i++) {
            check.podState("uid-" + hour + "-" + i, null);
        }
        Instant step1 = h.plusSeconds(600);
        check.profileEvent(SoakInvariants.transitionMessage(new int[]{5, 0, 0}, new int[]{3, 2, 0}), 1);
        check.profile(step1, 3, 2, 0);
        check.podState("uid-" + hour + "-4", "Cutoff");
        check.podState("uid-" + hour + "-3", "Cutoff");
        Instant step2 = step1.plusSeconds(300);
        check.profileEvent(SoakInvariants.transitionMessage(new int[]{3, 2, 0}, new int[]{1, 4, 0}), 1);
        check.profile(step2, 1, 4, 0);
        check.podState("uid-" + hour + "-2", "Cutoff");
        check.podState("uid-" + hour + "-1", "Cutoff");
        Instant done = step2.plusSeconds(300);
        check.profileEvent(SoakInvariants.transitionMessage(new int[]{1, 4, 0}, new int[]{1, 0, 0}), 1);
        check.profile(done, 1, 0, 0);
        check.replicas(done, 1);
        for (int i = 1; i < 5; i++) {
            check.podTerminating(done, "uid-" + hour + "-" + i, "nginx-" + i);
        }
    }

    @Test
    void theSameGrayEveryHourForADayPasses() {
        SoakInvariants check = gray();
        check.profile(T0.minusSeconds(60), 1, 0, 0);
        for (int hour = 0; hour < 24; hour++) {
            hourlyGray(check, hour);
        }
        assertEquals(List.of(), check.violations());
        assertEquals(48, check.grayStepCount());
    }

    @Test
    void aSkippedGrayWaitIsCaught() {
        SoakInvariants check = gray();
        check.profile(T0, 5, 0, 0);
        check.profile(T0.plusSeconds(10), 3, 2, 0);
        check.profile(T0.plusSeconds(20), 1, 4, 0);
        assertTrue(check.violations().stream().anyMatch(v -> v.contains("gray wait was skipped")), check.violations().toString());
    }

    @Test
    void aGrayStepAppliedTwiceIsCaught() {
        SoakInvariants check = gray();
        check.profile(T0, 5, 0, 0);
        check.profile(T0.plusSeconds(300), 1, 4, 0);
        assertTrue(check.violations().stream().anyMatch(v -> v.contains("gray step of 4 pods")), check.violations().toString());
    }

    @Test
    void aStandbyGrayIsCheckedLikeACutoffOne() {
        SoakInvariants check = gray();
        check.profile(T0, 5, 0, 0);
        check.profile(T0.plusSeconds(300), 3, 0, 2);
        check.profile(T0.plusSeconds(310), 1, 0, 4);
        assertTrue(check.violations().stream().anyMatch(v -> v.contains("gray wait was skipped")), check.violations().toString());
    }

    @Test
    void aServingPodDeletedIsCaughtEvenWhenItsNameWasUsedBefore() {
        SoakInvariants check = gray();
        check.podState("uid-a", "Cutoff");
        check.podTerminating(T0, "uid-a", "nginx-4");
        check.podState("uid-b", null); // nginx-4 again, a new pod
        check.podTerminating(T0.plusSeconds(3600), "uid-b", "nginx-4");
        assertEquals(1, check.violations().size(), check.violations().toString());
        assertTrue(check.violations().get(0).contains("pod nginx-4 deleted while serving (state Online)"));
    }

    @Test
    void withoutAGrayStrategyPodsMayGoWhileOnline() {
        SoakInvariants check = SoakInvariants.withoutGray(1, 10);
        check.podState("uid-a", null);
        check.podTerminating(T0, "uid-a", "nginx-4");
        assertEquals(List.of(), check.violations());
    }

    @Test
    void replicasOutsideTheBoundsAreCaught() {
        SoakInvariants check = SoakInvariants.withoutGray(1, 10);
        check.replicas(T0, 0);
        check.replicas(T0, 11);
        check.replicas(T0, 10);
        assertEquals(2, check.violations().size(), check.violations().toString());
    }

    @Test
    void anEventEmittedTwiceForOneTransitionIsCaught() {
        SoakInvariants check = SoakInvariants.withoutGray(1, 10);
        String up = SoakInvariants.transitionMessage(new int[]{1, 0, 0}, new int[]{3, 0, 0});
        check.profile(T0, 1, 0, 0);
        check.profileEvent(up, 1);
        check.profileEvent(up, 1); // e.g. the event recorded again after a failed patch of the profile
        check.profile(T0.plusSeconds(1), 3, 0, 0);
        assertEquals(List.of("UpdateReplicaProfile \"" + up + "\" emitted 2 times for 1 transition(s)"), check.violations());
    }

    @Test
    void aDeletedGrayIsStepsOfFewerOnlinePodsWithTheWaitBetween() {
        SoakInvariants check = SoakInvariants.withDeletedGray(1, 10, Duration.ofSeconds(200), 2);
        check.profile(T0, 5, 0, 0);
        check.podState("uid-a", null);
        check.podTerminating(T0.plusSeconds(300), "uid-a", "nginx-4"); // a Deleted gray deletes Online pods
        check.profile(T0.plusSeconds(300), 3, 0, 0);
        check.profile(T0.plusSeconds(600), 1, 0, 0);
        assertEquals(List.of(), check.violations());
        check.profile(T0.plusSeconds(3600), 5, 0, 0); // the next hour's scale-up: a new gray follows
        check.profile(T0.plusSeconds(3900), 3, 0, 0);
        check.profile(T0.plusSeconds(3910), 1, 0, 0);
        assertEquals(1, check.violations().size(), check.violations().toString());
        assertTrue(check.violations().get(0).contains("gray wait was skipped"));
        assertEquals(4, check.grayStepCount());
    }

    @Test
    void aCombinedEventCountsAsItsLatestMessage() {
        SoakInvariants check = SoakInvariants.withoutGray(1, 10);
        String down = SoakInvariants.transitionMessage(new int[]{3, 0, 0}, new int[]{2, 0, 0});
        check.profile(T0, 3, 0, 0);
        check.profileEvent("(combined from similar events): " + down, 1);
        check.profile(T0.plusSeconds(1), 2, 0, 0);
        assertEquals(List.of(), check.violations());
        check.profileEvent("(combined from similar events): " + down, 1); // a second emission without a transition
        assertEquals(1, check.violations().size(), check.violations().toString());
    }
}
