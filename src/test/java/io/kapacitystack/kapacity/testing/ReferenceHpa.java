package io.kapacitystack.kapacity.testing;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The HPA controller's decision for one Resource Utilization metric (the HPA's first), transcribed from Kubernetes
 * independently of this project's reactive code: pkg/controller/podautoscaler/replica_calculator.go (the usage ratio
 * of a truncated percentage, the per-direction tolerances, unready pods counted as zero on a scale-up and the ratio
 * taken again, ceil(ratio * measured pods)) and horizontal.go (stabilizeRecommendationWithBehaviors, then
 * convertDesiredReplicasWithBehaviorRate with every policy and the select policy). Both directions of the HPA's
 * behavior must be given. Stateful like the controller: {@link #peek} computes, {@link #commit} records it.
 */
public final class ReferenceHpa {

    /** What the controller measured: the pods that counted, their usage summed, each one's request, the unready. */
    public record Readings(int measuredPods, long usageSumMilli, long requestPerPodMilli, int unreadyPods) {
    }

    /** The replica calculator's recommendation and the replicas after the behavior. */
    public record Decision(int desired, int replicas) {
    }

    private final HorizontalPodAutoscaler hpa;
    private final double clusterTolerance;
    private final List<long[]> recommendations = new ArrayList<>();   // {epochSecond, replicas}
    private final List<long[]> scaleUpEvents = new ArrayList<>();     // {epochSecond, added}
    private final List<long[]> scaleDownEvents = new ArrayList<>();   // {epochSecond, removed}

    /** {@code clusterTolerance}: kube-controller-manager's --horizontal-pod-autoscaler-tolerance. */
    public ReferenceHpa(HorizontalPodAutoscaler hpa, double clusterTolerance) {
        this.hpa = hpa;
        this.clusterTolerance = clusterTolerance;
    }

    /** One sync with every pod ready and measured at the same use: decided and recorded. */
    public int step(int current, long usagePerPod, long requestPerPod, Instant now) {
        Decision d = peek(current, new Readings(current, usagePerPod * current, requestPerPod, 0), now);
        commit(current, d, now);
        return d.replicas();
    }

    /** What the controller would decide at {@code now} from {@code current} replicas, without recording it. */
    public Decision peek(int current, Readings r, Instant now) {
        int desired = desired(current, r);
        int stabilized = stabilized(current, desired, now.getEpochSecond());
        return new Decision(desired, withinRate(current, stabilized, now.getEpochSecond()));
    }

    /** Records a decision as the controller does: the recommendation, and the scale change as an event. */
    public void commit(int current, Decision d, Instant now) {
        long t = now.getEpochSecond();
        long longest = Math.max(rules(true).getStabilizationWindowSeconds(), rules(false).getStabilizationWindowSeconds());
        recommendations.removeIf(r -> r[0] <= t - longest);
        recommendations.add(new long[] {t, d.desired()});
        if (d.replicas() > current) {
            scaleUpEvents.add(new long[] {t, d.replicas() - current});
        } else if (d.replicas() < current) {
            scaleDownEvents.add(new long[] {t, current - d.replicas()});
        }
    }

    private int desired(int current, Readings r) {
        int target = hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization();
        long utilization = r.usageSumMilli() * 100 / (r.requestPerPodMilli() * r.measuredPods());
        double ratio = (double) utilization / target;
        if (r.unreadyPods() == 0 || ratio <= 1.0) {
            return within(ratio) ? current : (int) Math.ceil(ratio * r.measuredPods());
        }
        int counted = r.measuredPods() + r.unreadyPods();
        long rebalanced = r.usageSumMilli() * 100 / (r.requestPerPodMilli() * counted);
        double newRatio = (double) rebalanced / target;
        if (within(newRatio) || newRatio < 1.0) {
            return current;
        }
        int replicas = (int) Math.ceil(newRatio * counted);
        return replicas < current ? current : replicas;
    }

    private boolean within(double ratio) {
        return ratio >= 1.0 - tolerance(rules(false)) && ratio <= 1.0 + tolerance(rules(true));
    }

    private double tolerance(HPAScalingRules rules) {
        Quantity t = rules.getTolerance();
        return t == null ? clusterTolerance : t.getNumericalAmount().doubleValue();
    }

    private int stabilized(int current, int desired, long t) {
        int up = desired;
        int down = desired;
        for (long[] r : recommendations) {
            if (r[0] > t - rules(true).getStabilizationWindowSeconds()) {
                up = (int) Math.min(up, r[1]);
            }
            if (r[0] > t - rules(false).getStabilizationWindowSeconds()) {
                down = (int) Math.max(down, r[1]);
            }
        }
        int stabilized = current;
        if (stabilized < up) {
            stabilized = up;
        }
        if (stabilized > down) {
            stabilized = down;
        }
        return stabilized;
    }

    private int withinRate(int current, int stabilized, long t) {
        int min = hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
        int max = hpa.getSpec().getMaxReplicas();
        int result = stabilized;
        if (stabilized > current) {
            result = Math.min(stabilized, Math.min(Math.max(current, scaleUpLimit(current, t)), max));
        } else if (stabilized < current) {
            result = Math.max(stabilized, Math.max(Math.min(current, scaleDownLimit(current, t)), min));
        }
        return Math.max(min, Math.min(max, result));
    }

    private int scaleUpLimit(int current, long t) {
        HPAScalingRules rules = rules(true);
        if ("Disabled".equals(rules.getSelectPolicy())) {
            return current;
        }
        boolean min = "Min".equals(rules.getSelectPolicy());
        int limit = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (HPAScalingPolicy p : rules.getPolicies()) {
            int periodStart = (int) (current - sum(scaleUpEvents, p, t) + sum(scaleDownEvents, p, t));
            int proposed = "Pods".equals(p.getType()) ? periodStart + p.getValue()
                    : (int) Math.ceil(periodStart * (1 + p.getValue() / 100.0));
            limit = min ? Math.min(limit, proposed) : Math.max(limit, proposed);
        }
        return limit;
    }

    private int scaleDownLimit(int current, long t) {
        HPAScalingRules rules = rules(false);
        if ("Disabled".equals(rules.getSelectPolicy())) {
            return current;
        }
        boolean min = "Min".equals(rules.getSelectPolicy());
        int limit = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (HPAScalingPolicy p : rules.getPolicies()) {
            int periodStart = (int) (current + sum(scaleDownEvents, p, t) - sum(scaleUpEvents, p, t));
            int proposed = "Pods".equals(p.getType()) ? periodStart - p.getValue()
                    : (int) (periodStart * (1 - p.getValue() / 100.0));
            limit = min ? Math.max(limit, proposed) : Math.min(limit, proposed);
        }
        return limit;
    }

    private static long sum(List<long[]> events, HPAScalingPolicy p, long t) {
        return events.stream().filter(e -> e[0] > t - p.getPeriodSeconds()).mapToLong(e -> e[1]).sum();
    }

    private HPAScalingRules rules(boolean up) {
        var b = hpa.getSpec().getBehavior();
        HPAScalingRules rules = up ? b.getScaleUp() : b.getScaleDown();
        if (rules == null || rules.getPolicies() == null || rules.getStabilizationWindowSeconds() == null) {
            throw new IllegalArgumentException("the reference needs each direction's policies and window written out");
        }
        return rules;
    }
}
