package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IntelligentHorizontalPodAutoscalerBehavior {
    public ScalingBehavior scaleUp;
    public ScalingBehavior scaleDown;
    /** Copied to the ReplicaProfile. */
    public ReplicaProfileBehavior replicaProfile;
}
