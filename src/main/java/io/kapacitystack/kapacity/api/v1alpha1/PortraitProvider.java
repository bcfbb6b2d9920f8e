package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** One source of replica recommendations of an IHPA; the one with the highest priority wins. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortraitProvider {
    @Required
    @JsonPropertyDescription("The kind of provider: Static (a fixed count), Cron (counts by time of day) or Dynamic (a HorizontalPortrait).")
    public Type type;
    /** Bigger means more important; ties are broken by the larger replica number, then by spec order. */
    @Required
    @JsonPropertyDescription("Bigger wins. Ties go to the larger replica count, then to the earlier provider.")
    public Integer priority;
    @com.fasterxml.jackson.annotation.JsonProperty("static")
    @JsonPropertyDescription("For type Static: the replica count.")
    public Static _static;
    @JsonPropertyDescription("For type Cron: the rules (cron start and end, time zone, replicas).")
    public Cron cron;
    @JsonPropertyDescription("For type Dynamic: the HorizontalPortrait to create (portrait type, metrics, algorithm).")
    public PortraitSpec dynamic;

    public enum Type { Static, Cron, Dynamic }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Static {
        @Required
        @Min(0)
        @JsonPropertyDescription("The replica count this provider recommends.")
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
        @JsonPropertyDescription("The rules; when none applies, the provider has no value.")
        public List<ReplicaCron> crons;

        public Cron() {
        }

        public Cron(List<ReplicaCron> crons) {
            this.crons = crons;
        }
    }
}
