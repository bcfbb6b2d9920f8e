package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ContainerResourceMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ExternalMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ObjectMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.PodsMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource;

/** autoscaling/v2 MetricSpec with Kapacity's two extra fields, {@code name} and {@code operator}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricSpec {
    /** Identifies the metric; the predictive algorithm uses it as the traffic column name. */
    @JsonPropertyDescription("Kapacity's name of the metric; the predictive algorithm uses it as the traffic column.")
    public String name;
    @JsonPropertyDescription("Kapacity's comparison for stability checkers.")
    public Operator operator;
    /** Object, Pods, Resource, ContainerResource or External. */
    @Required
    @JsonPropertyDescription("The metric source: Object, Pods, Resource, ContainerResource or External.")
    public String type;
    public ObjectMetricSource object;
    public PodsMetricSource pods;
    public ResourceMetricSource resource;
    public ContainerResourceMetricSource containerResource;
    public ExternalMetricSource external;

    public enum Operator {
        @JsonProperty("==") EQUAL,
        @JsonProperty(">") GREATER,
        @JsonProperty("<") LESS,
        @JsonProperty(">=") GREATER_OR_EQUAL,
        @JsonProperty("<=") LESS_OR_EQUAL
    }
}
