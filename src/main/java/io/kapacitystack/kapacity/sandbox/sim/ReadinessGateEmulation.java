package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.kapacitystack.kapacity.sandbox.api.AdmissionStep;
import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for Kapacity's pod webhook and pod controller until the real ones run in the sandbox:
 * <ul>
 *   <li>admission: a pod created with label {@code kapacitystack.io/inject-pod-readiness-gate: "true"} gets
 *       {@code spec.readinessGates: [{conditionType: kapacitystack.io/online}]};</li>
 *   <li>when such a pod runs, it gets a {@code kapacitystack.io/online} condition True, unless the condition
 *       already exists (so whoever set it to False, e.g. gray scaling, keeps control).</li>
 * </ul>
 * Replace it by removing it from {@code SandboxCluster.admission()} and {@code SandboxCluster.podRunningHooks()}
 * (or start with {@code SandboxOptions.withEmulatePodWebhook(false)}).
 */
public final class ReadinessGateEmulation implements AdmissionStep, PodRunningHook {

    public static final String INJECT_LABEL = "kapacitystack.io/inject-pod-readiness-gate";
    public static final String ONLINE_CONDITION = "kapacitystack.io/online";

    @Override
    public void mutate(ApiPath path, JsonObject object) {
        if (!path.group().isEmpty() || !"pods".equals(path.resource())) {
            return;
        }
        JsonObject labels = object.getJsonObject("metadata", new JsonObject()).getJsonObject("labels");
        if (labels == null || !"true".equals(labels.getString(INJECT_LABEL))) {
            return;
        }
        JsonObject spec = object.getJsonObject("spec");
        if (spec == null) {
            object.put("spec", spec = new JsonObject());
        }
        JsonArray gates = spec.getJsonArray("readinessGates", new JsonArray());
        for (Object g : gates) {
            if (ONLINE_CONDITION.equals(((JsonObject) g).getString("conditionType"))) {
                return;
            }
        }
        spec.put("readinessGates", gates.add(new JsonObject().put("conditionType", ONLINE_CONDITION)));
    }

    @Override
    public void onRunning(Pod pod, Instant now) {
        boolean gated = pod.getSpec().getReadinessGates() != null && pod.getSpec().getReadinessGates().stream()
                .anyMatch(g -> ONLINE_CONDITION.equals(g.getConditionType()));
        if (!gated || PodConditions.find(pod, ONLINE_CONDITION).isPresent()) {
            return;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(pod.getStatus().getConditions());
        conditions.add(new PodConditionBuilder().withType(ONLINE_CONDITION).withStatus("True")
                .withLastTransitionTime(Timestamps.format(now)).build());
        pod.getStatus().setConditions(conditions);
    }
}
