package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HorizontalPortraitSpec extends PortraitSpec {
    @Required
    @JsonPropertyDescription("The workload the portrait is computed for.")
    public CrossVersionObjectReference scaleTargetRef;
    /** When set, another system fills this portrait's status and the controller leaves it alone. */
    @JsonPropertyDescription("When set, another controller generates this portrait and this one leaves it alone.")
    public String externalGeneratorName;
}
