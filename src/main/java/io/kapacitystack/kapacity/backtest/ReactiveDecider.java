package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.reactive.BehaviorHistory;
import io.kapacitystack.kapacity.reactive.BehaviorNormalizer;
import io.kapacitystack.kapacity.reactive.KubeHpaParams;
import io.kapacitystack.kapacity.reactive.PodMetric;
import io.kapacitystack.kapacity.reactive.ReplicaCalculationException;
import io.kapacitystack.kapacity.reactive.ReplicaCalculator;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The reactive generator's arithmetic on the simulated workload: Kubernetes' replica calculator for a CPU utilization
 * target, each ready pod reporting the mean demand of the last metrics window spread over the ready pods (pods still
 * starting report zero, as a pod that takes no traffic does), then the autoscaling/v2 behavior. The same classes the
 * HorizontalPortrait controller uses ({@link ReplicaCalculator}, {@link BehaviorNormalizer}); only the metrics
 * source differs.
 */
final class ReactiveDecider {

    /** metrics-server's resolution: a pod's CPU is the mean of the last minute. */
    static final long METRICS_WINDOW_SECONDS = 60;

    private final KubeHpaParams params;
    private final int targetPercent;
    private final int min;
    private final int max;
    private final BehaviorHistory history = new BehaviorHistory();

    ReactiveDecider(KubeHpaParams params, double targetUtilization, int min, int max) {
        this.params = params;
        this.targetPercent = (int) Math.round(targetUtilization * 100);
        this.min = min;
        this.max = max;
    }

    long syncSeconds() {
        return Math.max(1, params.syncPeriod().toSeconds());
    }

    /** The recommendation at the view's instant, or empty when the calculator has no metrics (nothing changes). */
    OptionalInt replicas(PolicyView view) {
        long now = view.now();
        Instant at = Instant.ofEpochSecond(now);
        List<Pod> pods = view.kubernetesPods();
        int ready = view.readyPods();
        double demand = view.meanDemandSince(now - METRICS_WINDOW_SECONDS);
        Map<String, PodMetric> metrics = new HashMap<>();
        if (!Double.isNaN(demand) && ready > 0) {
            long perReadyPod = Math.round(1000 * demand / (ready * view.workload().capacityPerReplica()));
            Duration window = Duration.ofSeconds(METRICS_WINDOW_SECONDS);
            for (Pod p : pods) {
                boolean serving = "True".equals(p.getStatus().getConditions().get(0).getStatus());
                metrics.put(p.getMetadata().getName(), new PodMetric(serving ? perReadyPod : 0, at, window));
            }
        }
        int raw;
        try {
            ReplicaCalculator calc = new ReplicaCalculator(params.tolerances(), params.cpuInitializationPeriod(),
                    params.initialReadinessDelay());
            raw = calc.resourceUtilizationReplicas(view.desired(), targetPercent, "cpu", "", pods, metrics, at);
        } catch (ReplicaCalculationException e) {
            return OptionalInt.empty();
        }
        BehaviorNormalizer.Normalized n = params.behavior() == null
                ? BehaviorNormalizer.clampOnly(raw, min, max)
                : BehaviorNormalizer.normalize(history, params.behavior(), view.desired(), raw, min, max, at);
        return OptionalInt.of(n.replicas());
    }
}
