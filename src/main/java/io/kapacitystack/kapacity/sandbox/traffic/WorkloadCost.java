package io.kapacitystack.kapacity.sandbox.traffic;

import io.fabric8.kubernetes.api.model.Quantity;

import java.util.Map;

/**
 * What one request/s costs a pod, from the workload's annotations (Kubernetes quantities):
 * {@code sandbox.kapacitystack.io/cpu-per-request} (CPU per request/s, default {@code 10m}),
 * {@code sandbox.kapacitystack.io/memory-per-request} (memory per request/s, default {@code 100Ki}),
 * {@code sandbox.kapacitystack.io/cpu-base} (idle CPU, default {@code 1m}),
 * {@code sandbox.kapacitystack.io/memory-base} (idle memory, default {@code 20Mi}).
 */
public record WorkloadCost(double cpuCoresPerRequest, double memoryBytesPerRequest, double cpuCoresBase,
                           double memoryBytesBase) {

    public static final String CPU_PER_REQUEST = "sandbox.kapacitystack.io/cpu-per-request";
    public static final String MEMORY_PER_REQUEST = "sandbox.kapacitystack.io/memory-per-request";
    public static final String CPU_BASE = "sandbox.kapacitystack.io/cpu-base";
    public static final String MEMORY_BASE = "sandbox.kapacitystack.io/memory-base";

    public static final WorkloadCost DEFAULT = new WorkloadCost(0.010, 100 * 1024, 0.001, 20 * 1024 * 1024);

    /** @throws IllegalArgumentException naming the bad annotation */
    public static WorkloadCost fromAnnotations(Map<String, String> annotations) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        return new WorkloadCost(
                quantity(a, CPU_PER_REQUEST, DEFAULT.cpuCoresPerRequest),
                quantity(a, MEMORY_PER_REQUEST, DEFAULT.memoryBytesPerRequest),
                quantity(a, CPU_BASE, DEFAULT.cpuCoresBase),
                quantity(a, MEMORY_BASE, DEFAULT.memoryBytesBase));
    }

    private static double quantity(Map<String, String> annotations, String key, double fallback) {
        String text = annotations.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            double v = Quantity.getAmountInBytes(new Quantity(text.trim())).doubleValue();
            if (v < 0) {
                throw new IllegalArgumentException();
            }
            return v;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("annotation " + key + ": \"" + text
                    + "\" is not a non-negative quantity (e.g. 10m, 1Mi)");
        }
    }

    public double cpuCores(double requestsPerSecondPerPod) {
        return cpuCoresBase + requestsPerSecondPerPod * cpuCoresPerRequest;
    }

    public long memoryBytes(double requestsPerSecondPerPod) {
        return Math.round(memoryBytesBase + requestsPerSecondPerPod * memoryBytesPerRequest);
    }
}
