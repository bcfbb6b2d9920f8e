package io.kapacitystack.kapacity.cli;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.gocompat.GoTabWriter;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kapacity get ihpa}: {@code kubectl get hpa}'s columns (NAME, REFERENCE, TARGETS as {@code 45%/75%} or
 * {@code 173m/500m}, MINPODS, MAXPODS, REPLICAS, AGE) plus PORTRAIT, the winning portrait and its replicas; with
 * {@code -A} a NAMESPACE column first. Aligned as kubectl's table printer aligns.
 */
public final class IhpaTable {

    /** One IHPA with its Reactive HorizontalPortrait and ReplicaProfile (either may be null). */
    public record Row(IntelligentHorizontalPodAutoscaler ihpa, HorizontalPortrait reactive, ReplicaProfile replicaProfile) {
    }

    private IhpaTable() {
    }

    public static String render(List<Row> rows, boolean allNamespaces, Instant now) {
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder w = new StringBuilder();
        if (allNamespaces) {
            w.append("NAMESPACE\t");
        }
        w.append("NAME\tREFERENCE\tTARGETS\tMINPODS\tMAXPODS\tREPLICAS\tPORTRAIT\tAGE\n");
        for (Row row : rows) {
            var ihpa = row.ihpa();
            var spec = ihpa.getSpec();
            if (allNamespaces) {
                w.append(ihpa.getMetadata().getNamespace()).append('\t');
            }
            w.append(ihpa.getMetadata().getName()).append('\t')
                    .append(spec.scaleTargetRef.kind).append('/').append(spec.scaleTargetRef.name).append('\t')
                    .append(targets(spec.portraitProviders, row.reactive())).append('\t')
                    .append(spec.minReplicas).append('\t').append(spec.maxReplicas).append('\t')
                    .append(replicas(row.replicaProfile())).append('\t')
                    .append(portrait(ihpa)).append('\t')
                    .append(age(ihpa.getMetadata().getCreationTimestamp(), now)).append('\n');
        }
        return GoTabWriter.format(w.toString(), GoTabWriter.TABLE_MIN_WIDTH, GoTabWriter.TABLE_PADDING);
    }

    /** kubectl's formatHPAMetrics: at most two, then {@code + N more...}; {@code <none>} without metrics. */
    static String targets(List<PortraitProvider> providers, HorizontalPortrait reactive) {
        List<MetricSpec> metrics = providers == null ? List.of() : providers.stream()
                .filter(p -> p.type == PortraitProvider.Type.Dynamic && p.dynamic != null
                        && "Reactive".equals(p.dynamic.portraitType) && p.dynamic.metrics != null)
                .findFirst().map(p -> p.dynamic.metrics).orElse(List.of());
        if (metrics.isEmpty()) {
            return "<none>";
        }
        List<HorizontalPortraitStatus.CurrentMetric> current = reactive == null || reactive.getStatus() == null
                || reactive.getStatus().currentMetrics == null ? List.of() : reactive.getStatus().currentMetrics;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < metrics.size() && i < 2; i++) {
            String now = i < current.size() && current.get(i).current != null ? current.get(i).current : "<unknown>";
            int paren = now.indexOf(" (");
            if (paren > 0) {
                now = now.substring(0, paren);   // "45% (90m)" -> "45%"
            }
            parts.add(now + "/" + target(metrics.get(i)));
        }
        String out = String.join(", ", parts);
        return metrics.size() > 2 ? out + " + " + (metrics.size() - 2) + " more..." : out;
    }

    private static String target(MetricSpec m) {
        var t = switch (m.type) {
            case "Resource" -> m.resource.getTarget();
            case "ContainerResource" -> m.containerResource.getTarget();
            case "Pods" -> m.pods.getTarget();
            case "Object" -> m.object.getTarget();
            case "External" -> m.external.getTarget();
            default -> null;
        };
        if (t == null) {
            return "<unknown>";
        }
        if (t.getAverageUtilization() != null) {
            return t.getAverageUtilization() + "%";
        }
        if (t.getAverageValue() != null) {
            return t.getAverageValue() + (m.type.equals("Object") || m.type.equals("External") ? " (avg)" : "");
        }
        return t.getValue() == null ? "<unknown>" : t.getValue().toString();
    }

    private static String replicas(ReplicaProfile rp) {
        if (rp == null || rp.getStatus() == null || rp.getStatus().onlineReplicas == null) {
            return "<unknown>";
        }
        var s = rp.getStatus();
        return Integer.toString(s.onlineReplicas + (s.cutoffReplicas == null ? 0 : s.cutoffReplicas)
                + (s.standbyReplicas == null ? 0 : s.standbyReplicas));
    }

    private static String portrait(IntelligentHorizontalPodAutoscaler ihpa) {
        var v = ihpa.getStatus() == null ? null : ihpa.getStatus().currentPortraitValue;
        return v == null ? "<none>" : v.provider + ":" + v.replicas;
    }

    private static String age(String created, Instant now) {
        Instant t = created == null ? null : KubeTime.parse(created);
        return t == null ? "<unknown>" : GoTabWriter.humanDuration(Duration.between(t, now));
    }
}
