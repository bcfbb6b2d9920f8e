package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.gocompat.GoTabWriter;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code kapacity describe ihpa} in {@code kubectl describe hpa}'s layout (kubectl's describe.go,
 * describeHorizontalPodAutoscalerV2): the same fields in the same order, aligned by Go's tabwriter, with what an
 * IHPA adds between {@code Max replicas} and the pods line: its portraits and which one wins (and until when), the
 * ReplicaProfile's online/cutoff/standby numbers and the gray progress. Times are printed in UTC.
 */
public final class IhpaDescription {

    private static final DateTimeFormatter RFC1123Z =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss xx", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    /**
     * Everything describe shows.
     *
     * @param portraits       the IHPA's HorizontalPortraits by portrait type (Reactive, Predictive, ...)
     * @param replicaProfile  the IHPA's ReplicaProfile, or null
     * @param currentReplicas the target's status replicas from its /scale, or null if unknown
     * @param events          the IHPA's events
     */
    public record Input(IntelligentHorizontalPodAutoscaler ihpa, Map<String, HorizontalPortrait> portraits,
                        ReplicaProfile replicaProfile, Integer currentReplicas, List<Event> events, Instant now) {
    }

    private IhpaDescription() {
    }

    public static String render(Input in) {
        IntelligentHorizontalPodAutoscaler ihpa = in.ihpa();
        var meta = ihpa.getMetadata();
        var spec = ihpa.getSpec();
        StringBuilder w = new StringBuilder();
        w.append("Name:\t").append(meta.getName()).append('\n');
        w.append("Namespace:\t").append(meta.getNamespace()).append('\n');
        multiline(w, "Labels", meta.getLabels());
        Map<String, String> annotations = meta.getAnnotations() == null ? null : new TreeMap<>(meta.getAnnotations());
        if (annotations != null) {
            annotations.remove(LAST_APPLIED);
        }
        multiline(w, "Annotations", annotations);
        w.append("CreationTimestamp:\t").append(time(meta.getCreationTimestamp())).append('\n');
        w.append("Reference:\t").append(spec.scaleTargetRef.kind).append('/').append(spec.scaleTargetRef.name).append('\n');
        w.append("Metrics:\t( current / target )\n");
        PortraitProvider reactive = spec.portraitProviders.stream()
                .filter(p -> p.type == PortraitProvider.Type.Dynamic && p.dynamic != null
                        && "Reactive".equals(p.dynamic.portraitType)).findFirst().orElse(null);
        if (reactive != null && reactive.dynamic.metrics != null) {
            HorizontalPortrait hp = in.portraits().get("Reactive");
            List<HorizontalPortraitStatus.CurrentMetric> current = hp == null || hp.getStatus() == null
                    || hp.getStatus().currentMetrics == null ? List.of() : hp.getStatus().currentMetrics;
            for (int i = 0; i < reactive.dynamic.metrics.size(); i++) {
                w.append("  ").append(metricLine(reactive.dynamic.metrics.get(i),
                        i < current.size() ? current.get(i).current : null)).append('\n');
            }
        }
        w.append("Min replicas:\t").append(spec.minReplicas).append('\n');
        w.append("Max replicas:\t").append(spec.maxReplicas).append('\n');
        var status = ihpa.getStatus();
        ihpaPart(w, in);
        if (status != null && status.conditions != null && !status.conditions.isEmpty()) {
            w.append("Conditions:\n");
            w.append("  Type\tStatus\tReason\tMessage\n");
            w.append("  ----\t------\t------\t-------\n");
            for (Condition c : status.conditions) {
                w.append("  ").append(c.getType()).append('\t').append(c.getStatus()).append('\t').append(c.getReason())
                        .append('\t').append(c.getMessage()).append('\n');
            }
        }
        StringBuilder out = new StringBuilder(GoTabWriter.format(w.toString()));
        out.append(GoTabWriter.format(events(in.events(), in.now())));
        return out.toString();
    }

