package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** One source of replica recommendations of an IHPA; the one with the highest priority wins. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortraitProvider {
    @Required
    public Type type;
    /** Bigger means more important; ties are broken by the larger replica number, then by spec order. */
    @Required
    public Integer priority;
    @com.fasterxml.jackson.annotation.JsonProperty("static")
    public Static _static;
    public Cron cron;
    public PortraitSpec dynamic;

    public enum Type { Static, Cron, Dynamic }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Static {
        @Required
        @Min(0)
        public Integer replicas;

        public Static() {
        }

        public Static(int replicas) {
            this.replicas = replicas;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Cron {
        @Required
        @Size(min = 1)
        public List<ReplicaCron> crons;

        public Cron() {
        }

        public Cron(List<ReplicaCron> crons) {
            this.crons = crons;
        }
    }
}
