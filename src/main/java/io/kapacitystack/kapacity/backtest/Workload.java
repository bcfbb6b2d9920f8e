package io.kapacitystack.kapacity.backtest;

import java.time.Duration;

/**
 * The simulated workload: one replica serves {@code capacityPerReplica} demand at 100 % utilization; the policies aim
 * at {@code targetUtilization}; a new pod serves only {@code podStartup} after it is created; the replica count stays
 * within [{@code minReplicas}, {@code maxReplicas}] and starts at {@code initialReplicas}, all of them ready.
 */
public record Workload(double capacityPerReplica, double targetUtilization, Duration podStartup, int minReplicas,
                       int maxReplicas, int initialReplicas) {

    /** Replicas a backtest may run at most (bounds memory and the simulated pods' bookkeeping). */
    public static final int MAX_REPLICAS = 100_000;

    public Workload {
        if (!(capacityPerReplica > 0) || !Double.isFinite(capacityPerReplica)) {
            throw new IllegalArgumentException("--capacity-per-replica must be a positive number, got " + capacityPerReplica);
        }
        if (!(targetUtilization > 0) || targetUtilization > 1) {
            throw new IllegalArgumentException("--target-utilization must be in (0, 1], got " + targetUtilization);
        }
        if (podStartup.isNegative() || podStartup.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("--pod-startup must be between 0s and 24h, got " + podStartup);
        }
        if (minReplicas < 1 || maxReplicas < minReplicas || maxReplicas > MAX_REPLICAS) {
            throw new IllegalArgumentException("replica bounds must satisfy 1 <= --min-replicas <= --max-replicas <= "
                    + MAX_REPLICAS + ", got " + minReplicas + ".." + maxReplicas);
        }
        if (initialReplicas < minReplicas || initialReplicas > maxReplicas) {
            throw new IllegalArgumentException("--initial-replicas must be within [" + minReplicas + ", " + maxReplicas
                    + "], got " + initialReplicas);
        }
    }

    /** Demand that {@code replicas} ready pods serve. */
    public double capacity(int replicas) {
        return replicas * capacityPerReplica;
    }

    /** The replicas demand {@code d} needs at the target utilization, within the bounds (the oracle's choice). */
    public int replicasFor(double demand) {
        double exact = demand / (capacityPerReplica * targetUtilization);
        long n = (long) Math.ceil(exact - 1e-9);
        return (int) Math.max(minReplicas, Math.min(maxReplicas, n));
    }
}
