package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Background cascading deletion: pods and ReplicaSets whose controller (a StatefulSet, Deployment or ReplicaSet)
 * no longer exists are deleted, as the garbage collector does after {@code kubectl delete sts x}.
 */
final class GarbageCollector {

    private static final Set<String> MANAGED_OWNER_KINDS = Set.of("StatefulSet", "Deployment", "ReplicaSet");

    private final KubernetesClient client;

    GarbageCollector(KubernetesClient client) {
        this.client = client;
    }

    void reconcile(World world) {
        Map<String, HasMetadata> owners = world.ownersByUid();
        Stream.concat(world.pods().stream(), world.replicaSets().stream())
                .filter(o -> !World.isTerminating(o))
                .filter(o -> orphaned(o, owners))
                .forEach(o -> {
                    try {
                        client.resource(o).delete();
                    } catch (KubernetesClientException e) {
                        // already gone
                    }
                });
    }

    private static boolean orphaned(HasMetadata object, Map<String, HasMetadata> owners) {
        Optional<OwnerReference> ref = World.controllerRef(object);
        return ref.isPresent() && MANAGED_OWNER_KINDS.contains(ref.get().getKind())
                && !owners.containsKey(ref.get().getUid());
    }
}
