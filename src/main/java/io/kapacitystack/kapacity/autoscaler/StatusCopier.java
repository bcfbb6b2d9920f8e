package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;


/** A deep copy of an IHPA status by hand: planners run thousands of times a second, a JSON round trip is too slow. */
final class StatusCopier {

    private StatusCopier() {
    }

    static IntelligentHorizontalPodAutoscalerStatus copy(IntelligentHorizontalPodAutoscalerStatus s) {
        IntelligentHorizontalPodAutoscalerStatus c = new IntelligentHorizontalPodAutoscalerStatus();
        if (s == null) {
            return c;
        }
        c.currentPortraitValue = copy(s.currentPortraitValue);
        c.previousPortraitValue = copy(s.previousPortraitValue);
        if (s.gray != null) {
            c.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray();
            c.gray.grayPercent = s.gray.grayPercent;
            c.gray.lastUpdateTime = s.gray.lastUpdateTime;
        }
        c.conditions = Conditions.copy(s.conditions);
        return c;
    }

    private static HorizontalPortraitValue copy(HorizontalPortraitValue v) {
        return v == null ? null : new HorizontalPortraitValue(v.provider, v.replicas == null ? 0 : v.replicas, v.expireTime);
    }
}
