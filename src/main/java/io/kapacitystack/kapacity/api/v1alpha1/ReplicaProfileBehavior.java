package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

import java.util.Map;

/** How a ReplicaProfile chooses pods and switches their traffic. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaProfileBehavior {
    public PodSorter podSorter;
    public PodTrafficController podTrafficController;

    /** Kapacity's default: the workload's own pod order, traffic through the readiness gate. */
    public static ReplicaProfileBehavior defaults() {
        ReplicaProfileBehavior b = new ReplicaProfileBehavior();
        b.podSorter = new PodSorter();
        b.podSorter.type = PodSorter.Type.WorkloadDefault;
        b.podTrafficController = new PodTrafficController();
        b.podTrafficController.type = PodTrafficController.Type.ReadinessGate;
        return b;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PodSorter {
        @Default("WorkloadDefault")
        public Type type;
        public External external;

        public enum Type { WorkloadDefault, External }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PodTrafficController {
        @Default("ReadinessGate")
        public Type type;
        public External external;

        public enum Type { ReadinessGate, External }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class External {
        @Required
        public String name;
        public Map<String, String> config;
    }
}
