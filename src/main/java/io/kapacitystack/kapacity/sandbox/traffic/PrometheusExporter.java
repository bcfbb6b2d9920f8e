package io.kapacitystack.kapacity.sandbox.traffic;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;
import io.kapacitystack.kapacity.sandbox.sim.PodConditions;
import io.kapacitystack.kapacity.sandbox.sim.World;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.HashSet;

/**
 * Prometheus text exposition of the simulated world, named and labelled like the real exporters so Kapacity's
 * default queries work unchanged: cAdvisor's {@code container_cpu_usage_seconds_total} (a counter: CPU usage
 * integrated over simulated time since the container started) and {@code container_memory_working_set_bytes};
 * kube-state-metrics' {@code kube_pod_status_ready}; ingress-nginx's {@code nginx_ingress_controller_requests}
 * (counter) plus the gauge {@code nginx_ingress_controller_requests_rate} per Ingress; and
 * {@code sandbox_workload_requests_per_second} per workload.
 */
public final class PrometheusExporter implements Handler<RoutingContext> {

    /** Finer integration steps than this add nothing at Prometheus' resolution. */
    private static final Duration MAX_STEP = Duration.ofSeconds(15);
    private static final int MAX_STEPS_PER_SCRAPE = 2000;

    /** A running integral of a rate: total so far up to {@code until}. */
    private record Integral(Instant until, double total) {
    }

    private final SimulatedMetrics metrics;
    private final TrafficAnnotations traffic;
    private final Supplier<World> world;
    private final Map<String, Integral> counters = new ConcurrentHashMap<>();

    public PrometheusExporter(SimulatedMetrics metrics, TrafficAnnotations traffic, Supplier<World> world) {
        this.metrics = metrics;
        this.traffic = traffic;
        this.world = world;
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(scrape());
    }

    /** The exposition text at the clock's current time. */
    public synchronized String scrape() {
        Instant now = metrics.clock().now();
        World w = world.get();
        StringBuilder out = new StringBuilder();
        if (w == null) {
            return "";
        }
        List<PodUsage> usages = metrics.podUsages(null, now);
        Set<String> live = new HashSet<>();

        header(out, "container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.");
        for (PodUsage u : usages) {
            String key = "cpu/" + u.namespace() + "/" + u.pod() + "/" + u.container();
            live.add(key);
            Instant started = containerStart(w, u.namespace(), u.pod(), u.container(), now);
            double total = integrate(key, started, now, t -> metrics.podUsage(u.namespace(), u.pod(), t).stream()
                    .filter(x -> x.container().equals(u.container())).mapToDouble(PodUsage::cpuCores).sum());
            sample(out, "container_cpu_usage_seconds_total", containerLabels(u), total);
        }
        header(out, "container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes.");
        for (PodUsage u : usages) {
            sample(out, "container_memory_working_set_bytes", containerLabels(u), u.memoryBytes());
        }
        header(out, "kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.");
        for (Pod pod : w.pods()) {
            boolean ready = PodConditions.isReady(pod);
            String base = "namespace=\"" + esc(pod.getMetadata().getNamespace()) + "\",pod=\""
                    + esc(pod.getMetadata().getName()) + "\",uid=\"" + esc(pod.getMetadata().getUid()) + "\"";
            sample(out, "kube_pod_status_ready", base + ",condition=\"true\"", ready ? 1 : 0);
            sample(out, "kube_pod_status_ready", base + ",condition=\"false\"", ready ? 0 : 1);
            sample(out, "kube_pod_status_ready", base + ",condition=\"unknown\"", 0);
        }
        header(out, "nginx_ingress_controller_requests", "counter", "The total number of client requests.");
        StringBuilder rates = new StringBuilder();
        for (Ingress ingress : w.ingresses()) {
            String ns = ingress.getMetadata().getNamespace();
            String name = ingress.getMetadata().getName();
            String key = "ingress/" + ns + "/" + name;
            live.add(key);
            Instant created = Timestamps.parse(ingress.getMetadata().getCreationTimestamp());
            double total = integrate(key, created == null ? now : created, now,
                    t -> metrics.ingressRequestsPerSecond(ns, name, t));
            String labels = "namespace=\"" + esc(ns) + "\",ingress=\"" + esc(name) + "\",service=\""
                    + esc(backendService(ingress)) + "\",status=\"200\",method=\"GET\",path=\"/\","
                    + "controller_class=\"k8s.io/ingress-nginx\",controller_namespace=\"ingress-nginx\","
                    + "controller_pod=\"ingress-nginx-controller-sandbox\"";
            sample(out, "nginx_ingress_controller_requests", labels, Math.floor(total));
            sample(rates, "nginx_ingress_controller_requests_rate", "namespace=\"" + esc(ns) + "\",ingress=\""
                    + esc(name) + "\"", metrics.ingressRequestsPerSecond(ns, name, now));
        }
        header(out, "nginx_ingress_controller_requests_rate", "gauge",
                "Client requests per second through the ingress (sandbox).");
        out.append(rates);
        header(out, "sandbox_workload_requests_per_second", "gauge", "Simulated traffic of a workload.");
        for (WorkloadRef ref : traffic.known()) {
            sample(out, "sandbox_workload_requests_per_second", "namespace=\"" + esc(ref.namespace())
                    + "\",workload_kind=\"" + ref.kind() + "\",workload=\"" + esc(ref.name()) + "\"",
                    metrics.requestsPerSecond(ref, now));
        }
        counters.keySet().retainAll(live);
        return out.toString();
    }

