package io.kapacitystack.kapacity.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants of issue 23 for one IHPA over a soak of many hours, fed one observation at a time and keeping only
 * the state the rules need (a day of observations of 200 IHPAs would otherwise sit in the heap being measured).
 * The rules are {@link ScalingInvariants}'s, adapted to a long run where the same transition comes back every hour:
 * <ul>
 *   <li>the workload's replicas stay within [min, max];</li>
 *   <li>with a Cutoff or Standby gray strategy, a pod gets its deletion only after it was Cutoff/Standby/Deleted
 *   (pods are told apart by uid: a StatefulSet's pod names come back); a Deleted gray removes Online pods by design;</li>
 *   <li>no gray step larger than {@code maxGrayStep}, none closer than {@code grayWait} to the previous one (a step
 *   parks pods in Cutoff/Standby, or, for a Deleted gray, lowers online with none parked);</li>
 *   <li>{@code UpdateReplicaProfile} is emitted (new events and count bumps of repeated ones, as client-go's
 *   correlator does) no more often per message than the ReplicaProfile made that transition.</li>
 * </ul>
 * Not thread-safe: callers serialise (the recorder's informer callbacks).
 */
final class SoakInvariants {

    private static final Set<String> NOT_SERVING = Set.of("Cutoff", "Standby", "Deleted");
    private static final int MAX_KEPT_VIOLATIONS = 50;
    private static final String COMBINED = "(combined from similar events): ";

    private final int min;
    private final int max;
    private final boolean gray;
    private final boolean deletedGray;
    private final Duration grayWait;
    private final int maxGrayStep;

    private final Map<String, String> podStates = new HashMap<>();
    private final Map<String, Long> transitions = new HashMap<>();
    private final Map<String, Long> emitted = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long violationCount;
    private int[] lastProfile;
    private Instant lastGrayStep;
    private long grayStepCount;

    /** An IHPA without a gray strategy: only the replica bounds and the events are checked. */
    static SoakInvariants withoutGray(int min, int max) {
        return new SoakInvariants(min, max, false, false, Duration.ZERO, Integer.MAX_VALUE);
    }

    /** A Cutoff or Standby gray strategy. */
    static SoakInvariants withGray(int min, int max, Duration grayWait, int maxGrayStep) {
        return new SoakInvariants(min, max, true, false, grayWait, maxGrayStep);
    }

    /** A gray strategy with grayState Deleted: each step deletes pods outright. */
    static SoakInvariants withDeletedGray(int min, int max, Duration grayWait, int maxGrayStep) {
        return new SoakInvariants(min, max, false, true, grayWait, maxGrayStep);
    }

    private SoakInvariants(int min, int max, boolean gray, boolean deletedGray, Duration grayWait, int maxGrayStep) {
        this.min = min;
        this.max = max;
        this.gray = gray;
        this.deletedGray = deletedGray;
        this.grayWait = grayWait;
        this.maxGrayStep = maxGrayStep;
    }

    void replicas(Instant at, int replicas) {
        if (replicas < min || replicas > max) {
            violation(at + ": replicas " + replicas + " outside [" + min + ", " + max + "]");
        }
    }

    /** A pod (by uid) was seen with this state label (null: none, i.e. Online). */
    void podState(String uid, String state) {
        podStates.put(uid, state);
    }

    /** A pod got its deletionTimestamp or went; called at most once per uid by the recorder. */
    void podTerminating(Instant at, String uid, String name) {
        String state = podStates.remove(uid);
        if (gray && (state == null || !NOT_SERVING.contains(state))) {
            violation(at + ": pod " + name + " deleted while serving (state " + (state == null ? "Online" : state) + ")");
        }
    }

    void profile(Instant at, int online, int cutoff, int standby) {
        int[] now = {online, cutoff, standby};
        if (lastProfile != null) {
            transitions.merge(transitionMessage(lastProfile, now), 1L, Long::sum);
            int parked = cutoff + standby;
            int parkedBefore = lastProfile[1] + lastProfile[2];
            boolean parking = gray && parked > parkedBefore && online < lastProfile[0];
            boolean deleting = deletedGray && parked == 0 && parkedBefore == 0 && online < lastProfile[0];
            if (parking || deleting) {
                int step = parking ? parked - parkedBefore : lastProfile[0] - online;
                grayStepCount++;
                if (step > maxGrayStep) {
                    violation(at + ": gray step of " + step + " pods (at most " + maxGrayStep + "): a step skipped or applied twice");
                }
                if (lastGrayStep != null && Duration.between(lastGrayStep, at).compareTo(grayWait) < 0) {
                    violation(at + ": gray step " + Duration.between(lastGrayStep, at).toSeconds()
                            + " s after the previous one (wait " + grayWait.toSeconds() + " s): the gray wait was skipped");
                }
                lastGrayStep = at;
            }
        }
        if (cutoff + standby == 0 && !deletedGray || deletedGray && online > (lastProfile == null ? 0 : lastProfile[0])) {
            lastGrayStep = null; // the gray is over (a Deleted one: a scale-up ended it): the next one starts afresh
        }
        lastProfile = now;
    }

    /**
     * {@code times} more {@code UpdateReplicaProfile} events with this message (a new event, or a count bump). Similar
     * events past the correlator's limit are combined into one whose message is the latest one behind a prefix
     * (events/EventCorrelator, as client-go's aggregator): each bump of it is one emission of that latest message.
     */
    void profileEvent(String message, int times) {
        String latest = message.startsWith(COMBINED) ? message.substring(COMBINED.length()) : message;
        emitted.merge(latest, (long) times, Long::sum);
    }

    long grayStepCount() {
        return grayStepCount;
    }

    /** Every violation so far (at most 50 kept) plus the events emitted more often than their transition happened. */
    List<String> violations() {
        List<String> out = new ArrayList<>(violations);
        if (violationCount > violations.size()) {
            out.add("... and " + (violationCount - violations.size()) + " more");
        }
        emitted.forEach((message, n) -> {
            long made = transitions.getOrDefault(message, 0L);
            if (n > made) {
                out.add("UpdateReplicaProfile \"" + message + "\" emitted " + n + " times for " + made + " transition(s)");
            }
        });
        return out;
    }

    /** The controller's message for a ReplicaProfile update (autoscaler/IhpaPlanner), including its spelling. */
    static String transitionMessage(int[] from, int[] to) {
        return String.format("update ReplicaProfile with onlineReplcas: %d -> %d, cutoffReplicas: %d -> %d, standbyReplicas: %d -> %d",
                from[0], to[0], from[1], to[1], from[2], to[2]);
    }

    private void violation(String what) {
        violationCount++;
        if (violations.size() < MAX_KEPT_VIOLATIONS) {
            violations.add(what);
        }
    }
}
