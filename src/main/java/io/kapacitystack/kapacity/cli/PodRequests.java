package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A utilization target is a percentage of the pods' requests, so every container needs a request for the resource
 * (the HPA controller reports {@code missing request for cpu} and never scales; the OpenShift console warns before
 * creating such an autoscaler). The names of the containers that lack one.
 */
public final class PodRequests {

    private PodRequests() {
    }

    public static List<String> containersWithout(PodSpec spec, String resource) {
        List<String> missing = new ArrayList<>();
        if (spec == null || spec.getContainers() == null) {
            return missing;
        }
        for (Container c : spec.getContainers()) {
            var r = c.getResources();
            // a limit without a request becomes the request when the pod is created (API server defaulting)
            boolean requested = r != null && ((r.getRequests() != null && r.getRequests().containsKey(resource))
                    || (r.getLimits() != null && r.getLimits().containsKey(resource)));
            if (!requested) {
                missing.add(c.getName());
            }
        }
        return missing;
    }
}
