package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Kubernetes v1.25 HPA {@code ReplicaCalculator} (spec §6.3.1) as a pure function of its inputs: the pods the
 * scale selector picks, the per-pod metric samples already fetched, and {@code now}. Every failure is a
 * {@link ReplicaCalculationException} carrying upstream's text. Integer divisions and float rounding follow upstream
 * (Go's {@code int32(...)} truncation, {@code math.Ceil}).
 */
public final class ReplicaCalculator {

    public static final String NO_PODS = "no pods returned by selector while calculating replica count";
    public static final String NO_READY_METRICS = "did not receive metrics for any ready pods";
    public static final String NO_MATCHING_METRICS = "no metrics returned matched known pods";

    private final double tolerance;
    private final Duration cpuInitializationPeriod;
    private final Duration initialReadinessDelay;

    public ReplicaCalculator(double tolerance, Duration cpuInitializationPeriod, Duration initialReadinessDelay) {
        this.tolerance = tolerance;
        this.cpuInitializationPeriod = cpuInitializationPeriod;
        this.initialReadinessDelay = initialReadinessDelay;
    }

    public double tolerance() {
        return tolerance;
    }

    /**
     * What the last calculation saw, as {@code kubectl describe hpa} shows it: the utilization and average usage of
     * the ready pods for a utilization target, otherwise the (average) value compared with the target. Null before
     * the first calculation or when it failed before measuring.
     */
    public String lastObserved() {
        return observed;
    }

    private String observed;

    // ---- resource metrics (Resource / ContainerResource) ----

    /**
     * Upstream {@code GetResourceReplicas} after the metrics fetch: replicas for a target utilization (percent of
     * request) of {@code resource}, restricted to {@code container} when it is non-empty.
     */
    public int resourceUtilizationReplicas(int currentReplicas, int targetUtilization, String resource, String container,
                                           List<Pod> pods, Map<String, PodMetric> fetched, Instant now) {
        Map<String, PodMetric> metrics = new HashMap<>(fetched);
        if (pods.isEmpty()) {
            throw new ReplicaCalculationException(NO_PODS);
        }
        Groups g = groupPods(pods, metrics, resource, now);
        metrics.keySet().removeAll(g.ignored);
        metrics.keySet().removeAll(g.unready);
        if (metrics.isEmpty()) {
            throw new ReplicaCalculationException(NO_READY_METRICS);
        }
        Map<String, Long> requests = podRequests(pods, container, resource);
        double usageRatio = utilizationRatio(metrics, requests, targetUtilization);
        observed = (int) Math.round(usageRatio * targetUtilization) + "% ("
                + formatMilli(resource, total(metrics) / metrics.size()) + ")";

        boolean scaleUpWithUnready = !g.unready.isEmpty() && usageRatio > 1.0;
        if (!scaleUpWithUnready && g.missing.isEmpty()) {
            if (Math.abs(1.0 - usageRatio) <= tolerance) {
                return currentReplicas;
            }
            return (int) Math.ceil(usageRatio * g.readyCount);
        }
        if (!g.missing.isEmpty()) {
            if (usageRatio < 1.0) {
                // scale-down: a pod without a sample counts as using its whole request (v1.25 behavior)
                for (String p : g.missing) {
                    metrics.put(p, PodMetric.of(requests.get(p)));
                }
            } else if (usageRatio > 1.0) {
                for (String p : g.missing) {
                    metrics.put(p, PodMetric.of(0));
                }
            }
        }
        if (scaleUpWithUnready) {
            for (String p : g.unready) {
                metrics.put(p, PodMetric.of(0));
            }
        }
        double newUsageRatio = utilizationRatio(metrics, requests, targetUtilization);
        if (Math.abs(1.0 - newUsageRatio) <= tolerance || flipped(usageRatio, newUsageRatio)) {
            return currentReplicas;
        }
        int newReplicas = (int) Math.ceil(newUsageRatio * metrics.size());
        if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
            return currentReplicas;
        }
        return newReplicas;
    }

    /** Upstream {@code GetRawResourceReplicas}: a target average value (milli-units) of {@code resource}. */
    public int rawResourceReplicas(int currentReplicas, long targetMilli, String resource, List<Pod> pods,
                                   Map<String, PodMetric> fetched, Instant now) {
        return plainMetricReplicas(currentReplicas, targetMilli, resource, pods, fetched, now);
    }

    /** Upstream {@code GetMetricReplicas} (Pods metric source): a target average value per pod in milli-units. */
    public int podsMetricReplicas(int currentReplicas, long targetMilli, List<Pod> pods, Map<String, PodMetric> fetched,
                                  Instant now) {
        return plainMetricReplicas(currentReplicas, targetMilli, "", pods, fetched, now);
    }

    private int plainMetricReplicas(int currentReplicas, long target, String resource, List<Pod> pods,
                                    Map<String, PodMetric> fetched, Instant now) {
        Map<String, PodMetric> metrics = new HashMap<>(fetched);
        if (pods.isEmpty()) {
            throw new ReplicaCalculationException(NO_PODS);
        }
        Groups g = groupPods(pods, metrics, resource, now);
        metrics.keySet().removeAll(g.ignored);
        metrics.keySet().removeAll(g.unready);
        if (metrics.isEmpty()) {
            throw new ReplicaCalculationException(NO_READY_METRICS);
        }
        double usageRatio = usageRatio(metrics, target);
        observed = formatMilli(resource, total(metrics) / metrics.size());

        boolean scaleUpWithUnready = !g.unready.isEmpty() && usageRatio > 1.0;
        if (!scaleUpWithUnready && g.missing.isEmpty()) {
            if (Math.abs(1.0 - usageRatio) <= tolerance) {
                return currentReplicas;
            }
            return (int) Math.ceil(usageRatio * g.readyCount);
        }
        if (!g.missing.isEmpty()) {
            // v1.25: the target on a scale-down, otherwise (also at exactly 1.0) zero
            long fill = usageRatio < 1.0 ? target : 0;
            for (String p : g.missing) {
                metrics.put(p, PodMetric.of(fill));
            }
        }
        if (scaleUpWithUnready) {
            for (String p : g.unready) {
                metrics.put(p, PodMetric.of(0));
            }
        }
        double newUsageRatio = usageRatio(metrics, target);
        if (Math.abs(1.0 - newUsageRatio) <= tolerance || flipped(usageRatio, newUsageRatio)) {
            return currentReplicas;
        }
        // v1.25 has no direction guard on this path
        return (int) Math.ceil(newUsageRatio * metrics.size());
    }

    // ---- Object / External ----

    /** Upstream {@code GetObjectMetricReplicas} (target type Value): {@code usage} is the object's value. */
    public int objectValueReplicas(int currentReplicas, long usageMilli, long targetMilli, List<Pod> pods) {
        observed = formatMilli("", usageMilli);
        return usageRatioReplicas(currentReplicas, (double) usageMilli / (double) targetMilli, pods);
    }

    /** Upstream {@code GetExternalMetricReplicas} (target type Value): the sum of all series is the usage. */
    public int externalValueReplicas(int currentReplicas, List<Long> valuesMilli, long targetMilli, List<Pod> pods) {
        observed = formatMilli("", sum(valuesMilli));
        return usageRatioReplicas(currentReplicas, (double) sum(valuesMilli) / (double) targetMilli, pods);
    }

    /** Upstream {@code GetObjectPerPodMetricReplicas} (target type AverageValue). */
    public int objectAverageValueReplicas(int statusReplicas, long usageMilli, long targetAverageMilli) {
        return perPodReplicas(statusReplicas, usageMilli, targetAverageMilli);
    }

    /** Upstream {@code GetExternalPerPodMetricReplicas} (target type AverageValue). */
    public int externalAverageValueReplicas(int statusReplicas, List<Long> valuesMilli, long targetAverageMilli) {
        return perPodReplicas(statusReplicas, sum(valuesMilli), targetAverageMilli);
    }

    private int perPodReplicas(int statusReplicas, long usage, long targetAverage) {
        observed = formatMilli("", statusReplicas == 0 ? usage : usage / statusReplicas) + " (avg)";
        int replicas = statusReplicas;
        double usageRatio = (double) usage / ((double) targetAverage * (double) statusReplicas);
        if (Math.abs(1.0 - usageRatio) > tolerance) {
            replicas = (int) Math.ceil((double) usage / (double) targetAverage);
        }
        return replicas;
    }

    private int usageRatioReplicas(int currentReplicas, double usageRatio, List<Pod> pods) {
        if (currentReplicas != 0) {
            if (Math.abs(1.0 - usageRatio) <= tolerance) {
                return currentReplicas;
            }
            long ready;
            if (pods.isEmpty()) {
                throw new ReplicaCalculationException("unable to calculate ready pods: " + NO_PODS);
            }
            ready = pods.stream().filter(p -> "Running".equals(phase(p)) && isReady(p)).count();
            return (int) Math.ceil(usageRatio * ready);
        }
        return (int) Math.ceil(usageRatio);
    }

    private static long sum(List<Long> values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    // ---- grouping and ratios ----

    private static final class Groups {
        int readyCount;
        final Set<String> unready = new HashSet<>();
        final Set<String> missing = new HashSet<>();
        final Set<String> ignored = new HashSet<>();
    }

    private Groups groupPods(List<Pod> pods, Map<String, PodMetric> metrics, String resource, Instant now) {
        Groups g = new Groups();
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            if (pod.getMetadata().getDeletionTimestamp() != null || "Failed".equals(phase(pod))) {
                g.ignored.add(name);
                continue;
            }
            if ("Pending".equals(phase(pod))) {
                g.unready.add(name);
                continue;
            }
            PodMetric metric = metrics.get(name);
            if (metric == null) {
                g.missing.add(name);
                continue;
            }
            if ("cpu".equals(resource)) {
                boolean unready;
                PodCondition ready = readyCondition(pod);
                Instant start = pod.getStatus() == null ? null : time(pod.getStatus().getStartTime());
                if (ready == null || start == null) {
                    unready = true;
                } else {
                    Instant transition = time(ready.getLastTransitionTime());
                    if (transition == null) {
                        transition = Instant.EPOCH.minusSeconds(62135596800L); // Go's zero time
                    }
                    if (start.plus(cpuInitializationPeriod).isAfter(now)) {
                        // still initializing: ignore the sample unless a full window was collected since it got ready
                        unready = "False".equals(ready.getStatus()) || metric.timestamp().isBefore(transition.plus(metric.window()));
                    } else {
                        // unready and has never been ready since start
                        unready = "False".equals(ready.getStatus()) && start.plus(initialReadinessDelay).isAfter(transition);
                    }
                }
                if (unready) {
                    g.unready.add(name);
                    continue;
                }
            }
            g.readyCount++;
        }
        return g;
    }

    private static double utilizationRatio(Map<String, PodMetric> metrics, Map<String, Long> requests, int targetUtilization) {
        long metricsTotal = 0;
        long requestsTotal = 0;
        for (Map.Entry<String, PodMetric> e : metrics.entrySet()) {
            Long request = requests.get(e.getKey());
            if (request == null) {
                continue; // a metric of a pod the selector did not list
            }
            metricsTotal += e.getValue().milli();
            requestsTotal += request;
        }
        if (requestsTotal == 0) {
            throw new ReplicaCalculationException(NO_MATCHING_METRICS);
        }
        int currentUtilization = (int) ((metricsTotal * 100) / requestsTotal);
        return (double) currentUtilization / (double) targetUtilization;
    }

    private static double usageRatio(Map<String, PodMetric> metrics, long target) {
        long total = 0;
        for (PodMetric m : metrics.values()) {
            total += m.milli();
        }
        long currentUsage = total / metrics.size();
        return (double) currentUsage / (double) target;
    }

    private static long total(Map<String, PodMetric> metrics) {
        long total = 0;
        for (PodMetric m : metrics.values()) {
            total += m.milli();
        }
        return total;
    }

    /** A milli-value as a Kubernetes quantity: {@code 171m} of CPU, {@code 104857600} bytes, {@code 2500m}. */
    static String formatMilli(String resource, long milli) {
        if (!"cpu".equals(resource) && milli % 1000 == 0) {
            return String.valueOf(milli / 1000);
        }
        return milli + "m";
    }

    private static boolean flipped(double before, double after) {
        return (before < 1.0 && after > 1.0) || (before > 1.0 && after < 1.0);
    }

    /** Per-pod sums of container requests in milli-units, only {@code container} when non-empty. */
    static Map<String, Long> podRequests(List<Pod> pods, String container, String resource) {
        Map<String, Long> requests = new HashMap<>();
        for (Pod pod : pods) {
            long sum = 0;
            List<Container> containers = pod.getSpec() == null || pod.getSpec().getContainers() == null
                    ? List.of() : pod.getSpec().getContainers();
            for (Container c : containers) {
                if (container == null || container.isEmpty() || container.equals(c.getName())) {
                    Quantity q = c.getResources() == null || c.getResources().getRequests() == null
                            ? null : c.getResources().getRequests().get(resource);
                    if (q == null) {
                        throw new ReplicaCalculationException("missing request for " + resource + " in container "
                                + c.getName() + " of Pod " + pod.getMetadata().getName());
                    }
                    sum += milli(q);
                }
            }
            requests.put(pod.getMetadata().getName(), sum);
        }
        return requests;
    }

    /** A quantity's MilliValue (rounded up, as resource.Quantity does). */
    public static long milli(Quantity q) {
        BigDecimal base = q.getNumericalAmount();
        return base.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    static boolean isReady(Pod pod) {
        PodCondition c = readyCondition(pod);
        return c != null && "True".equals(c.getStatus());
    }

    private static Instant time(String t) {
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
