package io.kapacitystack.kapacity.gocompat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.TreeMap;

/** Go's {@code %+v} of Kubernetes types that ends up in upstream's messages (strings: {@link GoStrings}). */
public final class GoFormat {

    private GoFormat() {
    }

    /** {@code %+v} of a {@code *metav1.LabelSelector} (its generated String method). */
    public static String labelSelector(LabelSelector s) {
        if (s == null) {
            return "nil";
        }
        StringBuilder exprs = new StringBuilder("[]LabelSelectorRequirement{");
        if (s.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : s.getMatchExpressions()) {
                exprs.append("LabelSelectorRequirement{Key:").append(r.getKey()).append(",Operator:").append(r.getOperator())
                        .append(",Values:[").append(r.getValues() == null ? "" : String.join(" ", r.getValues()))
                        .append("],},");
            }
        }
        exprs.append('}');
        StringBuilder labels = new StringBuilder("map[string]string{");
        if (s.getMatchLabels() != null) {
            new TreeMap<>(s.getMatchLabels()).forEach((k, v) -> labels.append(k).append(": ").append(v).append(','));
        }
        labels.append('}');
        return "&LabelSelector{MatchLabels:" + labels + ",MatchExpressions:" + exprs + ",}";
    }
}
