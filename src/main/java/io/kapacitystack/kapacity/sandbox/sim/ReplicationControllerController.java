package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ReplicationControllers ({@code v1}): pods {@code <rc-name>-<5 chars>} from the template, scale-down by
 * {@link PodDeletionRanking}, as the ReplicationManager (the ReplicaSet controller run for the core kind) does.
 */
final class ReplicationControllerController {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicationControllerController.class);

    private final KubernetesClient client;

    ReplicationControllerController(KubernetesClient client) {
        this.client = client;
    }

    void reconcile(World world) {
        for (ReplicationController rc : world.replicationControllers()) {
            if (World.isTerminating(rc) || rc.getSpec() == null || rc.getSpec().getTemplate() == null) {
                continue;
            }
            try {
                reconcile(world, rc);
            } catch (KubernetesClientException e) {
                LOG.debug("write failed, retrying on the next pass: {}", e.getMessage());
            }
        }
    }

    private void reconcile(World world, ReplicationController rc) {
        String ns = rc.getMetadata().getNamespace();
        int desired = rc.getSpec().getReplicas() == null ? 1 : rc.getSpec().getReplicas();
        List<Pod> active = world.podsOwnedBy(rc).stream().filter(p -> !World.isTerminating(p)).toList();
        int diff = desired - active.size();
        for (int i = 0; i < diff; i++) {
            Pod pod = PodFactory.fromTemplate(rc.getSpec().getTemplate(), ns, null,
                    rc.getMetadata().getName() + "-", rc, Map.of());
            client.pods().inNamespace(ns).resource(pod).create();
        }
        if (diff < 0) {
            active.stream().sorted(PodDeletionRanking.DELETE_FIRST).limit(-diff).forEach(pod ->
                    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete());
        }
        long ready = active.stream().filter(PodConditions::isReady).count();
        ReplicationControllerStatus status = new ReplicationControllerStatusBuilder()
                .withObservedGeneration(rc.getMetadata().getGeneration())
                .withReplicas(active.size()).withFullyLabeledReplicas(active.size())
                .withReadyReplicas((int) ready).withAvailableReplicas((int) ready).build();
        if (!Objects.equals(status, rc.getStatus())) {
            rc.setStatus(status);
            client.replicationControllers().inNamespace(ns).resource(rc).updateStatus();
        }
    }
}
