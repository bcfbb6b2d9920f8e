package io.kapacitystack.kapacity.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Supplier;

/**
 * The controller's own metrics in Prometheus text format (served at /metrics): reconciles, errors, latency, queue
 * depth and scaling actions. Kept dependency-free on purpose; the names follow controller-runtime's where they exist.
 */
public final class ControllerMetrics {

    private static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();
    private final List<Supplier<String>> sections = new CopyOnWriteArrayList<>();

    /** Adds series of another component (Prometheus text, complete with TYPE lines) to every scrape. */
    public void addSection(Supplier<String> section) {
        sections.add(section);
    }

    public void reconciled(String controller, boolean success, long nanos) {
        inc("controller_runtime_reconcile_total{controller=\"" + controller + "\",result=\"" + (success ? "success" : "error") + "\"}");
        if (!success) {
            inc("controller_runtime_reconcile_errors_total{controller=\"" + controller + "\"}");
        }
        histograms.computeIfAbsent(controller, c -> new Histogram()).observe(nanos / 1e9);
    }

    public void queueDepth(String controller, int depth) {
        gauges.computeIfAbsent("workqueue_depth{name=\"" + controller + "\"}", k -> new AtomicLong()).set(depth);
    }

    /** One write that changes how many pods a workload has, or in which state they are. */
    public void scalingAction(String kind) {
        inc("kapacity_scaling_actions_total{kind=\"" + kind + "\"}");
    }

    public void inc(String series) {
        counters.computeIfAbsent(series, k -> new LongAdder()).increment();
    }

    public long counter(String series) {
        LongAdder a = counters.get(series);
        return a == null ? 0 : a.sum();
    }

    public String scrape() {
        StringBuilder sb = new StringBuilder();
        sb.append("# TYPE controller_runtime_reconcile_total counter\n");
        new TreeMap<>(counters).forEach((k, v) -> sb.append(k).append(' ').append(v.sum()).append('\n'));
        sb.append("# TYPE workqueue_depth gauge\n");
        new TreeMap<>(gauges).forEach((k, v) -> sb.append(k).append(' ').append(v.get()).append('\n'));
        sb.append("# TYPE controller_runtime_reconcile_time_seconds histogram\n");
        new TreeMap<>(histograms).forEach((controller, h) -> h.write(sb, "controller_runtime_reconcile_time_seconds", controller));
        sections.forEach(s -> sb.append(s.get()));
        return sb.toString();
    }

    private static final class Histogram {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    buckets[i].increment();
                }
            }
            count.increment();
            sum.add(seconds);
        }

        void write(StringBuilder sb, String metric, String controller) {
            for (int i = 0; i < BUCKETS.length; i++) {
                sb.append(metric).append("_bucket{controller=\"").append(controller).append("\",le=\"").append(BUCKETS[i])
                        .append("\"} ").append(buckets[i].sum()).append('\n');
            }
            sb.append(metric).append("_bucket{controller=\"").append(controller).append("\",le=\"+Inf\"} ").append(count.sum()).append('\n');
            sb.append(metric).append("_sum{controller=\"").append(controller).append("\"} ").append(sum.sum()).append('\n');
            sb.append(metric).append("_count{controller=\"").append(controller).append("\"} ").append(count.sum()).append('\n');
        }
    }
}
