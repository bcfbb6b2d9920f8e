package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A replica number that applies in the window [start, end) of two cron expressions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaCron {
    /** Must be unique among the crons of one provider. */
    @Required
    @JsonPropertyDescription("The rule's name, unique within the provider.")
    public String name;
    @JsonPropertyDescription("Free text.")
    public String description;
    /** IANA time zone name of the expressions. */
    @Default("UTC")
    @JsonPropertyDescription("The IANA time zone of start and end (default UTC).")
    public String timeZone;
    @Required
    @JsonPropertyDescription("A cron expression: when the rule starts to apply.")
    public String start;
    @Required
    @JsonPropertyDescription("A cron expression: when the rule stops applying.")
    public String end;
    @Required
    @Min(0)
    @JsonPropertyDescription("The replica count while the rule applies.")
    public Integer replicas;

    public ReplicaCron() {
    }

    public ReplicaCron(String name, String timeZone, String start, String end, int replicas) {
        this.name = name;
        this.timeZone = timeZone;
        this.start = start;
        this.end = end;
        this.replicas = replicas;
    }

    static ReplicaCron copyOf(ReplicaCron r) {
        ReplicaCron c = new ReplicaCron();
        c.name = r.name;
        c.description = r.description;
        c.timeZone = r.timeZone;
        c.start = r.start;
        c.end = r.end;
        c.replicas = r.replicas;
        return c;
    }
}
