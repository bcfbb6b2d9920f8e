package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.Map;

/**
 * What Standby means for a pod's resources: its requests are given back through an in-place resize
 * ({@code pods/resize}) down to configurable floors, and the original values are kept in an annotation so that the pod
 * gets them back when it returns Online. Kubernetes refuses resizes that change a pod's QoS class, so a CPU limit equal
 * to the request is lowered with it, while a memory request equal to its limit is left alone: lowering a memory
 * limit in place can kill the container.
 */
public final class StandbyResources {

    public static final String ORIGINAL_ANNOTATION = "kapacitystack.io/standby-original-resources";
    public static final Quantity DEFAULT_CPU_FLOOR = new Quantity("10m");
    public static final Quantity DEFAULT_MEMORY_FLOOR = new Quantity("32Mi");

    private StandbyResources() {
    }

    /** The resize patch and the annotation value to keep, or null if the pod has nothing to give back. */
    public static Shrink shrink(Pod pod, Quantity cpuFloor, Quantity memoryFloor) {
        JsonArray containers = new JsonArray();
        JsonObject original = new JsonObject();
        for (Container c : pod.getSpec().getContainers()) {
            JsonObject requests = new JsonObject();
            JsonObject limits = new JsonObject();
            JsonObject kept = new JsonObject();
            shrinkOne(c, "cpu", cpuFloor, true, requests, limits, kept);
            shrinkOne(c, "memory", memoryFloor, false, requests, limits, kept);
            if (kept.isEmpty()) {
                continue;
            }
            JsonObject resources = new JsonObject().put("requests", requests);
            if (!limits.isEmpty()) {
                resources.put("limits", limits);
            }
            containers.add(new JsonObject().put("name", c.getName()).put("resources", resources));
            original.put(c.getName(), kept);
        }
        if (containers.isEmpty()) {
            return null;
        }
        return new Shrink(new JsonObject().put("spec", new JsonObject().put("containers", containers)).encode(), original.encode());
    }

    /** Lowers one resource's request to its floor; see the class comment for which limits move along. */
    private static void shrinkOne(Container c, String resource, Quantity floor, boolean moveEqualLimit,
                                  JsonObject requests, JsonObject limits, JsonObject kept) {
        if (floor == null || c.getResources() == null || c.getResources().getRequests() == null) {
            return;
        }
        Quantity request = c.getResources().getRequests().get(resource);
        if (request == null || request.getNumericalAmount().compareTo(floor.getNumericalAmount()) <= 0) {
            return;
        }
        Quantity limit = c.getResources().getLimits() == null ? null : c.getResources().getLimits().get(resource);
        boolean limitEqual = limit != null && limit.getNumericalAmount().compareTo(request.getNumericalAmount()) == 0;
        if (limitEqual && !moveEqualLimit) {
            return;
        }
        requests.put(resource, floor.toString());
        kept.put(resource + "Request", request.toString());
        if (limitEqual) {
            limits.put(resource, floor.toString());
            kept.put(resource + "Limit", limit.toString());
        }
    }

    /** The resize patch that gives a standby pod its resources back, or null if it has no saved values. */
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
            JsonObject requests = new JsonObject();
            JsonObject limits = new JsonObject();
            for (String resource : new String[]{"cpu", "memory"}) {
                if (kept.containsKey(resource + "Request")) {
                    requests.put(resource, kept.getString(resource + "Request"));
                }
                if (kept.containsKey(resource + "Limit")) {
                    limits.put(resource, kept.getString(resource + "Limit"));
                }
            }
            JsonObject resources = new JsonObject().put("requests", requests);
            if (!limits.isEmpty()) {
                resources.put("limits", limits);
            }
            containers.add(new JsonObject().put("name", name).put("resources", resources));
        }
        return new JsonObject().put("spec", new JsonObject().put("containers", containers)).encode();
    }

    public record Shrink(String resizePatch, String original) {
    }
}
