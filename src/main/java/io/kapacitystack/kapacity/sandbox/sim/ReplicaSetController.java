package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** ReplicaSets: hash-named pods {@code <rs-name>-<5 chars>}; scale-down by {@link PodDeletionRanking}. */
final class ReplicaSetController {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicaSetController.class);

    private final KubernetesClient client;

    ReplicaSetController(KubernetesClient client) {
        this.client = client;
    }

    void reconcile(World world) {
        World.eachLive(world.replicaSets(), LOG, rs -> reconcile(world, rs));
    }

    private void reconcile(World world, ReplicaSet rs) {
        String ns = rs.getMetadata().getNamespace();
        int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        List<Pod> active = world.podsOwnedBy(rs).stream().filter(p -> !World.isTerminating(p)).toList();
        int diff = desired - active.size();
        for (int i = 0; i < diff; i++) {
            Pod pod = PodFactory.fromTemplate(rs.getSpec().getTemplate(), ns, null,
                    rs.getMetadata().getName() + "-", rs, Map.of());
            client.pods().inNamespace(ns).resource(pod).create();
        }
        if (diff < 0) {
            active.stream().sorted(PodDeletionRanking.DELETE_FIRST).limit(-diff).forEach(pod ->
                    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete());
        }
        long ready = active.stream().filter(PodConditions::isReady).count();
        ReplicaSetStatus status = new ReplicaSetStatusBuilder()
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withReplicas(active.size()).withFullyLabeledReplicas(active.size())
                .withReadyReplicas((int) ready).withAvailableReplicas((int) ready).build();
        if (!Objects.equals(status, rs.getStatus())) {
            rs.setStatus(status);
            client.apps().replicaSets().inNamespace(ns).resource(rs).updateStatus();
        }
    }
}
