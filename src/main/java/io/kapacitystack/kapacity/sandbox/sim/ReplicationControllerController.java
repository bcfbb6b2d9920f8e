package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Objects;

/**
 * ReplicationControllers ({@code v1}): pods {@code <rc-name>-<5 chars>} from the template, scale-down by
 * {@link PodDeletionRanking}, as the ReplicationManager (the ReplicaSet controller run for the core kind) does.
 */
final class ReplicationControllerController extends SimulatedController<ReplicationController> {

    ReplicationControllerController(KubernetesClient client) {
        super(client);
    }

    @Override
    void reconcile(World world, ReplicationController rc) {
        if (rc.getSpec() == null || rc.getSpec().getTemplate() == null) {
            return;
        }
        List<Pod> active = convergeReplicaPods(world, rc, rc.getSpec().getTemplate(), rc.getSpec().getReplicas());
        int ready = readyCount(active);
        ReplicationControllerStatus status = new ReplicationControllerStatusBuilder()
                .withObservedGeneration(rc.getMetadata().getGeneration())
                .withReplicas(active.size()).withFullyLabeledReplicas(active.size())
                .withReadyReplicas(ready).withAvailableReplicas(ready).build();
        if (!Objects.equals(status, rc.getStatus())) {
            rc.setStatus(status);
            client.replicationControllers().inNamespace(rc.getMetadata().getNamespace()).resource(rc).updateStatus();
        }
    }
}
