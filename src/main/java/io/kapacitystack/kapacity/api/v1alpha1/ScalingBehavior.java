package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Behavior of one scaling direction. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalingBehavior {
    public Boolean disabled;
    public GrayStrategy grayStrategy;

    public boolean isDisabled() {
        return Boolean.TRUE.equals(disabled);
    }
}
