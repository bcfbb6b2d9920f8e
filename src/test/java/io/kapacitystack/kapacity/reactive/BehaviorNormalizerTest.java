package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicyBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRulesBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehaviorBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** autoscaling/v2 behavior as the v1.25 HPA applies it, driven with successive {@code now} values. */
class BehaviorNormalizerTest {

    private static HPAScalingRules rules(Integer window, String select, Object... policies) {
        HPAScalingRulesBuilder b = new HPAScalingRulesBuilder().withStabilizationWindowSeconds(window).withSelectPolicy(select);
        for (int i = 0; i < policies.length; i += 3) {
            b.addToPolicies(new HPAScalingPolicyBuilder().withType((String) policies[i]).withValue((Integer) policies[i + 1])
                    .withPeriodSeconds((Integer) policies[i + 2]).build());
        }
        return b.build();
    }

    private static HpaBehavior behavior(HPAScalingRules up, HPAScalingRules down) {
        return HpaBehavior.of(new HorizontalPodAutoscalerBehaviorBuilder().withScaleUp(up).withScaleDown(down).build());
    }

    /**
     * Runs syncs every {@code stepSeconds} from NOW with a constant desired count, applying each result (current
     * follows the recommendation), and returns the recommendations.
     */
    private static List<Integer> drive(HpaBehavior b, int current, int desired, int min, int max, int stepSeconds, int steps) {
        BehaviorHistory h = new BehaviorHistory();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            Instant now = NOW.plusSeconds((long) i * stepSeconds);
            current = BehaviorNormalizer.normalize(h, b, current, desired, min, max, now).replicas();
            out.add(current);
        }
        return out;
    }

    @Test
    void workedExamplePods4Per30sAndPercent10Per60s() {
        HpaBehavior b = behavior(null, rules(0, "Max", "Pods", 4, 30, "Percent", 10, 60));
        List<Integer> got = drive(b, 80, 20, 20, 100, 15, 30);
        // t=0: max(80-4, int(80*0.9)=72) change -> 72 (8 removed). Kubernetes then holds for the 30 s Pods period;
        // from 76 pods down Pods 4/30 s removes more than 10 %/60 s, so 4 go every 30 s: t=30 68, t=60 64, ... t=390 20.
        List<Integer> want = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int t = i * 15;
            want.add(Math.max(20, 72 - 4 * (t / 30)));
        }
        assertEquals(want, got);
        assertEquals(List.of(72, 72, 68, 68, 64, 64, 60), got.subList(0, 7));
    }

    @Test
    void kubernetesDocsExamplePods4AndPercent10Per60s() {
        // the example in the Kubernetes HPA docs: 80 -> 72 (8) -> 64 (7.2 taken as 8) ... and below 40 four at a time
        HpaBehavior b = behavior(null, rules(0, "Max", "Pods", 4, 60, "Percent", 10, 60));
        assertEquals(List.of(72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 20, 20),
                drive(b, 80, 20, 20, 100, 60, 13));
    }

    @Test
    void scaleDownLimitConditions() {
        HpaBehavior b = behavior(null, rules(0, "Max", "Pods", 4, 30, "Percent", 10, 60));
        BehaviorHistory h = new BehaviorHistory();
        BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(h, b, 80, 20, 20, 100, NOW);
        assertEquals(72, n.replicas());
        assertEquals(new HpaCondition("ScalingLimited", true, "ScaleDownLimit",
                "the desired replica count is decreasing faster than the maximum scale rate"), n.scalingLimited());
        assertEquals(new HpaCondition("AbleToScale", true, "ReadyForNewScale", "recommended size matches current size"),
                n.ableToScale());
        // at the minimum and desired there: within range
        n = BehaviorNormalizer.normalize(new BehaviorHistory(), b, 20, 20, 20, 100, NOW);
        assertEquals(new HpaCondition("ScalingLimited", false, "DesiredWithinRange",
                "the desired count is within the acceptable range"), n.scalingLimited());
    }

    @Test
    void scaleDownStabilizationKeepsTheHighestRecentRecommendation() {
        HpaBehavior b = behavior(null, null); // defaults: scale-down window 300 s, Percent 100 / 15 s
        BehaviorHistory h = new BehaviorHistory();
        assertEquals(10, BehaviorNormalizer.normalize(h, b, 10, 10, 1, 100, NOW).replicas());
        int current = 10;
        for (int t = 15; t < 300; t += 15) {
            BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(h, b, current, 5, 1, 100, NOW.plusSeconds(t));
            assertEquals(10, n.replicas(), "t=" + t);
            assertEquals("ScaleDownStabilized", n.ableToScale().reason());
            assertEquals("recent recommendations were higher than current one, applying the highest recent recommendation",
                    n.ableToScale().message());
        }
        // the 10 recorded at t=0 leaves the window (only samples strictly after now-300s count)
        assertEquals(5, BehaviorNormalizer.normalize(h, b, current, 5, 1, 100, NOW.plusSeconds(300)).replicas());
    }

    @Test
    void scaleUpStabilizationKeepsTheLowestRecentRecommendation() {
        HpaBehavior b = behavior(rules(60, null), null);
        BehaviorHistory h = new BehaviorHistory();
        assertEquals(5, BehaviorNormalizer.normalize(h, b, 5, 5, 1, 100, NOW).replicas());
        for (int t = 15; t < 60; t += 15) {
            BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(h, b, 5, 10, 1, 100, NOW.plusSeconds(t));
            assertEquals(5, n.replicas(), "t=" + t);
            assertEquals(new HpaCondition("AbleToScale", true, "ScaleUpStabilized",
                    "recent recommendations were lower than current one, applying the lowest recent recommendation"), n.ableToScale());
        }
        // default scale-up policies: max(Percent 100 -> 10, Pods 4 -> 9) = 10
        assertEquals(10, BehaviorNormalizer.normalize(h, b, 5, 10, 1, 100, NOW.plusSeconds(60)).replicas());
    }

    @Test
    void selectPolicyMaxMinDisabledOnScaleUp() {
        HPAScalingRules max = rules(0, "Max", "Pods", 4, 60, "Percent", 100, 60);
        HPAScalingRules min = rules(0, "Min", "Pods", 4, 60, "Percent", 100, 60);
        HPAScalingRules off = rules(0, "Disabled", "Pods", 4, 60, "Percent", 100, 60);
        assertEquals(20, BehaviorNormalizer.normalize(new BehaviorHistory(), behavior(max, null), 10, 50, 1, 100, NOW).replicas());
        BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(new BehaviorHistory(), behavior(min, null), 10, 50, 1, 100, NOW);
        assertEquals(14, n.replicas());
        assertEquals(new HpaCondition("ScalingLimited", true, "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate"), n.scalingLimited());
        assertEquals(10, BehaviorNormalizer.normalize(new BehaviorHistory(), behavior(off, null), 10, 50, 1, 100, NOW).replicas());
    }

    @Test
    void selectPolicyMinAndDisabledOnScaleDown() {
        HPAScalingRules min = rules(0, "Min", "Pods", 4, 60, "Percent", 50, 60);
        HPAScalingRules off = rules(0, "Disabled");
        // Min change on scale-down = the highest proposal: max(20-4, int(20*0.5)) = 16
        assertEquals(16, BehaviorNormalizer.normalize(new BehaviorHistory(), behavior(null, min), 20, 2, 1, 100, NOW).replicas());
        BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(new BehaviorHistory(), behavior(null, off), 20, 2, 1, 100, NOW);
        assertEquals(20, n.replicas());
        assertEquals("ScaleDownLimit", n.scalingLimited().reason());
    }

    @Test
    void scaleUpRateOverPeriods() {
        HpaBehavior b = behavior(rules(0, "Max", "Pods", 4, 60), null);
        // 4 pods per 60 s: 14 at once, nothing more until the event ages out, then 18
        assertEquals(List.of(14, 14, 14, 14, 18, 18, 18, 18, 22), drive(b, 10, 100, 1, 100, 15, 9));
    }

    @Test
    void boundsAreAppliedLikeTheHpa() {
        HpaBehavior b = behavior(null, rules(0, null));
        BehaviorNormalizer.Normalized n = BehaviorNormalizer.normalize(new BehaviorHistory(), b, 10, 50, 1, 15, NOW);
        assertEquals(15, n.replicas());
        assertEquals(new HpaCondition("ScalingLimited", true, "TooManyReplicas",
                "the desired replica count is more than the maximum replica count"), n.scalingLimited());
        n = BehaviorNormalizer.normalize(new BehaviorHistory(), b, 5, 1, 3, 15, NOW);
        assertEquals(3, n.replicas());
        assertEquals(new HpaCondition("ScalingLimited", true, "TooFewReplicas",
                "the desired replica count is less than the minimum replica count"), n.scalingLimited());
        // a current count above max is brought back even when the metrics want to stay
        n = BehaviorNormalizer.normalize(new BehaviorHistory(), b, 30, 30, 1, 20, NOW);
        assertEquals(20, n.replicas());
        assertEquals("TooManyReplicas", n.scalingLimited().reason());
    }

    @Test
    void clampOnlyWithoutBehavior() {
        assertEquals(7, BehaviorNormalizer.clampOnly(7, 1, 10).replicas());
        assertFalse(BehaviorNormalizer.clampOnly(7, 1, 10).scalingLimited().status());
        assertEquals(10, BehaviorNormalizer.clampOnly(70, 1, 10).replicas());
        assertTrue(BehaviorNormalizer.clampOnly(70, 1, 10).scalingLimited().status());
        assertEquals(3, BehaviorNormalizer.clampOnly(1, 3, 10).replicas());
        assertEquals("SucceededGetScale", BehaviorNormalizer.clampOnly(1, 3, 10).ableToScale().reason());
    }

    @Test
    void historyStaysBounded() {
        HpaBehavior b = behavior(null, null); // longest window 300 s
        BehaviorHistory h = new BehaviorHistory();
        int current = 10;
        for (int i = 0; i < 1000; i++) {
            current = BehaviorNormalizer.normalize(h, b, current, i % 2 == 0 ? 10 : 12, 1, 100, NOW.plusSeconds(15L * i)).replicas();
        }
        assertTrue(h.size() < 60, "history size " + h.size());
    }

    @Test
    void defaultsAreFilledLikeKubernetes() {
        HpaBehavior d = HpaBehavior.of(new HorizontalPodAutoscalerBehavior());
        assertEquals(HpaBehavior.DEFAULT_SCALE_UP, d.scaleUp());
        assertEquals(HpaBehavior.DEFAULT_SCALE_DOWN, d.scaleDown());
        HpaBehavior partial = behavior(rules(null, "Min"), rules(null, null, "Pods", 1, 60));
        assertEquals(new HpaBehavior.Rules(0, HpaBehavior.Select.MIN, HpaBehavior.DEFAULT_SCALE_UP.policies()), partial.scaleUp());
        assertEquals(new HpaBehavior.Rules(300, HpaBehavior.Select.MAX,
                List.of(new HpaBehavior.Policy(HpaBehavior.PolicyType.PODS, 1, 60))), partial.scaleDown());
        assertThrows(IllegalArgumentException.class, () -> behavior(rules(null, "Fastest"), null));
    }
}
