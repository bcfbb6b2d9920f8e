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
    public HorizontalPortraitValue previousPortraitValue;
    public HorizontalPortraitValue currentPortraitValue;
    public Gray gray;
    public List<Condition> conditions = new ArrayList<>();

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
