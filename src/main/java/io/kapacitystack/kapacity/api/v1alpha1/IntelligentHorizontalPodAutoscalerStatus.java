package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IntelligentHorizontalPodAutoscalerStatus {
    /** Condition types. */
    public static final String SCALING_ACTIVE = "ScalingActive";
    public static final String SCALING_LIMITED = "ScalingLimited";
    public static final String GRAY_PROGRESSING = "GrayProgressing";

    public HorizontalPortraitValue previousPortraitValue;
    public HorizontalPortraitValue currentPortraitValue;
    public Gray gray;
    public List<Condition> conditions = new ArrayList<>();

    /**
     * A deep copy (an empty status for null), so a planner can change it without touching the object it read. By
     * hand rather than by a JSON round trip: the IHPA planner runs thousands of times a second.
     */
    public static IntelligentHorizontalPodAutoscalerStatus copyOf(IntelligentHorizontalPodAutoscalerStatus s) {
        IntelligentHorizontalPodAutoscalerStatus c = new IntelligentHorizontalPodAutoscalerStatus();
        if (s == null) {
            return c;
        }
        c.currentPortraitValue = HorizontalPortraitValue.copyOf(s.currentPortraitValue);
        c.previousPortraitValue = HorizontalPortraitValue.copyOf(s.previousPortraitValue);
        if (s.gray != null) {
            c.gray = new Gray();
            c.gray.grayPercent = s.gray.grayPercent;
            c.gray.lastUpdateTime = s.gray.lastUpdateTime;
        }
        c.conditions = Conditions.copy(s.conditions);
        return c;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Gray {
        @Required
        @Min(0)
        @Max(100)
        public Integer grayPercent;
        /** RFC 3339 date-time. */
        @Required
        public String lastUpdateTime;

        public Gray() {
        }

        public Gray(int grayPercent, String lastUpdateTime) {
            this.grayPercent = grayPercent;
            this.lastUpdateTime = lastUpdateTime;
        }
    }
}
