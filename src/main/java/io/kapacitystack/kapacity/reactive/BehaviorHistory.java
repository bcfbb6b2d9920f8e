package io.kapacitystack.kapacity.reactive;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory history the HPA keeps per autoscaler for its behavior: timestamped raw recommendations (for the
 * stabilization windows) and scale events (for the rate policies). Not thread-safe; one generation of an HP at a
 * time mutates it (the generator locks it).
 */
public final class BehaviorHistory {

    record Recommendation(int replicas, Instant at) {
    }

    record ScaleEvent(int change, Instant at) {
    }

    final List<Recommendation> recommendations = new ArrayList<>();
    final List<ScaleEvent> scaleUpEvents = new ArrayList<>();
    final List<ScaleEvent> scaleDownEvents = new ArrayList<>();
    private Integer lastFrom;
    private Integer lastTo;

    /**
     * Records the unstabilized recommendation, dropping samples older than both windows (upstream reuses such a
     * slot; the windows only ever read samples newer than their cutoff, so the result is the same).
     */
    void recordRecommendation(int replicas, Instant now, Instant upCutoff, Instant downCutoff) {
        recommendations.removeIf(r -> r.at().isBefore(upCutoff) && r.at().isBefore(downCutoff));
        recommendations.add(new Recommendation(replicas, now));
    }

    /**
     * Records a scale from {@code from} to {@code to} (upstream {@code storeScaleEvent}); events older than the
     * longest policy period of their direction are dropped (upstream marks them outdated and reuses the slot). The
     * same unapplied change reported again by the next generation (same current and same recommendation) is not
     * recorded twice.
     */
    void recordScale(HpaBehavior behavior, int from, int to, Instant now) {
        if (from == to || (lastFrom != null && lastFrom == from && lastTo == to)) {
            return;
        }
        lastFrom = from;
        lastTo = to;
        boolean up = to > from;
        List<ScaleEvent> events = up ? scaleUpEvents : scaleDownEvents;
        int longest = (up ? behavior.scaleUp() : behavior.scaleDown()).longestPolicyPeriod();
        Instant cutoff = now.minusSeconds(longest);
        events.removeIf(e -> e.at().isBefore(cutoff));
        events.add(new ScaleEvent(Math.abs(to - from), now));
    }

    /** Sum of the changes recorded strictly after {@code now - periodSeconds}. */
    static int changeInPeriod(List<ScaleEvent> events, int periodSeconds, Instant now) {
        Instant cutoff = now.minusSeconds(periodSeconds);
        int sum = 0;
        for (ScaleEvent e : events) {
            if (e.at().isAfter(cutoff)) {
                sum += e.change();
            }
        }
        return sum;
    }

    /** Number of stored recommendations and events (tests and memory bounds). */
    int size() {
        return recommendations.size() + scaleUpEvents.size() + scaleDownEvents.size();
    }
}
