package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.Map;

/**
 * What Standby means for a pod's resources: its CPU is given back through an in-place resize ({@code pods/resize})
 * down to a floor, and the original values are kept in an annotation so that the pod gets them back when it returns
 * Online. CPU only: it can be lowered in place without a restart, and a limit equal to the request is lowered with
 * it so the pod keeps its QoS class (Kubernetes refuses resizes that change it); memory is left alone because
 * shrinking it can kill the container.
 */
public final class StandbyResources {

    public static final String ORIGINAL_ANNOTATION = "kapacitystack.io/standby-original-cpu";
    public static final Quantity DEFAULT_CPU_FLOOR = new Quantity("10m");

    private StandbyResources() {
    }

    /** The resize patch and the annotation value to keep, or null if the pod has nothing to give back. */
    public static Shrink shrink(Pod pod, Quantity floor) {
        BigDecimal floorCores = floor.getNumericalAmount();
        JsonArray containers = new JsonArray();
        JsonObject original = new JsonObject();
        for (Container c : pod.getSpec().getContainers()) {
            Quantity request = c.getResources() == null || c.getResources().getRequests() == null ? null
                    : c.getResources().getRequests().get("cpu");
            if (request == null || request.getNumericalAmount().compareTo(floorCores) <= 0) {
                continue;
            }
            Quantity limit = c.getResources().getLimits() == null ? null : c.getResources().getLimits().get("cpu");
            JsonObject resources = new JsonObject().put("requests", new JsonObject().put("cpu", floor.toString()));
            JsonObject kept = new JsonObject().put("request", request.toString());
            if (limit != null && limit.getNumericalAmount().compareTo(request.getNumericalAmount()) == 0) {
                resources.put("limits", new JsonObject().put("cpu", floor.toString()));
                kept.put("limit", limit.toString());
            }
            containers.add(new JsonObject().put("name", c.getName()).put("resources", resources));
            original.put(c.getName(), kept);
        }
        if (containers.isEmpty()) {
            return null;
        }
        return new Shrink(new JsonObject().put("spec", new JsonObject().put("containers", containers)).encode(), original.encode());
    }

    /** The resize patch that gives a standby pod its CPU back, or null if it has no saved values. */
    public static String restore(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String saved = annotations == null ? null : annotations.get(ORIGINAL_ANNOTATION);
        if (saved == null) {
            return null;
        }
        JsonObject original = new JsonObject(saved);
        JsonArray containers = new JsonArray();
        for (String name : original.fieldNames()) {
            JsonObject kept = original.getJsonObject(name);
            JsonObject resources = new JsonObject().put("requests", new JsonObject().put("cpu", kept.getString("request")));
            if (kept.containsKey("limit")) {
                resources.put("limits", new JsonObject().put("cpu", kept.getString("limit")));
            }
            containers.add(new JsonObject().put("name", name).put("resources", resources));
        }
        return new JsonObject().put("spec", new JsonObject().put("containers", containers)).encode();
    }

    public static final class Shrink {
        public final String resizePatch;
        public final String original;

        Shrink(String resizePatch, String original) {
            this.resizePatch = resizePatch;
            this.original = original;
        }
    }
}
