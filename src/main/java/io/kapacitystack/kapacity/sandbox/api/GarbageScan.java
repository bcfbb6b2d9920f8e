package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.crud.AttributeSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the sandbox's garbage collector finds in one copy of the store, as kube-controller-manager's background
 * propagation would: the objects whose every owner (by uid) is gone, and the Terminating namespaces with nothing
 * left in them. Pure: {@link SandboxDispatcher#collectGarbage} deletes and releases what it names.
 *
 * @param emptyTerminatingNamespaces namespaces marked for deletion that hold no object any more
 * @param orphans                    API paths of objects (not yet marked for deletion) whose owners are all gone
 */
record GarbageScan(List<String> emptyTerminatingNamespaces, List<String> orphans) {

    static GarbageScan of(List<Map.Entry<AttributeSet, String>> stored) {
        Set<String> uids = new HashSet<>();
        Map<String, JsonArray> dependents = new LinkedHashMap<>();
        Set<String> terminatingNamespaces = new HashSet<>();
        Set<String> occupiedNamespaces = new HashSet<>();
        for (Map.Entry<AttributeSet, String> e : stored) {
            if (SandboxDispatcher.attribute(e.getKey(), "name") == null || SandboxDispatcher.attribute(e.getKey(), "plural") == null) {
                continue;
            }
            JsonObject metadata = new JsonObject(e.getValue()).getJsonObject("metadata", new JsonObject());
            String namespace = SandboxDispatcher.attribute(e.getKey(), "namespace");
            if (namespace != null) {
                occupiedNamespaces.add(namespace);
            } else if ("namespaces".equals(SandboxDispatcher.attribute(e.getKey(), "plural")) && metadata.containsKey("deletionTimestamp")) {
                terminatingNamespaces.add(metadata.getString("name"));
            }
            uids.add(metadata.getString("uid", ""));
            JsonArray owners = metadata.getJsonArray("ownerReferences");
            if (owners != null && !owners.isEmpty() && !metadata.containsKey("deletionTimestamp")) {
                dependents.put(SandboxDispatcher.objectPath(e.getKey()), owners);
            }
        }
        terminatingNamespaces.removeAll(occupiedNamespaces);
        List<String> orphans = new ArrayList<>();
        dependents.forEach((objectPath, owners) -> {
            boolean ownerLeft = owners.stream().anyMatch(o -> o instanceof JsonObject owner && uids.contains(owner.getString("uid", "")));
            if (!ownerLeft) {
                orphans.add(objectPath);
            }
        });
        return new GarbageScan(List.copyOf(terminatingNamespaces), List.copyOf(orphans));
    }
}
