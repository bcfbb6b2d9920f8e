package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;

import java.util.ArrayList;
import java.util.List;

/**
 * autoscaling/v2 behavior with Kubernetes' defaults filled in (as the API server's defaulting does for an HPA):
 * scale-up window 0 s, policies {@code Percent 100 / 15 s} and {@code Pods 4 / 15 s}, {@code Max}; scale-down window
 * 300 s, policy {@code Percent 100 / 15 s}, {@code Max}. Fields given in the spec are used as they are.
 */
public record HpaBehavior(Rules scaleUp, Rules scaleDown) {

    public enum Select { MAX, MIN, DISABLED }

    public enum PolicyType { PODS, PERCENT }

    public record Policy(PolicyType type, int value, int periodSeconds) {
    }

    public record Rules(int stabilizationWindowSeconds, Select selectPolicy, List<Policy> policies) {
        public Rules {
            policies = List.copyOf(policies);
        }

        int longestPolicyPeriod() {
            int longest = 0;
            for (Policy p : policies) {
                longest = Math.max(longest, p.periodSeconds());
            }
            return longest;
        }
    }

    public static final Rules DEFAULT_SCALE_UP = new Rules(0, Select.MAX,
            List.of(new Policy(PolicyType.PERCENT, 100, 15), new Policy(PolicyType.PODS, 4, 15)));
    public static final Rules DEFAULT_SCALE_DOWN = new Rules(300, Select.MAX,
            List.of(new Policy(PolicyType.PERCENT, 100, 15)));

    /** The behavior with defaults; null when {@code b} is null (no behavior configured). */
    public static HpaBehavior of(HorizontalPodAutoscalerBehavior b) {
        if (b == null) {
            return null;
        }
        return new HpaBehavior(rules(b.getScaleUp(), DEFAULT_SCALE_UP), rules(b.getScaleDown(), DEFAULT_SCALE_DOWN));
    }

    private static Rules rules(HPAScalingRules r, Rules defaults) {
        if (r == null) {
            return defaults;
        }
        int window = r.getStabilizationWindowSeconds() != null ? r.getStabilizationWindowSeconds()
                : defaults.stabilizationWindowSeconds();
        Select select = defaults.selectPolicy();
        if (r.getSelectPolicy() != null) {
            select = switch (r.getSelectPolicy()) {
                case "Min" -> Select.MIN;
                case "Disabled" -> Select.DISABLED;
                case "Max" -> Select.MAX;
                default -> throw new IllegalArgumentException("unknown selectPolicy \"" + r.getSelectPolicy()
                        + "\" (want Max, Min or Disabled)");
            };
        }
        List<Policy> policies = defaults.policies();
        if (r.getPolicies() != null && !r.getPolicies().isEmpty()) {
            policies = new ArrayList<>();
            for (HPAScalingPolicy p : r.getPolicies()) {
                PolicyType type = switch (String.valueOf(p.getType())) {
                    case "Pods" -> PolicyType.PODS;
                    case "Percent" -> PolicyType.PERCENT;
                    default -> throw new IllegalArgumentException("unknown scaling policy type \"" + p.getType()
                            + "\" (want Pods or Percent)");
                };
                policies.add(new Policy(type, p.getValue() == null ? 0 : p.getValue(),
                        p.getPeriodSeconds() == null ? 0 : p.getPeriodSeconds()));
            }
        }
        return new Rules(window, select, policies);
    }
}
