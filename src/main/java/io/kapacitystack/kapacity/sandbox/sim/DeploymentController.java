package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deployments: one ReplicaSet {@code <name>-<pod-template-hash>} per pod template (label
 * {@code pod-template-hash} on the set and its pods) holding {@code spec.replicas}; ReplicaSets of older templates
 * are scaled to 0 at once (a rollout behaves like {@code Recreate}, which is enough for autoscaling).
 */
final class DeploymentController extends SimulatedController<Deployment> {


    static final String HASH_LABEL = "pod-template-hash";
    private static final String REVISION = "deployment.kubernetes.io/revision";

    DeploymentController(KubernetesClient client) {
        super(client);
    }

    @Override
    void reconcile(World world, Deployment deployment) {
        String ns = deployment.getMetadata().getNamespace();
        int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        String hash = PodFactory.templateHash(deployment.getSpec().getTemplate());
        List<ReplicaSet> owned = world.replicaSetsOwnedBy(deployment);
        ReplicaSet current = owned.stream().filter(rs -> hash.equals(labels(rs).get(HASH_LABEL))).findFirst()
                .orElse(null);
        if (current == null) {
            current = client.apps().replicaSets().inNamespace(ns).resource(newReplicaSet(deployment, hash, owned, desired))
                    .create();
        } else if (!Objects.equals(current.getSpec().getReplicas(), desired)) {
            scale(current, desired);
        }
        for (ReplicaSet old : owned) {
            if (old != current && !hash.equals(labels(old).get(HASH_LABEL)) && !Objects.equals(old.getSpec().getReplicas(), 0)) {
                scale(old, 0);
            }
        }
        updateStatus(deployment, owned, current, desired);
    }

    private ReplicaSet newReplicaSet(Deployment deployment, String hash, List<ReplicaSet> owned, int replicas) {
        PodTemplateSpec template = Serialization.clone(deployment.getSpec().getTemplate());
        Map<String, String> podLabels = new LinkedHashMap<>(template.getMetadata().getLabels());
        podLabels.put(HASH_LABEL, hash);
        template.getMetadata().setLabels(podLabels);
        LabelSelector selector = new LabelSelectorBuilder(deployment.getSpec().getSelector())
                .addToMatchLabels(HASH_LABEL, hash).build();
        int revision = owned.stream().mapToInt(rs -> {
            try {
                return Integer.parseInt(rs.getMetadata().getAnnotations().getOrDefault(REVISION, "0"));
            } catch (RuntimeException e) {
                return 0;
            }
        }).max().orElse(0) + 1;
        Map<String, String> rsLabels = new LinkedHashMap<>(podLabels);
        return new ReplicaSetBuilder()
                .withNewMetadata().withName(deployment.getMetadata().getName() + "-" + hash)
                .withNamespace(deployment.getMetadata().getNamespace()).withLabels(rsLabels)
                .addToAnnotations(REVISION, String.valueOf(revision))
                .addToAnnotations("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas))
                .withOwnerReferences(PodFactory.controllerRef(deployment)).endMetadata()
                .withNewSpec().withReplicas(replicas).withSelector(selector).withTemplate(template).endSpec()
                .build();
    }

    private void scale(ReplicaSet rs, int replicas) {
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                .edit(r -> {
                    r.getSpec().setReplicas(replicas);
                    return r;
                });
    }

    private void updateStatus(Deployment deployment, List<ReplicaSet> owned, ReplicaSet current, int desired) {
        int replicas = 0;
        int ready = 0;
        for (ReplicaSet rs : owned) {
            if (rs.getStatus() != null) {
                replicas += nz(rs.getStatus().getReplicas());
                ready += nz(rs.getStatus().getReadyReplicas());
            }
        }
        int updated = current.getStatus() == null ? 0 : nz(current.getStatus().getReplicas());
        DeploymentStatus old = deployment.getStatus();
        boolean available = ready >= desired;
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(updated).withReadyReplicas(ready)
                .withAvailableReplicas(ready).withUnavailableReplicas(Math.max(0, desired - ready))
                .withConditions(new DeploymentConditionBuilder().withType("Available")
                        .withStatus(available ? "True" : "False")
                        .withReason(available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
                        .withMessage(available ? "Deployment has minimum availability."
                                : "Deployment does not have minimum availability.")
                        .build())
                .build();
        if (!Objects.equals(status, old)) {
            deployment.setStatus(status);
            client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace()).resource(deployment)
                    .updateStatus();
        }
    }

    private static Map<String, String> labels(ReplicaSet rs) {
        return rs.getMetadata().getLabels() == null ? Map.of() : rs.getMetadata().getLabels();
    }

    private static int nz(Integer i) {
        return i == null ? 0 : i;
    }
}