    /** What an IHPA adds to an HPA's description: scale mode, portraits and the winner, pods, profile, gray. */
    private static void ihpaPart(StringBuilder w, Input in) {
        var spec = in.ihpa().getSpec();
        var status = in.ihpa().getStatus();
        w.append("Scale mode:\t").append(spec.effectiveScaleMode()).append(spec.isPaused() ? " (paused)" : "").append('\n');
        w.append("Portraits:\t( priority: replicas now )\n");
        List<PortraitProvider> providers = new ArrayList<>(spec.portraitProviders);
        providers.sort(Comparator.comparing((PortraitProvider p) -> p.priority == null ? 0 : p.priority).reversed());
        for (PortraitProvider p : providers) {
            w.append("  ").append(providerName(p)).append(" (priority ").append(p.priority).append("):\t")
                    .append(providerValue(p, in)).append('\n');
        }
        var winner = status == null ? null : status.currentPortraitValue;
        w.append("Current portrait:\t");
        if (winner == null) {
            w.append("<none>");
        } else {
            w.append(winner.provider).append(": ").append(winner.replicas).append(winner.replicas == 1 ? " replica" : " replicas");
            if (winner.expireTime != null) {
                w.append(" until ").append(time(winner.expireTime));
            }
        }
        w.append('\n');
        ReplicaProfile rp = in.replicaProfile();
        String desired = rp == null || rp.getSpec() == null ? "<unset>"
                : Integer.toString(rp.getSpec().online() + rp.getSpec().cutoff() + rp.getSpec().standby());
        w.append(spec.scaleTargetRef.kind).append(" pods:\t")
                .append(in.currentReplicas() == null ? "<unknown>" : in.currentReplicas()).append(" current / ")
                .append(desired).append(" desired\n");
        if (rp != null && rp.getSpec() != null) {
            var rs = rp.getStatus();
            w.append("Replica profile:\t").append(rp.getSpec().online()).append(" online / ")
                    .append(rp.getSpec().cutoff()).append(" cutoff / ").append(rp.getSpec().standby()).append(" standby");
            if (rs != null && rs.onlineReplicas != null) {
                w.append(" (now ").append(n(rs.onlineReplicas)).append(" / ").append(n(rs.cutoffReplicas)).append(" / ")
                        .append(n(rs.standbyReplicas)).append(')');
            }
            w.append('\n');
        } else {
            w.append("Replica profile:\t<none>\n");
        }
        w.append("Gray:\t");
        if (status != null && status.gray != null) {
            w.append(status.gray.grayPercent).append("% of the change applied, last step ")
                    .append(time(status.gray.lastUpdateTime));
        } else {
            w.append("<none>");
        }
        w.append('\n');
    }

    /** kubectl's DescribeEvents (sorted oldest first, ages as kubectl prints them). */
    static String events(List<Event> events, Instant now) {
        if (events == null || events.isEmpty()) {
            return "Events:\t<none>\n";
        }
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(e -> eventTime(e, true), Comparator.nullsFirst(Comparator.naturalOrder())));
        StringBuilder w = new StringBuilder("Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
        w.append("  ----\t------\t----\t----\t-------\n");
        for (Event e : sorted) {
            String first = since(eventTime(e, false), now);
            String interval;
            if (e.getSeries() != null && e.getSeries().getCount() != null) {
                interval = since(KubeTime.parse(e.getSeries().getLastObservedTime() == null ? null
                        : e.getSeries().getLastObservedTime().getTime()), now)
                        + " (x" + e.getSeries().getCount() + " over " + first + ")";
            } else if (e.getCount() != null && e.getCount() > 1) {
                interval = since(KubeTime.parse(e.getLastTimestamp()), now) + " (x" + e.getCount() + " over " + first + ")";
            } else {
                interval = first;
            }
            String source = e.getSource() == null || e.getSource().getComponent() == null
                    || e.getSource().getComponent().isEmpty() ? e.getReportingComponent() : e.getSource().getComponent();
            w.append("  ").append(e.getType()).append('\t').append(e.getReason()).append('\t').append(interval)
                    .append('\t').append(source).append('\t')
                    .append(e.getMessage() == null ? "" : e.getMessage().trim()).append('\n');
        }
        return w.toString();
    }

    private static Instant eventTime(Event e, boolean last) {
        if (last && e.getLastTimestamp() != null) {
            return KubeTime.parse(e.getLastTimestamp());
        }
        if (e.getFirstTimestamp() != null) {
            return KubeTime.parse(e.getFirstTimestamp());
        }
        return e.getEventTime() == null ? null : KubeTime.parse(e.getEventTime().getTime());
    }

    private static String since(Instant t, Instant now) {
        return t == null ? "<unknown>" : GoTabWriter.humanDuration(Duration.between(t, now));
    }

