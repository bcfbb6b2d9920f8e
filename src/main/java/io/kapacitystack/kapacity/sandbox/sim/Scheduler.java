package io.kapacitystack.kapacity.sandbox.sim;

import io.kapacitystack.kapacity.sandbox.api.AdmissionStep;
import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;
import io.vertx.core.json.JsonArray;

/**
 * Binds each new pod to one of the fake nodes {@code sandbox-node-1..n} round-robin, at admission time (the
 * sandbox has no unschedulable pods, so there is no need for a separate scheduling step); also allocates Service
 * cluster IPs, as the API server does.
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

    private final AtomicInteger nextServiceIp = new AtomicInteger(10);

    @Override
    public void mutate(ApiPath path, JsonObject object) {
        if (path.group().isEmpty() && "services".equals(path.resource())) {
            assignClusterIp(object);
            return;
        }
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

    /** Services get a fake cluster IP from 10.96.0.0/16 unless headless or of type ExternalName. */
    private void assignClusterIp(JsonObject service) {
        JsonObject spec = service.getJsonObject("spec");
        if (spec == null || spec.getString("clusterIP") != null || "ExternalName".equals(spec.getString("type"))) {
            return;
        }
        int n = nextServiceIp.getAndIncrement();
        String ip = "10.96." + (n / 250) + "." + (n % 250 + 1);
        spec.put("clusterIP", ip).put("clusterIPs", new JsonArray().add(ip));
        if (spec.getString("type") == null) {
            spec.put("type", "ClusterIP");
        }
    }
}
