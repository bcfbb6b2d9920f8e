package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/** What a dynamic portrait is made of: its type, the metrics it reads and the algorithm that produces it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortraitSpec {
    /** Reactive, Predictive or Burst (free string). */
    @Required
    public String portraitType;
    public List<MetricSpec> metrics;
    @Required
    public PortraitAlgorithm algorithm;
}