    /** Advances the stored integral of {@code rate} from its last point (or {@code start}) to {@code now}. */
    private double integrate(String key, Instant start, Instant now, ToDoubleFunction<Instant> rate) {
        Integral previous = counters.getOrDefault(key, new Integral(start, 0));
        Instant from = previous.until();
        if (!now.isAfter(from)) {
            return previous.total();
        }
        long spanMillis = Duration.between(from, now).toMillis();
        int steps = (int) Math.min(MAX_STEPS_PER_SCRAPE, Math.max(1, Math.ceil(spanMillis / (double) MAX_STEP.toMillis())));
        double stepSeconds = spanMillis / 1000.0 / steps;
        double total = previous.total();
        double left = rate.applyAsDouble(from);
        for (int i = 1; i <= steps; i++) {
            Instant t = from.plusMillis(Math.round(spanMillis * (double) i / steps));
            double right = rate.applyAsDouble(t);
            total += (left + right) / 2 * stepSeconds;
            left = right;
        }
        counters.put(key, new Integral(now, total));
        return total;
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name).append('{').append(labels).append("} ").append(format(value)).append('\n');
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String containerLabels(PodUsage u) {
        return "namespace=\"" + esc(u.namespace()) + "\",pod=\"" + esc(u.pod()) + "\",container=\""
                + esc(u.container()) + "\",cpu=\"total\"";
    }

    private static String backendService(Ingress ingress) {
        if (ingress.getSpec() == null || ingress.getSpec().getRules() == null) {
            return "";
        }
        return ingress.getSpec().getRules().stream().filter(r -> r.getHttp() != null)
                .flatMap(r -> r.getHttp().getPaths().stream())
                .filter(p -> p.getBackend() != null && p.getBackend().getService() != null)
                .map(p -> p.getBackend().getService().getName()).distinct().collect(Collectors.joining(","));
    }

    private Instant containerStart(World w, String ns, String podName, String container, Instant now) {
        Instant start = w.pods().stream()
                .filter(p -> p.getMetadata().getNamespace().equals(ns) && p.getMetadata().getName().equals(podName))
                .flatMap(p -> p.getStatus().getContainerStatuses().stream())
                .filter(cs -> cs.getName().equals(container))
                .map(ContainerStatus::getState)
                .filter(s -> s != null && s.getRunning() != null)
                .map(s -> Timestamps.parse(s.getRunning().getStartedAt()))
                .findFirst().orElse(now);
        return start.isBefore(metrics.horizonStart()) ? metrics.horizonStart() : start;
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
