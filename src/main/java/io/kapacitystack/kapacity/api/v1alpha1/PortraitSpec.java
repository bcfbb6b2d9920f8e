package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** What a dynamic portrait is made of: its type, the metrics it reads and the algorithm that produces it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortraitSpec {
    /** Reactive, Predictive or Burst (free string). */
    @Required
    @JsonPropertyDescription("Reactive (metrics now, the Kubernetes HPA algorithm), Predictive (forecast traffic) or Burst.")
    public String portraitType;
    @JsonPropertyDescription("The metrics the portrait is computed from, as autoscaling/v2 metric specs (plus Kapacity's name and operator).")
    public List<MetricSpec> metrics;
    @Required
    @JsonPropertyDescription("The algorithm and its settings: KubeHPA (in process) or ExternalJob (a CronJob writing its result).")
    public PortraitAlgorithm algorithm;
}
