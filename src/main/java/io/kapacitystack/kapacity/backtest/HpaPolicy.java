package io.kapacitystack.kapacity.backtest;

/** {@code hpa}: the reactive generator alone, as a Kubernetes HPA on CPU utilization would scale. */
final class HpaPolicy implements Policy {

    private final String name;
    private final ReactiveDecider decider;

    HpaPolicy(String name, ReactiveDecider decider) {
        this.name = name;
        this.decider = decider;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long tickSeconds() {
        return decider.syncSeconds();
    }

    @Override
    public int decide(long now, PolicyView view) {
        return decider.replicas(view).orElse(view.desired());
    }
}
