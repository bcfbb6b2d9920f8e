package io.kapacitystack.kapacity.reactive;

import java.time.Duration;
import java.util.List;

/**
 * The result of one reactive generation.
 *
 * @param replicas   the recommendation after behavior (stabilization, rate limits, bounds); null when it failed
 * @param error      why it failed (upstream's message text, e.g. {@code invalid metrics (1 invalid out of 1), first
 *                   error is: ...}); null on success
 * @param conditions HPA-style conditions describing this generation, in a stable order
 * @param syncPeriod when to generate again
 * @param readings   each metric's current value against its target, in spec order ({@code <unknown>} when it
 *                   could not be read)
 */
public record ReactiveOutcome(Integer replicas, String error, List<HpaCondition> conditions, Duration syncPeriod,
                              List<MetricReading> readings) {

    /** One metric as {@code kubectl describe hpa} lists it: {@code "cpu resource utilization ...": 171% (171m) / 30%}. */
    public record MetricReading(String metric, String current, String target) {
    }

    public ReactiveOutcome(Integer replicas, String error, List<HpaCondition> conditions, Duration syncPeriod) {
        this(replicas, error, conditions, syncPeriod, List.of());
    }

    public boolean failed() {
        return error != null;
    }
}
