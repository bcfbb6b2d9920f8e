package io.kapacitystack.kapacity.sandbox.traffic;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.sim.PodConditions;
import io.kapacitystack.kapacity.sandbox.sim.World;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the simulated pods consume, for any instant from {@code now - horizon} on: a workload's traffic at t is
 * spread evenly over its currently ready pods, each pod then uses {@code base + share × cost-per-request} CPU and
 * memory. History is synthesized from the traffic profile as if the workload had always run with its current
 * ready pods (so a predictive algorithm can train on "the last 7 days" right after start). Running but not-ready
 * pods use only the base; pending pods have no metrics. Thread-safe; reads the simulator's latest world.
 */
public final class SimulatedMetrics {

    private final Supplier<World> world;
    private final TrafficAnnotations traffic;
    private final Clock clock;
    private final Duration horizon;

    public SimulatedMetrics(Supplier<World> world, TrafficAnnotations traffic, Clock clock, Duration horizon) {
        this.world = world;
        this.traffic = traffic;
        this.clock = clock;
        this.horizon = horizon;
    }

    public Clock clock() {
        return clock;
    }

    /** The earliest instant with (synthesized) data. */
    public Instant horizonStart() {
        return clock.now().minus(horizon);
    }

    /** Requests/s the workload receives at {@code t} (0 if unknown or before the horizon). */
    public double requestsPerSecond(WorkloadRef workload, Instant t) {
        return inHorizon(t) ? traffic.profile(workload).requestsPerSecond(t) : 0;
    }

    /** Usage of every running pod in {@code namespace} (null = all namespaces), one entry per container. */
    public List<PodUsage> podUsages(String namespace, Instant t) {
        World w = world.get();
        List<PodUsage> out = new ArrayList<>();
        if (w == null || !inHorizon(t)) {
            return out;
        }
        List<Pod> pods = namespace == null ? w.pods() : w.podsIn(namespace);
        Map<WorkloadRef, Long> serving = servingPods(w, pods);
        for (Pod pod : pods) {
            if (PodConditions.isRunning(pod)) {
                out.addAll(usage(w, pod, serving, t));
            }
        }
        return out;
    }

    /** Usage of one pod's containers at {@code t}; empty if the pod does not exist or is not running. */
    public List<PodUsage> podUsage(String namespace, String podName, Instant t) {
        World w = world.get();
        if (w == null || !inHorizon(t)) {
            return List.of();
        }
        return w.podsIn(namespace).stream()
                .filter(p -> p.getMetadata().getName().equals(podName))
                .filter(PodConditions::isRunning)
                .findFirst().map(p -> usage(w, p, servingPods(w, w.podsIn(namespace)), t)).orElse(List.of());
    }

    /** Usage of the pods of one workload at {@code t}. */
    public List<PodUsage> workloadUsages(WorkloadRef workload, Instant t) {
        return podUsages(workload.namespace(), t).stream().filter(u -> workload.equals(u.workload())).toList();
    }

    /** Requests/s through an Ingress: the traffic of every workload whose pods its backend Services select. */
    public double ingressRequestsPerSecond(String namespace, String ingressName, Instant t) {
        World w = world.get();
        if (w == null) {
            return 0;
        }
        return w.ingresses().stream()
                .filter(i -> i.getMetadata().getNamespace().equals(namespace) && i.getMetadata().getName().equals(ingressName))
                .findFirst().map(i -> backendWorkloads(w, i).stream().mapToDouble(wl -> requestsPerSecond(wl, t)).sum())
                .orElse(0.0);
    }

