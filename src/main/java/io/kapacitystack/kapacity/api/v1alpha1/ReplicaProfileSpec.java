package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

import java.util.Objects;

/** How many pods of the target should be in each state. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaProfileSpec {
    @Required
    @JsonPropertyDescription("The workload whose pods this profile manages.")
    public CrossVersionObjectReference scaleTargetRef;
    @Default("0")
    @Min(0)
    @JsonPropertyDescription("Pods serving traffic.")
    public Integer onlineReplicas;
    @Default("0")
    @Min(0)
    @JsonPropertyDescription("Pods kept running without traffic.")
    public Integer cutoffReplicas;
    @Default("0")
    @Min(0)
    @JsonPropertyDescription("Pods kept without traffic and with their resources given back.")
    public Integer standbyReplicas;
    @JsonPropertyDescription("When true, the profile changes nothing.")
    public Boolean paused;
    /** Which changes of the online replica number are allowed. */
    @Default("Both")
    @JsonPropertyDescription("Both, Up, Down or Neither: the directions the profile may move the workload.")
    public ScalingDirection allowedScalingDirection;
    @JsonPropertyDescription("How pods are chosen and moved between states.")
    public ReplicaProfileBehavior behavior;

    public enum ScalingDirection { Both, Neither, Up, Down }

    public int online() {
        return onlineReplicas == null ? 0 : onlineReplicas;
    }

    public int cutoff() {
        return cutoffReplicas == null ? 0 : cutoffReplicas;
    }

    public int standby() {
        return standbyReplicas == null ? 0 : standbyReplicas;
    }

    public boolean isPaused() {
        return Boolean.TRUE.equals(paused);
    }

    public ScalingDirection direction() {
        return allowedScalingDirection == null ? ScalingDirection.Both : allowedScalingDirection;
    }

    /** True if the replica numbers (not the behavior) are the same. */
    public boolean sameNumbers(ReplicaProfileSpec o) {
        return o != null && online() == o.online() && cutoff() == o.cutoff() && standby() == o.standby();
    }

    @Override
    public String toString() {
        return "online=" + online() + " cutoff=" + cutoff() + " standby=" + standby()
                + (isPaused() ? " paused" : "") + " direction=" + direction();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplicaProfileSpec && Objects.equals(toString(), o.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
