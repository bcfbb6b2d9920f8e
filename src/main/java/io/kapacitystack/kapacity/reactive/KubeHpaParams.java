package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.gocompat.GoDuration;
import io.kapacitystack.kapacity.gocompat.GoStrings;

import java.time.Duration;

/**
 * The KubeHPA parameters of a Reactive HorizontalPortrait ({@code spec.algorithm.kubeHPA}), read as Kapacity's
 * pkg/portrait/generator/reactive/generator.go reads them, with its defaults and error messages. Public for the
 * backtest, which runs the same arithmetic.
 */
public record KubeHpaParams(Duration syncPeriod, ReplicaCalculator.Tolerances tolerances, Duration cpuInitializationPeriod,
                            Duration initialReadinessDelay, HpaBehavior behavior) {

    static final Duration DEFAULT_SYNC_PERIOD = Duration.ofSeconds(15);
    static final double DEFAULT_TOLERANCE = 0.1;
    static final Duration DEFAULT_CPU_INITIALIZATION_PERIOD = Duration.ofMinutes(5);
    static final Duration DEFAULT_INITIAL_READINESS_DELAY = Duration.ofSeconds(30);

    /**
     * The parameters of a {@code KubeHPA} algorithm with Kapacity's defaults.
     *
     * @throws ReplicaCalculationException when the algorithm is not KubeHPA or a field cannot be read
     */
    public static KubeHpaParams of(PortraitAlgorithm algorithm) {
        if (algorithm == null || !ReactiveGenerator.PortraitAlgorithmTypes.KUBE_HPA.equals(algorithm.type)) {
            throw new ReplicaCalculationException("unsupported algorithm type "
                    + GoStrings.quote(algorithm == null ? "" : algorithm.type));
        }
        PortraitAlgorithm.KubeHPA cfg = algorithm.kubeHPA;
        if (cfg == null) {
            return new KubeHpaParams(DEFAULT_SYNC_PERIOD, ReplicaCalculator.Tolerances.both(DEFAULT_TOLERANCE),
                    DEFAULT_CPU_INITIALIZATION_PERIOD, DEFAULT_INITIAL_READINESS_DELAY, null);
        }
        double tolerance = DEFAULT_TOLERANCE;
        if (cfg.tolerance != null) {
            try {
                tolerance = parseGoFloat(cfg.tolerance);
            } catch (NumberFormatException e) {
                throw new ReplicaCalculationException("failed to parse tolerance of KubeHPA algorithm to float64: "
                        + "strconv.ParseFloat: parsing " + GoStrings.quote(cfg.tolerance) + ": invalid syntax");
            }
        }
        HpaBehavior behavior;
        ReplicaCalculator.Tolerances tolerances;
        try {
            behavior = HpaBehavior.of(cfg.behavior);
            tolerances = tolerances(tolerance, cfg.behavior);
        } catch (IllegalArgumentException e) {
            throw new ReplicaCalculationException("invalid behavior of KubeHPA algorithm: " + e.getMessage());
        }
        return new KubeHpaParams(duration("syncPeriod", cfg.syncPeriod, DEFAULT_SYNC_PERIOD), tolerances,
                duration("cpuInitializationPeriod", cfg.cpuInitializationPeriod, DEFAULT_CPU_INITIALIZATION_PERIOD),
                duration("initialReadinessDelay", cfg.initialReadinessDelay, DEFAULT_INITIAL_READINESS_DELAY), behavior);
    }

    /**
     * Kapacity's {@code kubeHPA.tolerance} for both directions unless the behavior sets a direction's own
     * {@code tolerance} (KEP-4951, as upstream's {@code tolerancesForHpa}).
     */
    static ReplicaCalculator.Tolerances tolerances(double dflt, HorizontalPodAutoscalerBehavior behavior) {
        double down = dflt;
        double up = dflt;
        if (behavior != null && behavior.getScaleDown() != null && behavior.getScaleDown().getTolerance() != null) {
            down = tolerance("scaleDown", behavior.getScaleDown().getTolerance());
        }
        if (behavior != null && behavior.getScaleUp() != null && behavior.getScaleUp().getTolerance() != null) {
            up = tolerance("scaleUp", behavior.getScaleUp().getTolerance());
        }
        return new ReplicaCalculator.Tolerances(down, up);
    }

    private static double tolerance(String direction, Quantity q) {
        double t;
        try {
            t = q.getNumericalAmount().doubleValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(direction + ".tolerance " + GoStrings.quote(String.valueOf(q))
                    + " is not a quantity");
        }
        if (!(t >= 0)) {
            throw new IllegalArgumentException(direction + ".tolerance must be greater than or equal to 0");
        }
        return t;
    }

    private static double parseGoFloat(String s) {
        String t = s;
        // Go's ParseFloat accepts what Java does except Java's trailing type suffixes and surrounding blanks
        if (t.isEmpty() || !t.equals(t.strip()) || t.matches(".*[dDfF]$") || t.matches("(?i).*0x.*")) {
            throw new NumberFormatException(s);
        }
        return Double.parseDouble(t);
    }

    private static Duration duration(String field, String value, Duration dflt) {
        if (value == null) {
            return dflt;
        }
        try {
            return Duration.ofNanos(GoDuration.parseNanos(value));
        } catch (RuntimeException e) {
            throw new ReplicaCalculationException("invalid " + field + " of KubeHPA algorithm: " + e.getMessage());
        }
    }
}
