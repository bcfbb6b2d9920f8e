package io.kapacitystack.kapacity.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    private static final Set<String> NOT_SERVING = Set.of("Cutoff", "Standby", "Deleted");

    List<String> violations(List<Observation> history) {
        List<String> out = new ArrayList<>();
        Map<String, String> podStates = new HashMap<>();
        Set<String> terminating = new java.util.HashSet<>();
        Profile last = null;
        Instant lastGrayStep = null;
        Map<String, Integer> eventCounts = new HashMap<>();
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
                last = p;
            } else if (o instanceof ProfileEvent e) {
                Integer before = eventCounts.put(e.uid(), e.count());
                if (e.count() > 1 && (before == null || before < e.count())) {
                    out.add(e.at() + ": UpdateReplicaProfile \"" + e.message() + "\" recorded " + e.count() + " times for one transition");
                }
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
        Map<String, Long> messages = new HashMap<>();
        history.stream().filter(o -> o instanceof ProfileEvent).map(o -> (ProfileEvent) o)
                .map(e -> e.uid() + "\u0000" + e.message()).distinct()
                .forEach(key -> messages.merge(key.substring(key.indexOf('\u0000') + 1), 1L, Long::sum));
        messages.forEach((message, n) -> {
            if (n > 1) {
                out.add("UpdateReplicaProfile \"" + message + "\" recorded as " + n + " events for one transition");
            }
        });
        return out;
    }
}
