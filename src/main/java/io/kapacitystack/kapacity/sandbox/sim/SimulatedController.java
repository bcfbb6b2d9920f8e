package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * One of the simulator's workload controllers: the simulator hands it each changed object of its kind (a private
 * copy, free to change) with the {@link World} as it was at the start of the pass; a write that fails is retried
 * by the simulator.
 */
abstract class SimulatedController<T extends HasMetadata> {

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final KubernetesClient client;
    SimulatedController(KubernetesClient client) {
        this.client = client;
    }

    abstract void reconcile(World world, T object);

    /**
     * What the ReplicaSet controller (and the ReplicationManager, the same controller for the core kind) does with
     * an owner's pods: hash-named {@code <owner-name>-<5 chars>} pods from the template up to {@code replicas}
     * (unset: 1), scale-down by {@link PodDeletionRanking}. Returns the owner's pods that are not terminating, as
     * they were before this pass's writes (the status reports them, as upstream's does).
     */
    protected List<Pod> convergeReplicaPods(World world, HasMetadata owner, PodTemplateSpec template, Integer replicas) {
        String ns = owner.getMetadata().getNamespace();
        int desired = replicas == null ? 1 : replicas;
        List<Pod> active = world.podsOwnedBy(owner).stream().filter(p -> !World.isTerminating(p)).toList();
        int diff = desired - active.size();
        for (int i = 0; i < diff; i++) {
            Pod pod = PodFactory.fromTemplate(template, ns, null, owner.getMetadata().getName() + "-", owner, Map.of());
            client.pods().inNamespace(ns).resource(pod).create();
        }
        if (diff < 0) {
            active.stream().sorted(PodDeletionRanking.DELETE_FIRST).limit(-diff).forEach(pod ->
                    client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete());
        }
        return active;
    }

    protected static int readyCount(List<Pod> pods) {
        return (int) pods.stream().filter(PodConditions::isReady).count();
    }
}
