package io.kapacitystack.kapacity.sandbox.traffic;

import java.time.Instant;

/**
 * Resource usage of one container of one pod at an instant. {@code requestsPerSecond} is the share of the
 * workload's traffic this pod serves (0 when not ready).
 */
public record PodUsage(String namespace, String pod, String container, String node, WorkloadRef workload,
                       boolean ready, double requestsPerSecond, double cpuCores, long memoryBytes, Instant timestamp) {
}
