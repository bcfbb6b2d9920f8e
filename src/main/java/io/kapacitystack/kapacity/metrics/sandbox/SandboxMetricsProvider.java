package io.kapacitystack.kapacity.metrics.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.sim.World;
import io.kapacitystack.kapacity.sandbox.traffic.PodUsage;
import io.kapacitystack.kapacity.sandbox.traffic.SimulatedMetrics;
import io.kapacitystack.kapacity.sandbox.traffic.TrafficAnnotations;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Metrics of the sandbox's simulated world, answered directly from {@link SimulatedMetrics} (no Prometheus), for
 * any instant back to the sandbox's metrics horizon. Values and labels follow what Kapacity's default Prometheus
 * config would return for the same world:
 * <ul>
 *   <li>PodResource / ContainerResource: one sample per running pod, {@code cpu} in cores or {@code memory} in
 *       bytes (summed over containers, or of the one container), labels {@code namespace}, {@code pod} (and
 *       {@code container}), window {@link #WINDOW}. Namespace "" = all namespaces.</li>
 *   <li>WorkloadResource / WorkloadContainerResource ({@code apps}/{@code ""} StatefulSet, Deployment,
 *       ReplicaSet): one sample, the sum over the workload's running pods (ready ones if {@code readyPodsOnly}),
 *       label {@code namespace}; nothing while the workload has no such pods.</li>
 *   <li>WorkloadExternal: {@code ready_pods_count} / {@code kube_pod_status_ready} = number of ready pods (series
 *       labels {@code namespace, pod, condition="true"} for the metric selector), no labels;
 *       {@code sandbox_workload_requests_per_second} = the workload's simulated traffic.</li>
 *   <li>Object: Ingress ({@code networking.k8s.io}) × {@code nginx_ingress_controller_requests_rate} (requests/s,
 *       labels {@code namespace, ingress}); StatefulSet/Deployment/ReplicaSet ×
 *       {@code sandbox_workload_requests_per_second}.</li>
 *   <li>External: {@code nginx_ingress_controller_requests_rate} and {@code sandbox_workload_requests_per_second}
 *       (one series per ingress / workload, filtered by the metric selector), {@code ready_pods_count} (summed
 *       over the namespace).</li>
 * </ul>
 * Unknown metrics are NOT_FOUND, unknown resources and workload kinds INVALID_ARGUMENT. History is synthesized
 * by the sandbox as if the current pods had always run. Work runs on a worker thread.
 */
public final class SandboxMetricsProvider implements MetricsProvider {

    /** The window reported for resource samples (as the sandbox's metrics.k8s.io PodMetrics). */
    public static final Duration WINDOW = Duration.ofSeconds(30);

    public static final String INGRESS_RATE = "nginx_ingress_controller_requests_rate";
    public static final String WORKLOAD_RATE = "sandbox_workload_requests_per_second";
    public static final String READY_PODS = "ready_pods_count";
    public static final String POD_READY = "kube_pod_status_ready";

    /**
     * The most points one range query may ask for per series: 14 days (the sandbox's history) at a 30 s step.
     * Prometheus refuses more than 11,000; this is looser so a job may read the whole history at a fine step.
     */
    public static final long MAX_POINTS = 50_000;

    private static final Set<String> WORKLOAD_KINDS = Set.of("StatefulSet", "Deployment", "ReplicaSet");

    private final Vertx vertx;
    private final SimulatedMetrics metrics;
    private final Supplier<World> world;

    /**
     * @param world the current objects of the sandbox (called once per query, on a worker thread; may block)
     */
    public SandboxMetricsProvider(Vertx vertx, SimulatedMetrics metrics, Supplier<World> world) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.world = world;
    }

    /** Over a started cluster; the objects are read from its simulator's cache at each query (no API call). */
    public SandboxMetricsProvider(Vertx vertx, SandboxCluster cluster) {
        this(vertx, cluster.metrics(), cluster::world);
    }

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query) {
        return vertx.executeBlocking(() -> {
            World w = loadWorld();
            Instant now = metrics.clock().now();
            List<Sample> out = new ArrayList<>();
            evaluate(query, w, now).forEach((labels, value) ->
                    out.add(new Sample(now.toEpochMilli(), value, labels, windowOf(query))));
            return out;
        }, false);
    }

    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
        if (start.isAfter(end)) {
            return Future.failedFuture(MetricsException.invalid("start %s is after end %s", start, end));
        }
        if (step.isZero() || step.isNegative()) {
            return Future.failedFuture(MetricsException.invalid("step %s must be positive", step));
        }
        long pointCount = Duration.between(start, end).dividedBy(step) + 1;
        if (pointCount > MAX_POINTS) {
            return Future.failedFuture(MetricsException.invalid(
                    "exceeded maximum resolution of %d points per series: try a larger step than %s", MAX_POINTS, step));
        }
        return vertx.executeBlocking(() -> {
            World w = loadWorld();
            Map<Map<String, String>, List<Point>> series = new LinkedHashMap<>();
            for (Instant t = start; !t.isAfter(end); t = t.plus(step)) {
                long ms = t.toEpochMilli();
                evaluate(query, w, t).forEach((labels, value) ->
                        series.computeIfAbsent(labels, k -> new ArrayList<>()).add(new Point(ms, value)));
            }
            List<Series> out = new ArrayList<>();
            series.forEach((labels, points) -> out.add(new Series(points, labels, windowOf(query))));
            return out;
        }, false);
    }

    private World loadWorld() {
        World w;
        try {
            w = world.get();
        } catch (RuntimeException e) {
            throw new MetricsException(MetricsException.Kind.UNAVAILABLE, "sandbox is not reachable: " + e.getMessage(),
                    e);
        }
        if (w == null) {
            throw new MetricsException(MetricsException.Kind.UNAVAILABLE, "sandbox world not loaded yet");
        }
        return w;
    }

    private static Duration windowOf(MetricQuery q) {
        return q instanceof MetricQuery.PodResource || q instanceof MetricQuery.ContainerResource
                || q instanceof MetricQuery.WorkloadResource || q instanceof MetricQuery.WorkloadContainerResource
                ? WINDOW : null;
    }

    /** label set → value of every series the query selects at {@code t}. */
    private Map<Map<String, String>, Double> evaluate(MetricQuery q, World w, Instant t) {
        if (q instanceof MetricQuery.PodResource p) {
            return pods(w, t, p.namespace(), p.name(), p.selector(), p.resourceName(), null);
        }
        if (q instanceof MetricQuery.ContainerResource c) {
            return pods(w, t, c.namespace(), c.name(), c.selector(), c.resourceName(), c.containerName());
        }
        if (q instanceof MetricQuery.WorkloadResource r) {
            return workload(t, r.groupKind(), r.namespace(), r.name(), r.resourceName(), null, r.readyPodsOnly());
        }
        if (q instanceof MetricQuery.WorkloadContainerResource r) {
            return workload(t, r.groupKind(), r.namespace(), r.name(), r.resourceName(), r.containerName(),
                    r.readyPodsOnly());
        }
        if (q instanceof MetricQuery.WorkloadExternal e) {
            return workloadExternal(w, t, e);
        }
        if (q instanceof MetricQuery.ObjectQuery o) {
            return object(w, t, o);
        }
        if (q instanceof MetricQuery.External e) {
            return external(w, t, e);
        }
        throw MetricsException.unsupported("unsupported query type %s", q.type());
    }

    private static void checkResource(String resource) {
        if (!"cpu".equals(resource) && !"memory".equals(resource)) {
            throw MetricsException.invalid("unsupported resource \"%s\"", resource);
        }
    }

    private static double valueOf(PodUsage u, String resource) {
        return "cpu".equals(resource) ? u.cpuCores() : (double) u.memoryBytes();
    }

    private Map<Map<String, String>, Double> pods(World w, Instant t, String namespace, String name,
                                                  Selector selector, String resource, String container) {
        checkResource(resource);
        String ns = namespace.isEmpty() ? null : namespace;
        List<PodUsage> usages;
        if (!name.isEmpty()) {
            usages = ns == null ? metrics.podUsages(null, t).stream().filter(u -> u.pod().equals(name)).toList()
                    : metrics.podUsage(ns, name, t);
        } else {
            Set<String> selected = new LinkedHashSet<>();
            for (Pod pod : w.pods()) {
                if ((ns == null || ns.equals(pod.getMetadata().getNamespace()))
                        && selector.matches(pod.getMetadata().getLabels())) {
                    selected.add(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName());
                }
            }
            usages = metrics.podUsages(ns, t).stream().filter(u -> selected.contains(u.namespace() + "/" + u.pod()))
                    .toList();
        }
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        for (PodUsage u : usages) {
            if (container != null && !container.equals(u.container())) {
                continue;
            }
            Map<String, String> labels = container == null ? Map.of("namespace", u.namespace(), "pod", u.pod())
                    : Map.of("namespace", u.namespace(), "pod", u.pod(), "container", u.container());
            out.merge(labels, valueOf(u, resource), Double::sum);
        }
        return out;
    }

    private static WorkloadRef workloadRef(GroupKind gk, String namespace, String name) {
        if (!(gk.group().isEmpty() || gk.group().equals("apps")) || !WORKLOAD_KINDS.contains(gk.kind())) {
            throw MetricsException.invalid("unknown workload type \"%s\"", gk);
        }
        return new WorkloadRef(gk.kind(), namespace, name);
    }

    private Map<Map<String, String>, Double> workload(Instant t, GroupKind gk, String namespace, String name,
                                                      String resource, String container, boolean readyOnly) {
        checkResource(resource);
        WorkloadRef ref = workloadRef(gk, namespace, name);
        double sum = 0;
        boolean any = false;
        for (PodUsage u : metrics.workloadUsages(ref, t)) {
            if ((readyOnly && !u.ready()) || (container != null && !container.equals(u.container()))) {
                continue;
            }
            sum += valueOf(u, resource);
            any = true;
        }
        return any ? Map.of(Map.of("namespace", namespace), sum) : Map.of();
    }

    /** Per-pod {@code kube_pod_status_ready{condition="true"}} series of running pods: labels → 1 or 0. */
    private static Map<Map<String, String>, Double> readySeries(List<PodUsage> usages) {
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        for (PodUsage u : usages) {
            out.put(Map.of("namespace", u.namespace(), "pod", u.pod(), "condition", "true"), u.ready() ? 1.0 : 0.0);
        }
        return out;
    }

    private static boolean exists(World w, WorkloadRef ref) {
        return Stream.of(w.statefulSets().stream(), w.deployments().stream(), w.replicaSets().stream(),
                        w.replicationControllers().stream())
                .flatMap(s -> s).map(TrafficAnnotations::refOf).anyMatch(ref::equals);
    }

    private Map<Map<String, String>, Double> workloadExternal(World w, Instant t, MetricQuery.WorkloadExternal e) {
        WorkloadRef ref = workloadRef(e.groupKind(), e.namespace(), e.name());
        MetricIdentifier m = e.metric();
        switch (m.name()) {
            case READY_PODS:
            case POD_READY: {
                if (!exists(w, ref)) {
                    return Map.of();
                }
                double ready = readySeries(metrics.workloadUsages(ref, t)).entrySet().stream()
                        .filter(s -> m.selectorOrEverything().matches(s.getKey()))
                        .mapToDouble(Map.Entry::getValue).sum();
                return Map.of(Map.of(), ready);
            }
            case WORKLOAD_RATE:
                return exists(w, ref) ? workloadRate(ref, t, m.selectorOrEverything()) : Map.of();
            default:
                throw MetricsException.notFound("external metric \"%s\" not found", m.name());
        }
    }

    private Map<Map<String, String>, Double> workloadRate(WorkloadRef ref, Instant t, Selector selector) {
        Map<String, String> labels = Map.of("namespace", ref.namespace(), "workload_kind", ref.kind(),
                "workload", ref.name());
        return selector.matches(labels) ? Map.of(labels, metrics.requestsPerSecond(ref, t)) : Map.of();
    }

    private static boolean isIngress(GroupKind gk) {
        return "Ingress".equals(gk.kind()) && (gk.group().isEmpty() || gk.group().equals("networking.k8s.io")
                || gk.group().equals("extensions"));
    }

    private static boolean selected(HasMetadata o, String namespace, String name, Selector selector) {
        return (namespace.isEmpty() || namespace.equals(o.getMetadata().getNamespace()))
                && (name.isEmpty() ? selector == null || selector.matches(o.getMetadata().getLabels())
                : name.equals(o.getMetadata().getName()));
    }

    private Map<Map<String, String>, Double> ingressRates(World w, Instant t, String namespace, String name,
                                                          Selector objectSelector, Selector metricSelector) {
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        for (Ingress i : w.ingresses()) {
            if (!selected(i, namespace, name, objectSelector)) {
                continue;
            }
            String ns = i.getMetadata().getNamespace();
            Map<String, String> labels = Map.of("namespace", ns, "ingress", i.getMetadata().getName());
            if (metricSelector.matches(labels)) {
                out.put(labels, metrics.ingressRequestsPerSecond(ns, i.getMetadata().getName(), t));
            }
        }
        return out;
    }

    private Map<Map<String, String>, Double> workloadRates(World w, Instant t, String namespace, String kind,
                                                           String name, Selector objectSelector,
                                                           Selector metricSelector) {
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        Stream.of(w.statefulSets().stream(), w.deployments().stream(),
                        w.replicaSets().stream().filter(rs -> World.controllerRef(rs).isEmpty()),
                        w.replicationControllers().stream())
                .flatMap(s -> s)
                .filter(o -> selected(o, namespace, name, objectSelector))
                .map(TrafficAnnotations::refOf)
                .filter(ref -> kind == null || kind.equals(ref.kind()))
                .forEach(ref -> out.putAll(workloadRate(ref, t, metricSelector)));
        return out;
    }

    private Map<Map<String, String>, Double> object(World w, Instant t, MetricQuery.ObjectQuery o) {
        MetricIdentifier m = o.metric();
        if (isIngress(o.groupKind()) && INGRESS_RATE.equals(m.name())) {
            return ingressRates(w, t, o.namespace(), o.name(), o.selector(), m.selectorOrEverything());
        }
        if (WORKLOAD_RATE.equals(m.name()) && WORKLOAD_KINDS.contains(o.groupKind().kind())
                && (o.groupKind().group().isEmpty() || o.groupKind().group().equals("apps"))) {
            return workloadRates(w, t, o.namespace(), o.groupKind().kind(), o.name(), o.selector(),
                    m.selectorOrEverything());
        }
        throw MetricsException.notFound("metric {%s %s %s} not registered", o.groupKind(),
                !o.namespace().isEmpty(), m.name());
    }

    private Map<Map<String, String>, Double> external(World w, Instant t, MetricQuery.External e) {
        MetricIdentifier m = e.metric();
        switch (m.name()) {
            case INGRESS_RATE:
                return ingressRates(w, t, e.namespace(), "", null, m.selectorOrEverything());
            case WORKLOAD_RATE:
                return workloadRates(w, t, e.namespace(), null, "", null, m.selectorOrEverything());
            case READY_PODS: {
                List<PodUsage> usages = metrics.podUsages(e.namespace().isEmpty() ? null : e.namespace(), t);
                double ready = readySeries(usages).entrySet().stream()
                        .filter(s -> m.selectorOrEverything().matches(s.getKey()))
                        .mapToDouble(Map.Entry::getValue).sum();
                return Map.of(Map.of(), ready);
            }
            default:
                throw MetricsException.notFound("external metric \"%s\" not found", m.name());
        }
    }
}
