package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** How to move from one replica number to another in stages instead of at once. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GrayStrategy {
    /** State of pods in the gray stage: Online for scale-up; Cutoff, Standby or Deleted for scale-down. */
    @Required
    @JsonPropertyDescription("The state pods pass through in a gray scale-down: Cutoff (out of traffic) or Standby (also resources given back).")
    public PodState grayState;
    @Required
    @Min(1)
    @JsonPropertyDescription("Seconds between two gray steps.")
    public Integer changeIntervalSeconds;
    @Required
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Percent of the change made in each gray step.")
    public Integer changePercent;
    @Min(0)
    @JsonPropertyDescription("Seconds to watch after the last step before the change is final.")
    public Integer observationSeconds;

    public GrayStrategy() {
    }

    public GrayStrategy(PodState grayState, int changeIntervalSeconds, int changePercent, Integer observationSeconds) {
        this.grayState = grayState;
        this.changeIntervalSeconds = changeIntervalSeconds;
        this.changePercent = changePercent;
        this.observationSeconds = observationSeconds;
    }
}
