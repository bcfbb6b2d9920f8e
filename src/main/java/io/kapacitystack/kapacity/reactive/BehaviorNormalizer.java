package io.kapacitystack.kapacity.reactive;

import java.time.Instant;

/**
 * The HPA's normalization of a metric-based recommendation (Kubernetes v1.25 {@code horizontal.go}): stabilization
 * windows ({@code stabilizeRecommendationWithBehaviors}), scale-rate policies
 * ({@code convertDesiredReplicasWithBehaviorRate}) and min/max bounds, with the {@code AbleToScale} and
 * {@code ScalingLimited} conditions the HPA sets. Pure apart from the {@link BehaviorHistory} it is given.
 */
public final class BehaviorNormalizer {

    public static final String SUCCEEDED_GET_SCALE = "the HPA controller was able to get the target's current scale";

    private BehaviorNormalizer() {
    }

    /** The final recommendation with the two conditions describing how it was reached. */
    public record Normalized(int replicas, HpaCondition ableToScale, HpaCondition scalingLimited) {
    }

    /**
     * Applies {@code behavior} (non-null) to {@code desired} and records the recommendation and, if the result
     * differs from {@code current}, the scale event (assuming the recommendation is applied).
     */
    public static Normalized normalize(BehaviorHistory history, HpaBehavior behavior, int current, int desired,
                                       int min, int max, Instant now) {
        int stabilized = stabilize(history, behavior, current, desired, now);
        HpaCondition able = ableToScale(current, desired, stabilized);
        Limited limited = limitRateAndBounds(history, behavior, current, stabilized, min, max, now);
        HpaCondition scalingLimited = new HpaCondition(HpaCondition.SCALING_LIMITED, limited.replicas() != stabilized,
                limited.reason(), limited.message());
        history.recordScale(behavior, current, limited.replicas(), now);
        return new Normalized(limited.replicas(), able, scalingLimited);
    }

    /**
     * Upstream's {@code stabilizeRecommendationWithBehaviors}: the current count moved towards {@code desired} no
     * further than the lowest recommendation in the scale-up window and the highest in the scale-down window; records
     * {@code desired} as a recommendation.
     */
    private static int stabilize(BehaviorHistory history, HpaBehavior behavior, int current, int desired,
                                 Instant now) {
        Instant upCutoff = now.minusSeconds(behavior.scaleUp().stabilizationWindowSeconds());
        Instant downCutoff = now.minusSeconds(behavior.scaleDown().stabilizationWindowSeconds());
        int upRecommendation = desired;
        int downRecommendation = desired;
        for (BehaviorHistory.Recommendation r : history.recommendations) {
            if (r.at().isAfter(upCutoff)) {
                upRecommendation = Math.min(r.replicas(), upRecommendation);
            }
            if (r.at().isAfter(downCutoff)) {
                downRecommendation = Math.max(r.replicas(), downRecommendation);
            }
        }
        int stabilized = current;
        if (stabilized < upRecommendation) {
            stabilized = upRecommendation;
        }
        if (stabilized > downRecommendation) {
            stabilized = downRecommendation;
        }
        history.recordRecommendation(desired, now, upCutoff, downCutoff);
        return stabilized;
    }

    private static HpaCondition ableToScale(int current, int desired, int stabilized) {
        if (stabilized == desired) {
            return new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size");
        }
        return desired >= current
                ? new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation")
                : new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation");
    }

    /** The count after rate limits and bounds, with the {@code ScalingLimited} reason and message explaining it. */
    private record Limited(int replicas, String reason, String message) {
    }

    /**
     * Upstream's {@code convertDesiredReplicasWithBehaviorRate}: the rate limit and bound in the direction of the
     * change, then both bounds.
     */
    private static Limited limitRateAndBounds(BehaviorHistory history, HpaBehavior behavior, int current,
                                              int stabilized, int min, int max, Instant now) {
        Limited limited = new Limited(stabilized, "DesiredWithinRange", "the desired count is within the acceptable range");
        if (stabilized > current) {
            int limit = scaleUpLimit(current, history, behavior.scaleUp(), now);
            if (limit < current) {
                limit = current; // no further scale-up until old events age out
            }
            Limited allowed = max > limit
                    ? new Limited(limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                    : new Limited(max, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
            if (stabilized > allowed.replicas()) {
                limited = allowed;
            }
        } else if (stabilized < current) {
            int limit = scaleDownLimit(current, history, behavior.scaleDown(), now);
            if (limit > current) {
                limit = current;
            }
            Limited allowed = min < limit
                    ? new Limited(limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                    : new Limited(min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
            if (stabilized < allowed.replicas()) {
                limited = allowed;
            }
        }
        // a current count outside the bounds is brought back into them (upstream does this before any metric)
        if (limited.replicas() > max) {
            return new Limited(max, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
        }
        if (limited.replicas() < min) {
            return new Limited(min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }
        return limited;
    }

    /** Without behavior (Kapacity's own semantics): the raw recommendation, only clamped to the bounds. */
    public static Normalized clampOnly(int desired, int min, int max) {
        int result = desired;
        String reason = "DesiredWithinRange";
        String message = "the desired count is within the acceptable range";
        if (desired > max) {
            result = max;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        } else if (desired < min) {
            result = min;
            reason = "TooFewReplicas";
            message = "the desired replica count is less than the minimum replica count";
        }
        return new Normalized(result,
                new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "SucceededGetScale", SUCCEEDED_GET_SCALE),
                new HpaCondition(HpaCondition.SCALING_LIMITED, result != desired, reason, message));
    }

    static int scaleUpLimit(int current, BehaviorHistory h, HpaBehavior.Rules rules, Instant now) {
        return policyLimit(current, h, rules, now, true);
    }

    static int scaleDownLimit(int current, BehaviorHistory h, HpaBehavior.Rules rules, Instant now) {
        return policyLimit(current, h, rules, now, false);
    }

    /**
     * The replica limit the direction's policies allow from the count at the start of each policy's period (upstream
     * {@code calculateScaleUpLimitWithScalingRules} / {@code calculateScaleDownLimitWithBehaviors} in
     * pkg/controller/podautoscaler/horizontal.go). {@code Max} picks the policy allowing the largest change, which is
     * the highest limit up and the lowest down; {@code Min} the smallest change.
     */
    private static int policyLimit(int current, BehaviorHistory h, HpaBehavior.Rules rules, Instant now, boolean up) {
        if (rules.selectPolicy() == HpaBehavior.Select.DISABLED) {
            return current;
        }
        boolean minChange = rules.selectPolicy() == HpaBehavior.Select.MIN;
        boolean pickHigher = up != minChange;
        int result = pickHigher ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (HpaBehavior.Policy p : rules.policies()) {
            int added = BehaviorHistory.changeInPeriod(h.scaleUpEvents, p.periodSeconds(), now);
            int deleted = BehaviorHistory.changeInPeriod(h.scaleDownEvents, p.periodSeconds(), now);
            long periodStart = (long) current - added + deleted;
            int proposed;
            if (up) {
                proposed = p.type() == HpaBehavior.PolicyType.PODS
                        ? toInt(periodStart + p.value())
                        : (int) Math.ceil(periodStart * (1 + p.value() / 100.0));
            } else {
                proposed = p.type() == HpaBehavior.PolicyType.PODS
                        ? toInt(periodStart - p.value())
                        : (int) (periodStart * (1 - p.value() / 100.0));
            }
            result = pickHigher ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    /** A replica count held within int32 (a count near its maximum plus a policy's pods must not wrap negative). */
    private static int toInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }
}