    /** The workloads behind an Ingress's backend Services. */
    public Set<WorkloadRef> backendWorkloads(World w, Ingress ingress) {
        Set<String> serviceNames = new LinkedHashSet<>();
        if (ingress.getSpec() != null) {
            addBackend(serviceNames, ingress.getSpec().getDefaultBackend());
            if (ingress.getSpec().getRules() != null) {
                ingress.getSpec().getRules().forEach(r -> {
                    if (r.getHttp() != null && r.getHttp().getPaths() != null) {
                        r.getHttp().getPaths().forEach(p -> addBackend(serviceNames, p.getBackend()));
                    }
                });
            }
        }
        String ns = ingress.getMetadata().getNamespace();
        Set<WorkloadRef> out = new LinkedHashSet<>();
        for (Service svc : w.services()) {
            if (!svc.getMetadata().getNamespace().equals(ns) || !serviceNames.contains(svc.getMetadata().getName())
                    || svc.getSpec() == null || svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
                continue;
            }
            Map<String, String> selector = svc.getSpec().getSelector();
            for (Pod pod : w.pods()) {
                if (pod.getMetadata().getNamespace().equals(ns) && matches(selector, pod.getMetadata().getLabels())) {
                    workloadOf(w, pod).ifPresent(out::add);
                }
            }
            w.statefulSets().stream().filter(s -> s.getMetadata().getNamespace().equals(ns))
                    .filter(s -> matches(selector, s.getSpec().getTemplate().getMetadata().getLabels()))
                    .forEach(s -> out.add(TrafficAnnotations.refOf(s)));
            w.deployments().stream().filter(d -> d.getMetadata().getNamespace().equals(ns))
                    .filter(d -> matches(selector, d.getSpec().getTemplate().getMetadata().getLabels()))
                    .forEach(d -> out.add(TrafficAnnotations.refOf(d)));
        }
        return out;
    }

    private static void addBackend(Set<String> names, IngressBackend backend) {
        if (backend != null && backend.getService() != null) {
            names.add(backend.getService().getName());
        }
    }

    /**
     * Serving pods per workload among {@code pods}, which hold every pod of their namespaces (a workload's pods are
     * all in its namespace). Counted once per query: counting them per pod over the whole world made a namespace's
     * metrics cost pods² (docs/scaling-out.md).
     */
    private static Map<WorkloadRef, Long> servingPods(World w, List<Pod> pods) {
        Map<WorkloadRef, Long> serving = new HashMap<>();
        for (Pod p : pods) {
            if (isServing(p)) {
                workloadOf(w, p).ifPresent(ref -> serving.merge(ref, 1L, Long::sum));
            }
        }
        return serving;
    }

    private List<PodUsage> usage(World w, Pod pod, Map<WorkloadRef, Long> serving, Instant t) {
        Optional<WorkloadRef> workload = workloadOf(w, pod);
        boolean ready = isServing(pod);
        double share = 0;
        WorkloadCost cost = WorkloadCost.DEFAULT;
        if (workload.isPresent()) {
            cost = traffic.cost(workload.get());
            long readyPods = serving.getOrDefault(workload.get(), 0L);
            if (ready && readyPods > 0) {
                share = traffic.profile(workload.get()).requestsPerSecond(t) / readyPods;
            }
        }
        List<PodUsage> out = new ArrayList<>();
        var containers = pod.getSpec().getContainers();
        for (int i = 0; i < containers.size(); i++) {
            // the first container serves the traffic; sidecars idle at the base cost
            double containerShare = i == 0 ? share : 0;
            out.add(new PodUsage(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                    containers.get(i).getName(), pod.getSpec().getNodeName(), workload.orElse(null), ready,
                    containerShare, cost.cpuCores(containerShare), cost.memoryBytes(containerShare), t));
        }
        return out;
    }

    private static boolean isServing(Pod pod) {
        return !World.isTerminating(pod) && PodConditions.isReady(pod);
    }

    /** The StatefulSet / Deployment (through its ReplicaSet) / bare ReplicaSet a pod belongs to. */
    public static Optional<WorkloadRef> workloadOf(World w, Pod pod) {
        Optional<OwnerReference> ref = World.controllerRef(pod);
        if (ref.isEmpty()) {
            return Optional.empty();
        }
        String ns = pod.getMetadata().getNamespace();
        if ("ReplicaSet".equals(ref.get().getKind())) {
            Optional<ReplicaSet> rs = w.replicaSets().stream()
                    .filter(r -> Objects.equals(r.getMetadata().getUid(), ref.get().getUid())).findFirst();
            Optional<OwnerReference> deployment = rs.flatMap(World::controllerRef)
                    .filter(o -> "Deployment".equals(o.getKind()));
            if (deployment.isPresent()) {
                return Optional.of(new WorkloadRef("Deployment", ns, deployment.get().getName()));
            }
        }
        return Optional.of(new WorkloadRef(ref.get().getKind(), ns, ref.get().getName()));
    }

    private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return labels != null && selector.entrySet().stream()
                .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    private boolean inHorizon(Instant t) {
        return !t.isBefore(horizonStart());
    }

    static String nameOf(HasMetadata o) {
        return o.getMetadata().getName();
    }
}
