package io.kapacitystack.kapacity.metrics;

/** A metric name and an optional selector over the metric's own labels (null = none). */
public record MetricIdentifier(String name, Selector selector) {

    public MetricIdentifier {
        name = name == null ? "" : name;
    }

    public Selector selectorOrEverything() {
        return selector == null ? Selector.everything() : selector;
    }
}
