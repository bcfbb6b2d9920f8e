package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;
import java.util.Map;

/** Checks the workload stays healthy while scaling, and pauses or rolls back when it does not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StabilityChecker {
    @Required
    public Type type;
    @Required
    public Action stabilizationAction;
    @Min(0)
    public Integer coolDownSeconds;
    public Metrics metrics;
    public External external;

    public enum Type { Metrics, External }

    public enum Action { Pause, Rollback }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Metrics {
        @Required
        @Size(min = 1)
        public List<MetricSpec> metrics;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class External {
        @Required
        public String name;
        public Map<String, String> config;
    }
}
