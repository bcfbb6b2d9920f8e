package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;

import java.time.Instant;

/**
 * The Reactive portrait generator (spec §6.3): the Kubernetes HPA replica calculator over the HP's metrics, then
 * autoscaling/v2 behavior. The returned future never fails for bad input or metric errors: those are reported in
 * {@link ReactiveOutcome#error()} and the conditions.
 */
public final class ReactiveGenerator {

    public ReactiveGenerator(MetricsProvider metrics, ResourceCache<Pod> pods) {
        throw new UnsupportedOperationException("contract only; implemented in the reactive branch");
    }

    /**
     * @param bounds the owning IHPA's min/max replicas, or null when the HP has no IHPA owner
     */
    public Future<ReactiveOutcome> generate(HorizontalPortrait hp, ScaleInfo scale, ReplicaBounds bounds, Instant now) {
        throw new UnsupportedOperationException("contract only");
    }

    /** Drops the behavior history of a deleted HP. */
    public void forget(ObjectKey hp) {
    }
}
