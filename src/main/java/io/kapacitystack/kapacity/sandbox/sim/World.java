package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Everything the simulator's controllers look at, listed fresh from the embedded API at the start of each
 * reconciliation pass (level-triggered, so a missed or duplicated notification never leaves the world wrong).
 */
public record World(List<Pod> pods, List<StatefulSet> statefulSets, List<Deployment> deployments,
             List<ReplicaSet> replicaSets, List<Service> services, List<Ingress> ingresses, List<Job> jobs,
             List<CronJob> cronJobs, List<ReplicationController> replicationControllers) {

    public static World load(KubernetesClient client) {
        return new World(
                client.pods().inAnyNamespace().list().getItems(),
                client.apps().statefulSets().inAnyNamespace().list().getItems(),
                client.apps().deployments().inAnyNamespace().list().getItems(),
                client.apps().replicaSets().inAnyNamespace().list().getItems(),
                client.services().inAnyNamespace().list().getItems(),
                client.network().v1().ingresses().inAnyNamespace().list().getItems(),
                client.batch().v1().jobs().inAnyNamespace().list().getItems(),
                client.batch().v1().cronjobs().inAnyNamespace().list().getItems(),
                client.replicationControllers().inAnyNamespace().list().getItems());
    }

    /** The pods whose controller owner reference points at {@code owner}. */
    public List<Pod> podsOwnedBy(HasMetadata owner) {
        return pods.stream().filter(p -> controllerUid(p).filter(owner.getMetadata().getUid()::equals).isPresent())
                .collect(Collectors.toList());
    }

    public List<ReplicaSet> replicaSetsOwnedBy(Deployment owner) {
        return replicaSets.stream()
                .filter(rs -> controllerUid(rs).filter(owner.getMetadata().getUid()::equals).isPresent())
                .collect(Collectors.toList());
    }

    public List<Job> jobsOwnedBy(CronJob owner) {
        return jobs.stream().filter(j -> controllerUid(j).filter(owner.getMetadata().getUid()::equals).isPresent())
                .collect(Collectors.toList());
    }

    static Optional<String> controllerUid(HasMetadata object) {
        return controllerRef(object).map(OwnerReference::getUid);
    }

    public static Optional<OwnerReference> controllerRef(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs == null ? Optional.empty()
                : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    public static boolean isTerminating(HasMetadata object) {
        return object.getMetadata().getDeletionTimestamp() != null;
    }

    /**
     * One pass of a simulated controller: {@code step} for each object not being deleted. A write refused by the API
     * (a conflict or an already-exists after a concurrent change) is left to the next pass, which sees the new
     * version and converges, as a Kubernetes controller's requeue does.
     */
    static <T extends HasMetadata> void eachLive(List<T> objects, Logger log, Consumer<T> step) {
        for (T object : objects) {
            if (isTerminating(object)) {
                continue;
            }
            try {
                step.accept(object);
            } catch (KubernetesClientException e) {
                log.debug("{} {}/{} not written, retrying on the next pass: {}", object.getKind(),
                        object.getMetadata().getNamespace(), object.getMetadata().getName(), e.getMessage());
            }
        }
    }

    /** Uids of all objects that can own pods or replica sets here. */
    Map<String, HasMetadata> ownersByUid() {
        Stream<HasMetadata> all = Stream.of(statefulSets.stream(),
                deployments.stream(), replicaSets.stream(), replicationControllers.stream()).flatMap(Function.identity());
        return all.collect(Collectors.toMap(o -> o.getMetadata().getUid(), o -> o, (a, b) -> a));
    }
}
