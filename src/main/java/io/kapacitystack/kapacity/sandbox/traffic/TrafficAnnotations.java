package io.kapacitystack.kapacity.sandbox.traffic;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;
import io.kapacitystack.kapacity.sandbox.sim.World;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads each workload's {@code sandbox.kapacitystack.io/traffic} and cost annotations (a simulator step, run
 * after every pass). A malformed value is reported once as a Warning Event {@code InvalidTrafficAnnotation} on
 * the workload and otherwise ignored: the workload keeps its previous traffic (zero if it never had a valid one).
 */
public final class TrafficAnnotations implements BiConsumer<World, Instant> {

    public static final String TRAFFIC = "sandbox.kapacitystack.io/traffic";
    public static final String INVALID_REASON = "InvalidTrafficAnnotation";

    /** What is known about one workload's annotations; {@code seen} is the raw text already handled. */
    private record State(Map<String, String> seen, TrafficProfile profile, WorkloadCost cost) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<WorkloadRef, State> states = new ConcurrentHashMap<>();
    /** The world last read (the simulator runs this step on its own thread only). */
    private World lastWorld;

    public TrafficAnnotations(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public TrafficProfile profile(WorkloadRef workload) {
        State s = states.get(workload);
        return s == null ? TrafficProfile.NONE : s.profile();
    }

    public WorkloadCost cost(WorkloadRef workload) {
        State s = states.get(workload);
        return s == null ? WorkloadCost.DEFAULT : s.cost();
    }

    @Override
    public void accept(World world, Instant now) {
        if (world == lastWorld) {
            return; // the simulator hands the same snapshot until something in it changed: nothing to read again
        }
        lastWorld = world;
        Set<WorkloadRef> present = new HashSet<>();
        Stream.of(world.statefulSets().stream(), world.deployments().stream(),
                        world.replicaSets().stream().filter(rs -> World.controllerRef(rs).isEmpty()),
                        world.replicationControllers().stream())
                .flatMap(s -> s)
                .forEach(w -> {
                    WorkloadRef ref = refOf(w);
                    present.add(ref);
                    update(w, ref);
                });
        states.keySet().retainAll(present);
    }

    public static WorkloadRef refOf(HasMetadata workload) {
        return new WorkloadRef(workload.getKind() != null ? workload.getKind()
                : workload instanceof ReplicaSet ? "ReplicaSet" : workload.getClass().getSimpleName(),
                workload.getMetadata().getNamespace(), workload.getMetadata().getName());
    }

    private void update(HasMetadata workload, WorkloadRef ref) {
        Map<String, String> annotations = relevant(workload.getMetadata().getAnnotations());
        State previous = states.get(ref);
        if (previous != null && previous.seen().equals(annotations)) {
            return;
        }
        TrafficProfile profile = previous == null ? TrafficProfile.NONE : previous.profile();
        WorkloadCost cost = previous == null ? WorkloadCost.DEFAULT : previous.cost();
        String text = annotations.get(TRAFFIC);
        boolean trafficChanged = previous == null || !Objects.equals(previous.seen().get(TRAFFIC), text);
        if (text == null) {
            profile = TrafficProfile.NONE;
        } else if (trafficChanged) {
            try {
                profile = TrafficProfile.parse(text);
            } catch (IllegalArgumentException e) {
                warn(workload, "invalid " + TRAFFIC + " \"" + text + "\": " + e.getMessage()
                        + "; keeping the previous traffic (" + profile.describe() + ")");
            }
        }
        try {
            cost = WorkloadCost.fromAnnotations(annotations);
        } catch (IllegalArgumentException e) {
            warn(workload, e.getMessage() + "; keeping the previous value");
        }
        states.put(ref, new State(annotations, profile, cost));
    }

    private static Map<String, String> relevant(Map<String, String> annotations) {
        Map<String, String> out = new TreeMap<>();
        if (annotations != null) {
            annotations.forEach((k, v) -> {
                if (k.startsWith("sandbox.kapacitystack.io/")) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    private void warn(HasMetadata workload, String message) {
        String ts = Timestamps.format(clock.now());
        try {
            client.v1().events().inNamespace(workload.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(workload.getMetadata().getName() + ".")
                    .withNamespace(workload.getMetadata().getNamespace()).endMetadata()
                    .withNewInvolvedObject().withApiVersion(workload.getApiVersion()).withKind(workload.getKind())
                    .withName(workload.getMetadata().getName()).withNamespace(workload.getMetadata().getNamespace())
                    .withUid(workload.getMetadata().getUid()).endInvolvedObject()
                    .withType("Warning").withReason(INVALID_REASON).withMessage(message)
                    .withNewSource().withComponent("kapacity-sandbox").endSource()
                    .withReportingComponent("kapacity-sandbox").withReportingInstance("sandbox")
                    .withFirstTimestamp(ts).withLastTimestamp(ts).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            // an event is best effort
        }
    }

    List<WorkloadRef> known() {
        return List.copyOf(states.keySet());
    }
}
