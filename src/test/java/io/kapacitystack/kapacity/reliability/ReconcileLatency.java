package io.kapacitystack.kapacity.reliability;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reconcile latency from the manager's own histogram ({@code controller_runtime_reconcile_time_seconds} in the
 * /metrics text, runtime/ControllerMetrics), summed over the controllers: cumulative bucket counts, and quantiles
 * of the reconciles between two scrapes estimated as Prometheus's {@code histogram_quantile} does (linear inside the
 * bucket; the +Inf bucket answers its lower bound).
 *
 * @param buckets upper bound in seconds → cumulative count, +Inf as {@link Double#POSITIVE_INFINITY}
 */
record ReconcileLatency(Map<Double, Long> buckets) {

    private static final Pattern BUCKET = Pattern.compile(
            "^controller_runtime_reconcile_time_seconds_bucket\\{controller=\"[^\"]*\",le=\"([^\"]+)\"} (\\d+)$");

    static ReconcileLatency parse(String scrape) {
        Map<Double, Long> out = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = BUCKET.matcher(line);
            if (m.matches()) {
                double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                out.merge(le, Long.parseLong(m.group(2)), Long::sum);
            }
        }
        return new ReconcileLatency(out);
    }

    long count() {
        return buckets.getOrDefault(Double.POSITIVE_INFINITY, 0L);
    }

    /** The reconciles since {@code earlier}. */
    ReconcileLatency since(ReconcileLatency earlier) {
        Map<Double, Long> out = new TreeMap<>();
        buckets.forEach((le, n) -> out.put(le, n - earlier.buckets.getOrDefault(le, 0L)));
        return new ReconcileLatency(out);
    }

    /** The q-quantile in seconds (NaN without reconciles). */
    double quantile(double q) {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lower = 0;
        long below = 0;
        for (Map.Entry<Double, Long> b : new TreeMap<>(buckets).entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) {
                    return lower;
                }
                long inBucket = b.getValue() - below;
                return inBucket == 0 ? b.getKey() : lower + (b.getKey() - lower) * (rank - below) / inBucket;
            }
            lower = b.getKey();
            below = b.getValue();
        }
        return lower;
    }
}
