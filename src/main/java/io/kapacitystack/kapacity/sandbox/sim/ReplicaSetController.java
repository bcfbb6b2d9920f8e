package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Objects;

/** ReplicaSets: hash-named pods {@code <rs-name>-<5 chars>}; scale-down by {@link PodDeletionRanking}. */
final class ReplicaSetController extends SimulatedController<ReplicaSet> {

    ReplicaSetController(KubernetesClient client) {
        super(client);
    }

    @Override
    void reconcile(World world, ReplicaSet rs) {
        List<Pod> active = convergeReplicaPods(world, rs, rs.getSpec().getTemplate(), rs.getSpec().getReplicas());
        int ready = readyCount(active);
        ReplicaSetStatus status = new ReplicaSetStatusBuilder()
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withReplicas(active.size()).withFullyLabeledReplicas(active.size())
                .withReadyReplicas(ready).withAvailableReplicas(ready).build();
        if (!Objects.equals(status, rs.getStatus())) {
            rs.setStatus(status);
            client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).updateStatus();
        }
    }
}
