package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Today's Kubernetes HPA {@code ReplicaCalculator} (upstream {@code pkg/controller/podautoscaler/replica_calculator.go}
 * and {@code metrics/utilization.go}, master) as a pure function of its inputs: the pods the scale selector picks, the
 * per-pod metric samples already fetched, and {@code now}. Every failure is a {@link ReplicaCalculationException}
 * carrying upstream's text. Integer divisions and float rounding follow upstream (Go's {@code int32(...)} truncation,
 * {@code math.Ceil}); sums of metric values are exact (no int64 wrap) and replica counts saturate at int32's maximum.
 * Where this differs from the v1.25 calculator Kapacity vendored is listed in docs/compatibility.md.
 */
public final class ReplicaCalculator {

    public static final String NO_PODS = "no pods returned by selector while calculating replica count";
    public static final String NO_READY_METRICS = "did not receive metrics for targeted pods (pods might be unready)";
    public static final String NO_MATCHING_METRICS = "no metrics returned matched known pods";

    private static final BigInteger HUNDRED = BigInteger.valueOf(100);
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);

    /**
     * How far the usage ratio may fall below (scale-down) or rise above (scale-up) 1.0 before the count changes
     * (KEP-4951: {@code behavior.scaleDown.tolerance} / {@code behavior.scaleUp.tolerance}).
     */
    public record Tolerances(double scaleDown, double scaleUp) {

        public static Tolerances both(double tolerance) {
            return new Tolerances(tolerance, tolerance);
        }

        public boolean isWithin(double usageRatio) {
            return 1.0 - scaleDown <= usageRatio && usageRatio <= 1.0 + scaleUp;
        }
    }

    private final Tolerances tolerances;
    private final Duration cpuInitializationPeriod;
    private final Duration initialReadinessDelay;

    public ReplicaCalculator(double tolerance, Duration cpuInitializationPeriod, Duration initialReadinessDelay) {
        this(Tolerances.both(tolerance), cpuInitializationPeriod, initialReadinessDelay);
    }

    public ReplicaCalculator(Tolerances tolerances, Duration cpuInitializationPeriod, Duration initialReadinessDelay) {
        this.tolerances = tolerances;
        this.cpuInitializationPeriod = cpuInitializationPeriod;
        this.initialReadinessDelay = initialReadinessDelay;
    }

    public Tolerances tolerances() {
        return tolerances;
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
        Groups g = readyMetrics(pods, fetched, resource, now);
        Map<String, PodMetric> metrics = g.ready;
        Map<String, Long> requests = podRequests(pods, container, resource);
        Utilization current = utilization(metrics, requests, targetUtilization);
        double usageRatio = current.ratio();
        // as kubectl describe hpa: the utilization percentage and the raw average of the pods that counted
        observed = current.percent() + "% (" + formatMilli(resource, current.rawAverage()) + ")";

        // scale-down: a pod without a sample counts as using its whole request, or the target when the target is
        // above 100 % (upstream since v1.27)
        long fallbackPercent = Math.max(100, targetUtilization);
        return replicasCountingMissingAndUnready(currentReplicas, g, metrics, usageRatio,
                pod -> percentOf(requests.get(pod), fallbackPercent),
                counted -> utilization(counted, requests, targetUtilization).ratio());
    }

    /** Upstream {@code GetRawResourceReplicas}: a target average value (milli-units) of {@code resource}. */
    public int rawResourceReplicas(int currentReplicas, long targetMilli, String resource, List<Pod> pods,
                                   Map<String, PodMetric> fetched, Instant now) {
        return plainMetricReplicas(currentReplicas, targetMilli, resource, pods, fetched, now);
    }

    /**
     * The fetched metrics of the pods that count (upstream's {@code groupPods} then removing the ignored and unready
     * ones), with the groups; no pods, or no ready pod with a metric, is upstream's error.
     */
    private Groups readyMetrics(List<Pod> pods, Map<String, PodMetric> fetched, String resource, Instant now) {
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
        g.ready = metrics;
        return g;
    }

    /** Upstream {@code GetMetricReplicas} (Pods metric source): a target average value per pod in milli-units. */
    public int podsMetricReplicas(int currentReplicas, long targetMilli, List<Pod> pods, Map<String, PodMetric> fetched,
                                  Instant now) {
        return plainMetricReplicas(currentReplicas, targetMilli, "", pods, fetched, now);
    }

    private int plainMetricReplicas(int currentReplicas, long target, String resource, List<Pod> pods,
                                    Map<String, PodMetric> fetched, Instant now) {
        Groups g = readyMetrics(pods, fetched, resource, now);
        Map<String, PodMetric> metrics = g.ready;
        long currentUsage = averageUsage(metrics);
        double usageRatio = (double) currentUsage / (double) target;
        observed = formatMilli(resource, currentUsage);

        // the target on a scale-down, zero on a scale-up, nothing at exactly 1.0 (upstream since v1.28)
        return replicasCountingMissingAndUnready(currentReplicas, g, metrics, usageRatio, pod -> target,
                counted -> (double) averageUsage(counted) / (double) target);
    }

    /**
     * Upstream's common tail of the pod-metric paths: without pods to assume for, the ratio times the ready pods;
     * otherwise pods without a sample count as {@code scaleDownAssumption} on a scale-down and as zero on a
     * scale-up, unready pods as zero on a scale-up, and the ratio is taken again ({@code ratioOf}); a recomputed ratio
     * within tolerance, or one that flips direction, keeps the current count.
     */
    private int replicasCountingMissingAndUnready(int currentReplicas, Groups g, Map<String, PodMetric> metrics,
                                                  double usageRatio, ToLongFunction<String> scaleDownAssumption,
                                                  ToDoubleFunction<Map<String, PodMetric>> ratioOf) {
        boolean scaleUpWithUnready = !g.unready.isEmpty() && usageRatio > 1.0;
        if (!scaleUpWithUnready && g.missing.isEmpty()) {
            if (tolerances.isWithin(usageRatio)) {
                return currentReplicas;
            }
            return ceilToReplicas(usageRatio * g.readyCount);
        }
        if (!g.missing.isEmpty()) {
            if (usageRatio < 1.0) {
                for (String p : g.missing) {
                    metrics.put(p, PodMetric.of(scaleDownAssumption.applyAsLong(p)));
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
        double newUsageRatio = ratioOf.applyAsDouble(metrics);
        if (tolerances.isWithin(newUsageRatio) || flipped(usageRatio, newUsageRatio)) {
            return currentReplicas;
        }
        int newReplicas = ceilToReplicas(newUsageRatio * metrics.size());
        // a count that moves against the ratio's direction (more pods counted than running) keeps the current one
        if (againstDirection(newUsageRatio, newReplicas, currentReplicas)) {
            return currentReplicas;
        }
        return newReplicas;
    }

    // ---- Object / External ----

    /** Upstream {@code GetObjectMetricReplicas} (target type Value): {@code usage} is the object's value. */
    public int objectValueReplicas(int currentReplicas, long usageMilli, long targetMilli, List<Pod> pods) {
        observed = formatMilli("", usageMilli);
        return usageRatioReplicas(currentReplicas, (double) usageMilli / (double) targetMilli, pods);
    }

    /** Upstream {@code GetExternalMetricReplicas} (target type Value): the sum of all series is the usage. */
    public int externalValueReplicas(int currentReplicas, List<Long> valuesMilli, long targetMilli, List<Pod> pods) {
        long usage = saturatedSum(valuesMilli);
        observed = formatMilli("", usage);
        return usageRatioReplicas(currentReplicas, (double) usage / (double) targetMilli, pods);
    }

    /** Upstream {@code GetObjectPerPodMetricReplicas} (target type AverageValue). */
    public int objectAverageValueReplicas(int statusReplicas, long usageMilli, long targetAverageMilli) {
        return perPodReplicas(statusReplicas, usageMilli, targetAverageMilli);
    }

    /** Upstream {@code GetExternalPerPodMetricReplicas} (target type AverageValue). */
    public int externalAverageValueReplicas(int statusReplicas, List<Long> valuesMilli, long targetAverageMilli) {
        return perPodReplicas(statusReplicas, saturatedSum(valuesMilli), targetAverageMilli);
    }

    private int perPodReplicas(int statusReplicas, long usage, long targetAverage) {
        // reported per pod, rounded up, as upstream reports it (the whole usage when no pod runs)
        long perPod = statusReplicas == 0 || usage == Long.MAX_VALUE ? usage
                : (long) Math.ceil((double) usage / (double) statusReplicas);
        observed = formatMilli("", perPod) + " (avg)";
        int replicas = statusReplicas;
        double usageRatio = (double) usage / ((double) targetAverage * (double) statusReplicas);
        if (!tolerances.isWithin(usageRatio)) {
            replicas = ceilToReplicas((double) usage / (double) targetAverage);
        }
        return replicas;
    }

    private int usageRatioReplicas(int currentReplicas, double usageRatio, List<Pod> pods) {
        if (currentReplicas != 0) {
            if (tolerances.isWithin(usageRatio)) {
                return currentReplicas;
            }
            if (pods.isEmpty()) {
                throw new ReplicaCalculationException("unable to calculate ready pods: " + NO_PODS);
            }
            long ready = pods.stream().filter(p -> "Running".equals(phase(p)) && isReady(p)).count();
            return ceilToReplicas(usageRatio * ready);
        }
        // a workload at zero: no pods to count and no tolerance; the ratio alone wakes it (or keeps it at zero)
        return ceilToReplicas(usageRatio);
    }

    /** The sum of metric values, at most {@link Long#MAX_VALUE} (upstream caps the external sum there). */
    static long saturatedSum(List<Long> values) {
        long s = 0;
        for (long v : values) {
            long next = s + v;
            if (((s ^ next) & (v ^ next)) < 0) {
                return v > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
            }
            s = next;
        }
        return s;
    }

    /** {@code ceil(x)} as a replica count: int32's maximum for anything larger, 0 for NaN or below. */
    static int ceilToReplicas(double x) {
        if (Double.isNaN(x) || x <= 0) {
            return 0;
        }
        double c = Math.ceil(x);
        return c >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) c;
    }

    // ---- grouping and ratios ----

    private static final class Groups {
        int readyCount;
        final Set<String> unready = new HashSet<>();
        final Set<String> missing = new HashSet<>();
        final Set<String> ignored = new HashSet<>();
        /** The metrics of the pods that count: set by {@code readyMetrics}. */
        Map<String, PodMetric> ready;
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

    /** Upstream {@code GetResourceUtilizationRatio}: ratio, integer utilization percent, raw average (milli). */
    record Utilization(double ratio, int percent, long rawAverage) {
    }

    /**
     * Over the pods that have both a sample and a request: {@code percent = sum(samples) * 100 / sum(requests)}
     * (integer division), {@code ratio = percent / target}. Sums are exact, so values near int64's limits never wrap;
     * a percent outside int32 is an error, as upstream's.
     */
    static Utilization utilization(Map<String, PodMetric> metrics, Map<String, Long> requests, int targetUtilization) {
        BigInteger metricsTotal = BigInteger.ZERO;
        BigInteger requestsTotal = BigInteger.ZERO;
        int counted = 0;
        for (Map.Entry<String, PodMetric> e : metrics.entrySet()) {
            Long request = requests.get(e.getKey());
            if (request == null) {
                continue; // a metric of a pod the selector did not list
            }
            metricsTotal = metricsTotal.add(BigInteger.valueOf(e.getValue().milli()));
            requestsTotal = requestsTotal.add(BigInteger.valueOf(request));
            counted++;
        }
        if (requestsTotal.signum() == 0) {
            throw new ReplicaCalculationException(NO_MATCHING_METRICS);
        }
        BigInteger percent = metricsTotal.multiply(HUNDRED).divide(requestsTotal);
        if (percent.compareTo(INT32_MIN) < 0 || percent.compareTo(INT32_MAX) > 0) {
            throw new ReplicaCalculationException("resource utilization " + percent + " is outside the int32 range");
        }
        int current = percent.intValue();
        long rawAverage = metricsTotal.divide(BigInteger.valueOf(counted)).longValue();
        return new Utilization((double) current / (double) targetUtilization, current, rawAverage);
    }

    /** Upstream {@code GetMetricUsageRatio}'s usage: the exact integer average of the samples. */
    static long averageUsage(Map<String, PodMetric> metrics) {
        BigInteger total = BigInteger.ZERO;
        for (PodMetric m : metrics.values()) {
            total = total.add(BigInteger.valueOf(m.milli()));
        }
        return total.divide(BigInteger.valueOf(metrics.size())).longValue();
    }

    /** {@code request * percent / 100} without overflow (at most int64's maximum). */
    private static long percentOf(long request, long percent) {
        BigInteger v = BigInteger.valueOf(request).multiply(BigInteger.valueOf(percent)).divide(HUNDRED);
        return v.bitLength() < 64 ? v.longValue() : Long.MAX_VALUE;
    }

    private static boolean againstDirection(double ratio, int replicas, int current) {
        return (ratio < 1.0 && replicas > current) || (ratio > 1.0 && replicas < current);
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

    /**
     * Each pod's request of {@code resource} in milli-units, as upstream's {@code calculateRequests}: the named
     * {@code container}'s when one is named (a pod without it is an error naming it); otherwise the pod-level request
     * when the pod sets pod-level resources (KEP-2837), else the sum over its containers and its restartable init
     * containers (sidecars).
     */
    static Map<String, Long> podRequests(List<Pod> pods, String container, String resource) {
        Map<String, Long> requests = new HashMap<>();
        boolean named = container != null && !container.isEmpty();
        for (Pod pod : pods) {
            String podName = pod.getMetadata().getName();
            PodSpec spec = pod.getSpec();
            long request;
            if (!named && podLevelResourcesSet(spec)) {
                Quantity q = spec.getResources().getRequests() == null ? null
                        : spec.getResources().getRequests().get(resource);
                if (q == null) {
                    throw new ReplicaCalculationException("missing pod-level request for " + resource + " in Pod " + podName);
                }
                request = milli(q);
            } else {
                request = containerRequests(pod, named ? container : "", resource);
            }
            requests.put(podName, request);
        }
        return requests;
    }

    private static boolean podLevelResourcesSet(PodSpec spec) {
        if (spec == null || spec.getResources() == null) {
            return false;
        }
        ResourceRequirements r = spec.getResources();
        return (r.getRequests() != null && !r.getRequests().isEmpty()) || (r.getLimits() != null && !r.getLimits().isEmpty());
    }

    private static long containerRequests(Pod pod, String container, String resource) {
        PodSpec spec = pod.getSpec();
        List<Container> containers = new ArrayList<>();
        if (spec != null && spec.getContainers() != null) {
            containers.addAll(spec.getContainers());
        }
        if (spec != null && spec.getInitContainers() != null) {
            for (Container c : spec.getInitContainers()) {
                if ("Always".equals(c.getRestartPolicy())) {
                    containers.add(c); // a sidecar runs beside the app for the pod's life
                }
            }
        }
        long sum = 0;
        for (Container c : containers) {
            if (container.isEmpty() || container.equals(c.getName())) {
                Quantity q = c.getResources() == null || c.getResources().getRequests() == null
                        ? null : c.getResources().getRequests().get(resource);
                if (q == null) {
                    throw new ReplicaCalculationException("missing request for " + resource + " in container "
                            + c.getName() + " of Pod " + pod.getMetadata().getName());
                }
                sum = saturatedSum(List.of(sum, milli(q)));
                if (!container.isEmpty()) {
                    return sum; // container names are unique in a pod
                }
            }
        }
        if (!container.isEmpty()) {
            throw new ReplicaCalculationException("container " + container + " not found in Pod " + pod.getMetadata().getName());
        }
        return sum;
    }

    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);

    /** A quantity's MilliValue (rounded up, as resource.Quantity does), held at int64's limits. */
    public static long milli(Quantity q) {
        BigDecimal m = q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING);
        if (m.compareTo(LONG_MAX) > 0) {
            return Long.MAX_VALUE;
        }
        if (m.compareTo(LONG_MIN) < 0) {
            return Long.MIN_VALUE;
        }
        return m.longValueExact();
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
