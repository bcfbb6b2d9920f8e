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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Everything the simulator's controllers look at, as one consistent snapshot: taken from the simulator's cache
 * ({@link WorldCache}, kept current by the embedded API's write path) at the start of each pass, or listed from an
 * API with {@link #load}. The objects are shared and must not be changed; the lookups by owner and namespace are
 * indexed on first use.
 */
public record World(List<Pod> pods, List<StatefulSet> statefulSets, List<Deployment> deployments,
                    List<ReplicaSet> replicaSets, List<Service> services, List<Ingress> ingresses, List<Job> jobs,
                    List<CronJob> cronJobs, List<ReplicationController> replicationControllers, Lookups lookups) {

    public World {
        pods = List.copyOf(pods);
        statefulSets = List.copyOf(statefulSets);
        deployments = List.copyOf(deployments);
        replicaSets = List.copyOf(replicaSets);
        services = List.copyOf(services);
        ingresses = List.copyOf(ingresses);
        jobs = List.copyOf(jobs);
        cronJobs = List.copyOf(cronJobs);
        replicationControllers = List.copyOf(replicationControllers);
    }

    public World(List<Pod> pods, List<StatefulSet> statefulSets, List<Deployment> deployments,
                 List<ReplicaSet> replicaSets, List<Service> services, List<Ingress> ingresses, List<Job> jobs,
                 List<CronJob> cronJobs, List<ReplicationController> replicationControllers) {
        this(pods, statefulSets, deployments, replicaSets, services, ingresses, jobs, cronJobs, replicationControllers,
                new Lookups());
    }

    /** The indexes of one snapshot, each built on first use (a snapshot never changes). */
    public static final class Lookups {
        private final Map<String, Object> built = new ConcurrentHashMap<>();

        @SuppressWarnings("unchecked")
        private <T> T get(String name, Supplier<T> build) {
            return (T) built.computeIfAbsent(name, k -> build.get());
        }
    }

    /** Lists every kind from {@code client}'s API (nine list calls: for tools and tests, not for every pass). */
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
        return lookups.<Map<String, List<Pod>>>get("podsByOwner", () -> byControllerUid(pods))
                .getOrDefault(owner.getMetadata().getUid(), List.of());
    }

    public List<ReplicaSet> replicaSetsOwnedBy(Deployment owner) {
        return lookups.<Map<String, List<ReplicaSet>>>get("replicaSetsByOwner", () -> byControllerUid(replicaSets))
                .getOrDefault(owner.getMetadata().getUid(), List.of());
    }

    public List<Job> jobsOwnedBy(CronJob owner) {
        return lookups.<Map<String, List<Job>>>get("jobsByOwner", () -> byControllerUid(jobs))
                .getOrDefault(owner.getMetadata().getUid(), List.of());
    }

    /** The pods of one namespace. */
    public List<Pod> podsIn(String namespace) {
        return lookups.<Map<String, List<Pod>>>get("podsByNamespace", () -> pods.stream().collect(
                Collectors.groupingBy(p -> p.getMetadata().getNamespace(), Collectors.toUnmodifiableList())))
                .getOrDefault(namespace, List.of());
    }

    /** Whether a pod with this uid exists (Terminating or not). */
    public boolean hasPod(String uid) {
        return lookups.<Set<String>>get("podUids", () -> pods.stream().map(p -> p.getMetadata().getUid())
                .collect(Collectors.toSet())).contains(uid);
    }

    private static <T extends HasMetadata> Map<String, List<T>> byControllerUid(List<T> objects) {
        Map<String, List<T>> index = new HashMap<>();
        for (T object : objects) {
            controllerUid(object).ifPresent(uid -> index.computeIfAbsent(uid, k -> new ArrayList<>()).add(object));
        }
        index.replaceAll((uid, owned) -> List.copyOf(owned));
        return index;
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

}
