package io.kapacitystack.kapacity.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The invariants of issue 23, checked on a history recorded from the API's watches (not from the controller's
 * logs), for one IHPA with a gray scale-down strategy and its StatefulSet. Pure: a history in, violations out.
 * The history is checked once it is complete (after the faults stopped and the workload converged): a gray still
 * under way at its end "never finished", and the last {@link Desired} not reached means a reconcile was lost.
 *
 * @param min         the IHPA's minReplicas
 * @param max         the IHPA's maxReplicas
 * @param grayWait    the gray strategy's changeIntervalSeconds, less what watch delivery may shift two observations
 * @param maxGrayStep the most pods one gray step may cut off (changePercent of the change, rounded up)
 */
record ScalingInvariants(int min, int max, Duration grayWait, int maxGrayStep) {

    /** One observed change. */
    sealed interface Observation permits Desired, Replicas, PodState, PodTerminating, Profile, ProfileEvent {
        Instant at();
    }

    /** What the IHPA asks for changed (here: its static portrait's replicas, set by the test). */
    record Desired(Instant at, int replicas) implements Observation {
    }

    /** The workload's spec.replicas changed. */
    record Replicas(Instant at, int replicas) implements Observation {
    }

    /** A pod's {@code kapacitystack.io/pod-state} label (null: none, i.e. Online). */
    record PodState(Instant at, String pod, String state) implements Observation {
    }

    /** A pod got its deletionTimestamp (or went). */
    record PodTerminating(Instant at, String pod) implements Observation {
    }

    /** The ReplicaProfile's numbers. */
    record Profile(Instant at, int online, int cutoff, int standby) implements Observation {
    }

    /** An {@code UpdateReplicaProfile} event: its uid, message and count. */
    record ProfileEvent(Instant at, String uid, String message, int count) implements Observation {
    }

    /** The numbers in an UpdateReplicaProfile message (Kapacity's, typo included; standby is newer). */
    private static final Pattern TRANSITION = Pattern.compile(
            "onlineReplcas: (\\d+) -> (\\d+), cutoffReplicas: (\\d+) -> (\\d+)(?:, standbyReplicas: (\\d+) -> (\\d+))?");

    private static String transition(Object online0, Object online1, Object cutoff0, Object cutoff1, Object standby0, Object standby1) {
        return "online " + online0 + " -> " + online1 + ", cutoff " + cutoff0 + " -> " + cutoff1 + ", standby " + standby0 + " -> " + standby1;
    }

    private static final Set<String> NOT_SERVING = Set.of("Cutoff", "Standby", "Deleted");

    List<String> violations(List<Observation> history) {
        List<String> out = new ArrayList<>();
        Map<String, String> podStates = new HashMap<>();
        Set<String> terminating = new java.util.HashSet<>();
        Profile last = null;
        Instant lastGrayStep = null;
        Map<String, Integer> eventCounts = new HashMap<>(); // uid and message -> the event's count
        Map<String, Integer> transitions = new HashMap<>(); // ReplicaProfile changes seen, by transition
        Profile grayStart = null;
        Desired desired = null;
        Replicas replicas = null;
        for (Observation o : history) {
            if (o instanceof Desired d) {
                desired = d;
            } else if (o instanceof Replicas r) {
                replicas = r;
                if (r.replicas() < min || r.replicas() > max) {
                    out.add(r.at() + ": replicas " + r.replicas() + " outside [" + min + ", " + max + "]");
                }
            } else if (o instanceof PodState p) {
                podStates.put(p.pod(), p.state());
            } else if (o instanceof PodTerminating t) {
                String state = podStates.get(t.pod());
                if (terminating.add(t.pod()) && (state == null || !NOT_SERVING.contains(state))) {
                    out.add(t.at() + ": pod " + t.pod() + " deleted while serving (state " + (state == null ? "Online" : state) + ")");
                }
            } else if (o instanceof Profile p) {
                if (last != null && p.cutoff() > last.cutoff() && p.online() < last.online()) {
                    int step = p.cutoff() - last.cutoff();
                    if (step > maxGrayStep) {
                        out.add(p.at() + ": gray step of " + step + " pods (at most " + maxGrayStep + "): a step skipped or applied twice");
                    }
                    if (lastGrayStep != null && Duration.between(lastGrayStep, p.at()).compareTo(grayWait) < 0) {
                        out.add(p.at() + ": gray step " + Duration.between(lastGrayStep, p.at()).toMillis()
                                + " ms after the previous one (wait " + grayWait.toMillis() + " ms): the gray wait was skipped");
                    }
                    lastGrayStep = p.at();
                }
                if (p.cutoff() == 0) {
                    lastGrayStep = null; // the gray is over: the next one starts afresh
                }
                if (p.cutoff() + p.standby() == 0) {
                    grayStart = null;
                } else if (grayStart == null) {
                    grayStart = p;
                }
                if (last != null) {
                    transitions.merge(transition(last.online(), p.online(), last.cutoff(), p.cutoff(), last.standby(), p.standby()), 1, Integer::sum);
                }
                last = p;
            } else if (o instanceof ProfileEvent e) {
                eventCounts.merge(e.uid() + "\u0000" + e.message(), e.count(), Math::max);
            }
        }
        if (grayStart != null) {
            out.add(grayStart.at() + ": a gray started (" + grayStart.cutoff() + " cutoff, " + grayStart.standby()
                    + " standby) and never finished");
        }
        if (desired != null && (last == null || last.online() != desired.replicas() || last.cutoff() + last.standby() != 0
                || replicas == null || replicas.replicas() != desired.replicas())) {
            out.add(desired.at() + ": " + desired.replicas() + " replicas asked for, never reached (last seen: "
                    + (last == null ? "no ReplicaProfile" : last.online() + " online, " + last.cutoff() + " cutoff, "
                    + last.standby() + " standby") + "; " + (replicas == null ? "no" : replicas.replicas())
                    + " replicas): a reconcile was lost");
        }
        // Events for one transition, whether new events or a count raised on one (client-go's aggregation does that
        // for a transition that recurs), must not outnumber the times that transition was seen on the ReplicaProfile.
        Map<String, Integer> recorded = new TreeMap<>();
        eventCounts.forEach((key, count) -> {
            String message = key.substring(key.indexOf('\u0000') + 1);
            Matcher m = TRANSITION.matcher(message);
            if (!m.find()) {
                out.add("UpdateReplicaProfile \"" + message + "\" names no transition");
                return;
            }
            recorded.merge(transition(m.group(1), m.group(2), m.group(3), m.group(4),
                    m.group(5) == null ? "0" : m.group(5), m.group(6) == null ? "0" : m.group(6)), count, Integer::sum);
        });
        recorded.forEach((transition, n) -> {
            int seen = transitions.getOrDefault(transition, 0);
            if (n > seen) {
                out.add("UpdateReplicaProfile for " + transition + " recorded " + n + " times for " + seen + " such transition(s)");
            }
        });
        return out;
    }
}
