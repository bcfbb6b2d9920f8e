package io.kapacitystack.kapacity.metrics;

import io.kapacitystack.kapacity.kube.LabelSelectors;

import java.util.Map;

/**
 * A parsed Kubernetes label-selector string ({@code a=b,c in (x,y),!d}); {@code ""} selects everything. Equality
 * is by the text.
 */
public final class Selector {

    private static final Selector EVERYTHING = new Selector("", LabelSelectors.parse(""));

    private final String text;
    private final LabelSelectors.Selector parsed;

    private Selector(String text, LabelSelectors.Selector parsed) {
        this.text = text;
        this.parsed = parsed;
    }

    /** @throws IllegalArgumentException if {@code text} is not a valid selector */
    public static Selector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        return new Selector(text, LabelSelectors.parse(text));
    }

    public static Selector everything() {
        return EVERYTHING;
    }

    public boolean matches(Map<String, String> labels) {
        return parsed.matches(labels);
    }

    public boolean isEmpty() {
        return parsed.isEmpty();
    }

    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Selector s && s.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
