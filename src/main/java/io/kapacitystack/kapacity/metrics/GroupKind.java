package io.kapacitystack.kapacity.metrics;

/** A Kubernetes API group ("" for the core group) and kind, e.g. {@code apps/StatefulSet}. */
public record GroupKind(String group, String kind) {

    public GroupKind {
        group = group == null ? "" : group;
        kind = kind == null ? "" : kind;
    }

    @Override
    public String toString() {
        return group.isEmpty() ? kind : kind + "." + group;
    }
}
