package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.Optional;

/**
 * StatefulSets: pods {@code <name>-<ordinal>} for ordinals {@code 0..replicas-1}; scale-down removes the highest
 * ordinals first. {@code podManagementPolicy: Parallel} creates/deletes all at once, {@code OrderedReady} (the
 * default) one at a time, creating the next ordinal only when all lower ones are Running and Ready.
 */
final class StatefulSetController extends SimulatedController<StatefulSet> {


    StatefulSetController(KubernetesClient client) {
        super(client);
    }

    @Override
    void reconcile(World world, StatefulSet sts) {
        String ns = sts.getMetadata().getNamespace();
        String name = sts.getMetadata().getName();
        int desired = sts.getSpec().getReplicas() == null ? 1 : sts.getSpec().getReplicas();
        boolean parallel = "Parallel".equals(sts.getSpec().getPodManagementPolicy());
        TreeMap<Integer, Pod> byOrdinal = new TreeMap<>();
        for (Pod pod : world.podsOwnedBy(sts)) {
            ordinalOf(name, pod.getMetadata().getName()).ifPresent(o -> byOrdinal.put(o, pod));
        }
        boolean anyTerminating = byOrdinal.values().stream().anyMatch(World::isTerminating);
        String revision = name + "-" + PodFactory.templateHash(sts.getSpec().getTemplate());

        // scale up: lowest missing ordinals first
        for (int ordinal = 0; ordinal < desired; ordinal++) {
            if (byOrdinal.containsKey(ordinal)) {
                Pod existing = byOrdinal.get(ordinal);
                if (!parallel && !(PodConditions.isRunning(existing) && PodConditions.isReady(existing))) {
                    break; // OrderedReady waits for this one
                }
                continue;
            }
            if (!parallel && anyTerminating) {
                break;
            }
            String podName = name + "-" + ordinal;
            Pod pod = PodFactory.fromTemplate(sts.getSpec().getTemplate(), ns, podName, null, sts, Map.of(
                    "statefulset.kubernetes.io/pod-name", podName,
                    "apps.kubernetes.io/pod-index", String.valueOf(ordinal),
                    "controller-revision-hash", revision));
            pod.getSpec().setHostname(podName);
            pod.getSpec().setSubdomain(sts.getSpec().getServiceName());
            client.pods().inNamespace(ns).resource(pod).create();
            if (!parallel) {
                break;
            }
        }
        // scale down: highest ordinals first
        for (Integer ordinal : byOrdinal.descendingKeySet()) {
            if (ordinal < desired) {
                break;
            }
            Pod pod = byOrdinal.get(ordinal);
            if (World.isTerminating(pod)) {
                if (!parallel) {
                    break;
                }
                continue;
            }
            log.debug("scale-down of {}/{} deletes {}", ns, name, pod.getMetadata().getName());
            client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).delete();
            if (!parallel) {
                break;
            }
        }
        updateStatus(sts, byOrdinal, revision);
    }

    private void updateStatus(StatefulSet sts, Map<Integer, Pod> pods, String revision) {
        long existing = pods.values().stream().filter(p -> !World.isTerminating(p)).count();
        long ready = pods.values().stream().filter(p -> !World.isTerminating(p) && PodConditions.isReady(p)).count();
        StatefulSetStatus status = new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas((int) existing).withReadyReplicas((int) ready).withAvailableReplicas((int) ready)
                .withCurrentReplicas((int) existing).withUpdatedReplicas((int) existing)
                .withCurrentRevision(revision).withUpdateRevision(revision).withCollisionCount(0)
                .build();
        if (!Objects.equals(status, sts.getStatus())) {
            sts.setStatus(status);
            client.apps().statefulSets().inNamespace(sts.getMetadata().getNamespace()).resource(sts).updateStatus();
        }
    }

    static Optional<Integer> ordinalOf(String setName, String podName) {
        String prefix = setName + "-";
        if (!podName.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(podName.substring(prefix.length())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