    /** One metric as kubectl describe hpa prints it ({@code current} null: not measured yet). */
    static String metricLine(MetricSpec m, String current) {
        String cur = current == null ? "<unknown>" : current;
        switch (m.type) {
            case "Resource": {
                var t = m.resource.getTarget();
                if (t.getAverageValue() != null) {
                    return "resource " + m.resource.getName() + " on pods:\t" + cur + " / " + t.getAverageValue();
                }
                String target = t.getAverageUtilization() == null ? "<auto>" : t.getAverageUtilization() + "%";
                return "resource " + m.resource.getName() + " on pods  (as a percentage of request):\t" + cur + " / " + target;
            }
            case "ContainerResource": {
                var t = m.containerResource.getTarget();
                if (t.getAverageValue() != null) {
                    return "resource " + m.containerResource.getName() + " of container \"" + m.containerResource.getContainer()
                            + "\" on pods:\t" + cur + " / " + t.getAverageValue();
                }
                String target = t.getAverageUtilization() == null ? "<auto>" : t.getAverageUtilization() + "%";
                return "resource " + m.containerResource.getName() + " of container \"" + m.containerResource.getContainer()
                        + "\" on pods  (as a percentage of request):\t" + cur + " / " + target;
            }
            case "Pods":
                return AutoscaleSpec.quote(m.pods.getMetric().getName()) + " on pods:\t" + cur + " / "
                        + m.pods.getTarget().getAverageValue();
            case "Object": {
                var t = m.object.getTarget();
                String head = AutoscaleSpec.quote(m.object.getMetric().getName()) + " on "
                        + m.object.getDescribedObject().getKind() + "/" + m.object.getDescribedObject().getName() + " ";
                return "AverageValue".equals(t.getType()) ? head + "(target average value):\t" + cur + " / " + t.getAverageValue()
                        : head + "(target value):\t" + cur + " / " + t.getValue();
            }
            case "External": {
                var t = m.external.getTarget();
                String head = AutoscaleSpec.quote(m.external.getMetric().getName()) + " ";
                return t.getAverageValue() != null ? head + "(target average value):\t" + cur + " / " + t.getAverageValue()
                        : head + "(target value):\t" + cur + " / " + t.getValue();
            }
            default:
                return "<unknown metric type " + AutoscaleSpec.quote(m.type) + ">:\t" + cur + " / <unknown>";
        }
    }

    private static String providerName(PortraitProvider p) {
        if (p.type == PortraitProvider.Type.Dynamic && p.dynamic != null) {
            return "Dynamic " + p.dynamic.portraitType;
        }
        return String.valueOf(p.type);
    }

    /** What the provider recommends now: its replicas (and until when), or why it has none. */
    private static String providerValue(PortraitProvider p, Input in) {
        switch (p.type) {
            case Static:
                return p._static == null ? "<invalid>" : Integer.toString(p._static.replicas);
            case Cron: {
                if (p.cron == null || p.cron.crons == null) {
                    return "<invalid>";
                }
                var evaluation = new CronPortraitProviderEvaluator().evaluateRules(p.cron.crons, in.now());
                if (evaluation instanceof CronPortraitEvaluator.Active a) {
                    return a.replicas() + " (" + a.name() + " until " + time(KubeTime.format(a.expireTime())) + ")";
                } else if (evaluation instanceof CronPortraitEvaluator.Failed f) {
                    return "<error: " + f.message() + ">";
                }
                return "<none> (no window open)";
            }
            case Dynamic: {
                HorizontalPortrait hp = p.dynamic == null ? null : in.portraits().get(p.dynamic.portraitType);
                if (hp == null || hp.getStatus() == null || hp.getStatus().portraitData == null) {
                    return "<none> (not generated yet)";
                }
                var data = hp.getStatus().portraitData;
                String until = data.expireTime == null ? "" : " until " + time(data.expireTime);
                if (data._static != null) {
                    return data._static.replicas + until;
                }
                if (data.timeSeries != null && data.timeSeries.timeSeries != null) {
                    Integer value = null;
                    for (var point : data.timeSeries.timeSeries) {
                        if (point.timestamp <= in.now().getEpochSecond()) {
                            value = point.replicas;
                        }
                    }
                    return value == null ? "<none> (the forecast starts later)" : value + until;
                }
                return "<none>";
            }
            default:
                return "<unknown>";
        }
    }

    private static void multiline(StringBuilder w, String title, Map<String, String> values) {
        w.append(title).append(":\t");
        if (values == null || values.isEmpty()) {
            w.append("<none>\n");
            return;
        }
        boolean first = true;
        for (var e : new TreeMap<>(values).entrySet()) {
            if (!first) {
                w.append('\t');
            }
            w.append(e.getKey()).append('=').append(e.getValue()).append('\n');
            first = false;
        }
    }

    private static String time(String rfc3339) {
        Instant t = rfc3339 == null ? null : KubeTime.parse(rfc3339);
        return t == null ? "<unknown>" : RFC1123Z.format(t);
    }

    private static String n(Integer v) {
        return v == null ? "0" : v.toString();
    }
}
