package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.Gray;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import java.time.Duration;
import java.time.Instant;

/**
 * Kapacity's gray (staged) change from the previous portrait value P to the current one C, as a pure function.
 * Each step moves {@code changePercent} of |C - P| more pods, every {@code changeIntervalSeconds}; scale-down steps
 * park the moved pods in the strategy's gray state until {@code observationSeconds} after reaching 100 %.
 * Unlike upstream, every step names its due time, so the controller wakes for it instead of hoping for an unrelated
 * event (upstream stalls when a step leaves the numbers unchanged), and a missing gray status starts a new gray
 * instead of crashing.
 */
public final class GrayPlanner {

    private GrayPlanner() {
    }

    public static GrayStrategy activeStrategy(IntelligentHorizontalPodAutoscalerBehavior behavior, int previous, int current) {
        if (behavior == null || previous == current) {
            return null;
        }
        if (current > previous) {
            return behavior.scaleUp == null ? null : behavior.scaleUp.grayStrategy;
        }
        return behavior.scaleDown == null ? null : behavior.scaleDown.grayStrategy;
    }

    /** The outcome of one evaluation: the replica numbers, the new gray status (null: unchanged), the next due time. */
    public static final class Step {
        public final ReplicaCounts data;
        public final Gray gray;
        public final Instant dueAt;
        public final boolean finished;

        Step(ReplicaCounts data, Gray gray, Instant dueAt, boolean finished) {
            this.data = data;
            this.gray = gray;
            this.dueAt = dueAt;
            this.finished = finished;
        }
    }

    public static Step step(GrayStrategy strategy, Gray gray, int previous, int current, Instant now) {
        if (gray == null || gray.grayPercent == null) {
            gray = new Gray(0, KubeTime.format(now));
        }
        int percent = Math.max(0, Math.min(100, gray.grayPercent));
        Instant last = KubeTime.parse(gray.lastUpdateTime);
        if (last == null) {
            last = now;
        }
        long waitSeconds = percent == 0 ? 0
                : percent == 100 ? nonNegative(strategy.observationSeconds) : nonNegative(strategy.changeIntervalSeconds);
        Instant due = last.plus(Duration.ofSeconds(waitSeconds));
        boolean dueNow = !now.isBefore(due);
        if (percent == 100 && dueNow) {
            return new Step(new ReplicaCounts(current, 0, 0), null, null, true);
        }
        int newPercent = percent;
        Gray newGray = null;
        Instant nextDue = due;
        if (dueNow) {
            newPercent = Math.min(100, percent + Math.max(1, nonNegative(strategy.changePercent)));
            newGray = new Gray(newPercent, KubeTime.format(now));
            long nextWait = newPercent == 100 ? nonNegative(strategy.observationSeconds)
                    : nonNegative(strategy.changeIntervalSeconds);
            // Persisted times are whole seconds; plan from the truncated instant so a restart computes the same due time.
            nextDue = KubeTime.parse(newGray.lastUpdateTime).plus(Duration.ofSeconds(nextWait));
        }
        int diff = Math.abs(current - previous);
        int grayReplicas = Math.max(1, diff * newPercent / 100);
        ReplicaCounts data;
        if (current > previous) {
            data = new ReplicaCounts(previous + grayReplicas, 0, 0);
        } else {
            int online = previous - grayReplicas;
            switch (strategy.grayState == null ? PodState.Deleted : strategy.grayState) {
                case Cutoff:
                    data = new ReplicaCounts(online, grayReplicas, 0);
                    break;
                case Standby:
                    data = new ReplicaCounts(online, 0, grayReplicas);
                    break;
                default:
                    data = new ReplicaCounts(online, 0, 0);
            }
        }
        return new Step(data, newGray, nextDue, false);
    }

    private static int nonNegative(Integer v) {
        return v == null ? 0 : Math.max(0, v);
    }
}
