package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.JsonObject;

/**
 * The API server's defaults for the workload kinds' specs that clients rely on: {@code kubectl rollout status}
 * refuses a StatefulSet without {@code updateStrategy.type: RollingUpdate}, and a Deployment's rollout needs its
 * strategy. Applied on every write, as the API server decodes every object with its defaults; a field the client set
 * is never changed.
 */
final class BuiltinDefaults {

    private BuiltinDefaults() {
    }

    static void apply(ApiPath path, JsonObject object) {
        if (!"apps".equals(path.group())) {
            return;
        }
        JsonObject spec = object.getJsonObject("spec");
        if (spec == null) {
            return;
        }
        switch (path.resource()) {
            case "statefulsets" -> {
                spec.getMap().putIfAbsent("replicas", 1);
                spec.getMap().putIfAbsent("podManagementPolicy", "OrderedReady");
                spec.getMap().putIfAbsent("revisionHistoryLimit", 10);
                JsonObject strategy = child(spec, "updateStrategy");
                strategy.getMap().putIfAbsent("type", "RollingUpdate");
                if ("RollingUpdate".equals(strategy.getString("type"))) {
                    child(strategy, "rollingUpdate").getMap().putIfAbsent("partition", 0);
                }
                JsonObject retention = child(spec, "persistentVolumeClaimRetentionPolicy");
                retention.getMap().putIfAbsent("whenDeleted", "Retain");
                retention.getMap().putIfAbsent("whenScaled", "Retain");
            }
            case "deployments" -> {
                spec.getMap().putIfAbsent("replicas", 1);
                spec.getMap().putIfAbsent("revisionHistoryLimit", 10);
                spec.getMap().putIfAbsent("progressDeadlineSeconds", 600);
                JsonObject strategy = child(spec, "strategy");
                strategy.getMap().putIfAbsent("type", "RollingUpdate");
                if ("RollingUpdate".equals(strategy.getString("type"))) {
                    JsonObject rolling = child(strategy, "rollingUpdate");
                    rolling.getMap().putIfAbsent("maxUnavailable", "25%");
                    rolling.getMap().putIfAbsent("maxSurge", "25%");
                }
            }
            case "replicasets" -> spec.getMap().putIfAbsent("replicas", 1);
            default -> {
            }
        }
    }

    private static JsonObject child(JsonObject parent, String key) {
        JsonObject child = parent.getJsonObject(key);
        if (child == null) {
            child = new JsonObject();
            parent.put(key, child);
        }
        return child;
    }
}
