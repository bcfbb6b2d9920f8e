package io.kapacitystack.kapacity.sandbox.sim;

import io.kapacitystack.kapacity.sandbox.api.AdmissionStep;
import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Binds each new pod to one of the fake nodes {@code sandbox-node-1..n} round-robin, at admission time (the
 * sandbox has no unschedulable pods, so there is no need for a separate scheduling step).
 */
public final class Scheduler implements AdmissionStep {

    private final int nodeCount;
    private final AtomicInteger next = new AtomicInteger();

    public Scheduler(int nodeCount) {
        this.nodeCount = Math.max(1, nodeCount);
    }

    public static String nodeName(int index) {
        return "sandbox-node-" + index;
    }

    @Override
    public void mutate(ApiPath path, JsonObject object) {
        if (!path.group().isEmpty() || !"pods".equals(path.resource())) {
            return;
        }
        JsonObject spec = object.getJsonObject("spec");
        if (spec == null) {
            object.put("spec", spec = new JsonObject());
        }
        if (spec.getString("nodeName") == null) {
            spec.put("nodeName", nodeName(Math.floorMod(next.getAndIncrement(), nodeCount) + 1));
        }
    }
}
