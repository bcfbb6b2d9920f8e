package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The IHPA page's sections about its portrait providers: every provider's value now and the verdict of the
 * controller's own selection, the HorizontalPortrait of each Dynamic provider (with its algorithm job's last run and
 * forecast for an ExternalJob portrait, {@link AlgorithmJobSection}), and the cron rules with their next times.
 * Renders what {@link ConsoleModel} reads; every value goes through {@link Html#esc}.
 */
final class ProviderSections {

    private final ConsoleModel model;
    private final AlgorithmJobSection jobs;

    ProviderSections(ConsoleModel model) {
        this.model = model;
        this.jobs = new AlgorithmJobSection(model);
    }

    static final int MAX_SERIES_ROWS = 48;

    /** For each Dynamic provider, its HorizontalPortrait ({@code <ihpa>-<portraitType>}): spec, data, conditions. */
    void horizontalPortraits(StringBuilder b, IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
        List<PortraitProvider> providers = ihpa.getSpec() == null || ihpa.getSpec().portraitProviders == null
                ? List.of() : ihpa.getSpec().portraitProviders;
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            if (p.type == PortraitProvider.Type.Dynamic) {
                b.append("<section class=\"hp\">");
                horizontalPortrait(b, ihpa, i, p, now);
                b.append("</section>");
            }
        }
    }

    private void horizontalPortrait(StringBuilder b, IntelligentHorizontalPodAutoscaler ihpa, int index,
                                    PortraitProvider p, Instant now) {
        String type = p.dynamic == null ? null : p.dynamic.portraitType;
        b.append("<h2>Dynamic provider #").append(index + 1).append(": ").append(Html.esc(type == null ? "?" : type))
                .append(" portrait</h2>");
        if (type == null || type.isEmpty()) {
            b.append("<p class=\"bad\">This provider has no dynamic.portraitType.</p>");
            return;
        }
        String name = DynamicPortraitProviderEvaluator.portraitName(ihpa, type);
        b.append("<dl class=\"hp-spec\"><dt>HorizontalPortrait</dt><dd><code>").append(Html.esc(name)).append("</code></dd>");
        portraitSpec(b, p.dynamic);
        b.append("</dl>");
        ObjectKey key = new ObjectKey(ihpa.getMetadata().getNamespace(), name);
        HorizontalPortrait hp;
        try {
            hp = model.portrait(key);
        } catch (KubeObjects.InvalidObjectException e) {
            b.append("<p class=\"bad\">The model cannot read this HorizontalPortrait: ").append(Html.esc(e.getMessage())).append("</p>");
            return;
        }
        if (hp == null) {
            b.append("<p class=\"muted\">Not created yet (the controller creates it from the provider).</p>");
            return;
        }
        HorizontalPortraitStatus st = hp.getStatus();
        currentMetrics(b, st);
        portraitData(b, st == null ? null : st.portraitData);
        if (isExternalJob(p.dynamic)) {
            jobs.render(b, ObjectKey.of(ihpa), key, hp, now);
        }
        portraitConditions(b, st);
    }

    static boolean isExternalJob(PortraitSpec spec) {
        return spec.algorithm != null && "ExternalJob".equals(spec.algorithm.type);
    }

    /** The reactive metrics against their targets, as the last generation saw them. */
    private static void currentMetrics(StringBuilder b, HorizontalPortraitStatus st) {
        if (st == null || st.currentMetrics == null || st.currentMetrics.isEmpty()) {
            return;
        }
        b.append("<table class=\"hp-metrics\"><thead><tr><th>Metric</th><th>Current</th><th>Target</th></tr></thead><tbody>");
        for (HorizontalPortraitStatus.CurrentMetric m : st.currentMetrics) {
            b.append("<tr><td>").append(Html.esc(m.metric)).append("</td><td class=\"current-metric\">")
                    .append(Html.esc(m.current)).append("</td><td>").append(Html.esc(m.target)).append("</td></tr>");
        }
        b.append("</tbody></table>");
    }

    private static void portraitConditions(StringBuilder b, HorizontalPortraitStatus st) {
        if (st == null || st.conditions == null || st.conditions.isEmpty()) {
            b.append("<p class=\"muted\">No conditions yet.</p>");
            return;
        }
        b.append("<table class=\"hp-conditions\"><thead><tr><th>Condition</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead><tbody>");
        for (Condition c : st.conditions) {
            boolean positive = "True".equals(c.getStatus());
            String cls = "ScalingLimited".equals(c.getType()) ? (positive ? "warn" : "ok") : (positive ? "ok" : "bad");
            b.append("<tr><td>").append(Html.esc(c.getType())).append("</td><td><span class=\"badge ").append(cls).append("\">")
                    .append(Html.esc(c.getStatus())).append("</span></td><td>").append(Html.esc(c.getReason())).append("</td><td>")
                    .append(Html.esc(c.getMessage())).append("</td><td><time>").append(Html.esc(c.getLastTransitionTime())).append("</time></td></tr>");
        }
        b.append("</tbody></table>");
    }

    private static void portraitSpec(StringBuilder b, PortraitSpec spec) {
        b.append("<dt>Algorithm</dt><dd>").append(spec.algorithm == null ? "-" : Html.esc(spec.algorithm.type)).append("</dd>");
        if (spec.metrics != null && !spec.metrics.isEmpty()) {
            b.append("<dt>Metric targets</dt><dd><ul class=\"metrics\">");
            for (MetricSpec m : spec.metrics) {
                b.append("<li>").append(Html.esc(describe(m))).append("</li>");
            }
            b.append("</ul></dd>");
        }
    }

    /** A metric and its target in words, e.g. "cpu 30 % of request" (plain text: the caller escapes it). */
    static String describe(MetricSpec m) {
        if (m == null) {
            return "";
        }
        String what;
        MetricTarget target;
        if (m.resource != null) {
            what = m.resource.getName();
            target = m.resource.getTarget();
        } else if (m.containerResource != null) {
            what = m.containerResource.getName() + " of container " + m.containerResource.getContainer();
            target = m.containerResource.getTarget();
        } else if (m.pods != null) {
            what = (m.pods.getMetric() == null ? "?" : m.pods.getMetric().getName()) + " per pod";
            target = m.pods.getTarget();
        } else if (m.object != null) {
            var ref = m.object.getDescribedObject();
            what = (m.object.getMetric() == null ? "?" : m.object.getMetric().getName())
                    + (ref == null ? "" : " of " + ref.getKind() + "/" + ref.getName());
            target = m.object.getTarget();
        } else if (m.external != null) {
            what = (m.external.getMetric() == null ? "?" : m.external.getMetric().getName()) + " (external)";
            target = m.external.getTarget();
        } else {
            return (m.name == null ? "" : m.name + ": ") + m.type;
        }
        StringBuilder t = new StringBuilder();
        if (m.name != null && !m.name.isEmpty()) {
            t.append(m.name).append(": ");
        }
        t.append(what);
        if (target != null) {
            if (target.getAverageUtilization() != null) {
                t.append(' ').append(target.getAverageUtilization()).append(" % of request");
            } else if (target.getAverageValue() != null) {
                t.append(" average ").append(target.getAverageValue());
            } else if (target.getValue() != null) {
                t.append(" value ").append(target.getValue());
            }
        }
        return t.toString();
    }

    private void portraitData(StringBuilder b, HorizontalPortraitStatus.PortraitData d) {
        if (d == null || d.type == null) {
            b.append("<p class=\"muted\">No portrait data yet.</p>");
            return;
        }
        b.append("<p class=\"hp-data\">Data: <strong>").append(Html.esc(d.type)).append("</strong>");
        if (d.expireTime != null) {
            b.append(", expires <time>").append(Html.esc(d.expireTime)).append("</time>");
        }
        switch (d.type) {
            case Static -> b.append(": <strong class=\"hp-replicas\">").append(d._static == null ? "-" : Html.esc(d._static.replicas))
                    .append("</strong> replicas.</p>");
            case Cron -> {
                b.append(".</p>");
                List<ReplicaCron> rules = d.cron == null || d.cron.crons == null ? List.of() : d.cron.crons;
                b.append("<table class=\"hp-crons\"><thead><tr><th>Rule</th><th>Time zone</th><th>Start</th><th>End</th><th>Replicas</th></tr></thead><tbody>");
                for (ReplicaCron r : rules) {
                    b.append("<tr><td>").append(Html.esc(r.name)).append("</td><td>")
                            .append(Html.esc(r.timeZone == null || r.timeZone.isEmpty() ? "UTC" : r.timeZone)).append("</td><td><code>")
                            .append(Html.esc(r.start)).append("</code></td><td><code>").append(Html.esc(r.end)).append("</code></td><td>")
                            .append(Html.esc(r.replicas)).append("</td></tr>");
                }
                b.append("</tbody></table>");
            }
            case TimeSeries -> {
                b.append(".</p>");
                List<HorizontalPortraitStatus.TimeSeriesPoint> points = d.timeSeries == null || d.timeSeries.timeSeries == null
                        ? List.of() : d.timeSeries.timeSeries;
                b.append("<table class=\"hp-series\"><thead><tr><th>Time</th><th>Replicas</th></tr></thead><tbody>");
                for (int i = 0; i < points.size() && i < MAX_SERIES_ROWS; i++) {
                    HorizontalPortraitStatus.TimeSeriesPoint pt = points.get(i);
                    b.append("<tr><td><time>").append(pt.timestamp == null ? "-" : Html.esc(Instant.ofEpochSecond(pt.timestamp)))
                            .append("</time></td><td>").append(Html.esc(pt.replicas)).append("</td></tr>");
                }
                b.append("</tbody></table>");
                if (points.size() > MAX_SERIES_ROWS) {
                    b.append("<p class=\"muted\">and ").append(points.size() - MAX_SERIES_ROWS).append(" more points.</p>");
                }
            }
        }
    }

    void providers(StringBuilder b, IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
        List<PortraitProvider> providers = ihpa.getSpec() == null || ihpa.getSpec().portraitProviders == null
                ? List.of() : ihpa.getSpec().portraitProviders;
        PortraitSelector.Selection sel;
        try {
            sel = model.selection(ihpa, now);
        } catch (RuntimeException e) {
            b.append("<section><h2>Portrait providers</h2><p class=\"bad\">").append(Html.esc(e.getMessage())).append("</p></section>");
            return;
        }
        b.append("<section><h2>Portrait providers</h2>");
        if (sel.error() != null) {
            b.append("<p class=\"bad\">").append(Html.esc(sel.error())).append("</p>");
        } else if (sel.value() == null) {
            b.append("<p>No provider has a valid value now.</p>");
        } else {
            b.append("<p>Now: <strong>").append(Html.esc(sel.value().replicas)).append("</strong> replicas from provider #")
                    .append(sel.winnerIndex() + 1).append(" (").append(Html.esc(sel.value().provider)).append(")")
                    .append(sel.changesAt() == null ? "" : ", may change at <time>" + Html.esc(sel.changesAt()) + "</time>").append(".</p>");
        }
        b.append("<table class=\"providers\"><thead><tr><th>#</th><th>Type</th><th>Priority</th><th>Value now</th><th>Expires</th><th>Verdict</th></tr></thead><tbody>");
        PortraitSelector.Candidate winner = null;
        for (PortraitSelector.Candidate c : sel.candidates()) {
            if (c.index == sel.winnerIndex()) {
                winner = c;
            }
        }
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            PortraitSelector.Candidate c = null;
            for (PortraitSelector.Candidate x : sel.candidates()) {
                if (x.index == i) {
                    c = x;
                }
            }
            boolean wins = winner != null && c == winner;
            b.append("<tr").append(wins ? " class=\"winner\"" : "").append("><td>").append(i + 1).append("</td><td>").append(Html.esc(p.type))
                    .append("</td><td>").append(Html.esc(p.priority)).append("</td><td>")
                    .append(c == null || c.value == null ? "-" : Html.esc(c.value.replicas)).append("</td><td>")
                    .append(c == null || c.value == null || c.value.expireTime == null ? "-" : "<time>" + Html.esc(c.value.expireTime) + "</time>")
                    .append("</td><td>").append(Html.esc(verdict(c, winner, wins, p))).append("</td></tr>");
        }
        b.append("</tbody></table></section>");
    }

    static String verdict(PortraitSelector.Candidate c, PortraitSelector.Candidate winner, boolean wins, PortraitProvider p) {
        if (c == null) {
            return "not evaluated (selection stopped at an error)";
        }
        if (c.value == null) {
            return p.type == PortraitProvider.Type.Dynamic ? "no value now (its HorizontalPortrait has no data yet)"
                    : "no value now";
        }
        if (c.expired) {
            return "expired";
        }
        if (wins) {
            return "wins: highest priority among valid values (ties: more replicas, then listed first)";
        }
        if (winner == null) {
            return "valid";
        }
        if (c.priority < winner.priority) {
            return "loses: priority " + c.priority + " < " + winner.priority;
        }
        if (c.value.replicas < winner.value.replicas) {
            return "loses: same priority, fewer replicas (" + c.value.replicas + " < " + winner.value.replicas + ")";
        }
        return "loses: same priority and replicas, listed after the winner";
    }

    void crons(StringBuilder b, IntelligentHorizontalPodAutoscalerSpec spec, Instant now) {
        if (spec.portraitProviders == null) {
            return;
        }
        boolean any = false;
        for (int i = 0; i < spec.portraitProviders.size(); i++) {
            PortraitProvider p = spec.portraitProviders.get(i);
            if (p.cron == null || p.cron.crons == null || p.cron.crons.isEmpty()) {
                continue;
            }
            if (!any) {
                b.append("<section><h2>Cron rules</h2><table class=\"crons\"><thead><tr><th>Provider</th><th>Rule</th><th>Time zone</th>")
                        .append("<th>Start</th><th>End</th><th>Replicas</th><th>Next start</th><th>Next end</th><th>Now</th></tr></thead><tbody>");
                any = true;
            }
            String active = model.activeCronRule(p.cron.crons, now);
            for (ReplicaCron r : p.cron.crons) {
                boolean on = r.name != null && r.name.equals(active);
                b.append("<tr").append(on ? " class=\"winner\"" : "").append("><td>#").append(i + 1).append("</td><td>").append(Html.esc(r.name))
                        .append("</td><td>").append(Html.esc(r.timeZone == null || r.timeZone.isEmpty() ? "UTC" : r.timeZone))
                        .append("</td><td><code>").append(Html.esc(r.start)).append("</code></td><td><code>").append(Html.esc(r.end))
                        .append("</code></td><td>").append(Html.esc(r.replicas)).append("</td>");
                try {
                    ZoneId zone = r.timeZone == null || r.timeZone.isEmpty() ? ZoneOffset.UTC : ZoneId.of(r.timeZone);
                    b.append("<td><time>").append(Html.esc(model.nextCronTime(r.start, zone, now))).append("</time></td><td><time>")
                            .append(Html.esc(model.nextCronTime(r.end, zone, now))).append("</time></td>");
                } catch (RuntimeException e) {
                    b.append("<td colspan=\"2\" class=\"bad\">").append(Html.esc(e.getMessage())).append("</td>");
                }
                b.append("<td>").append(on ? "<span class=\"badge ok\">active</span>" : "").append("</td></tr>");
            }
        }
        if (any) {
            b.append("</tbody></table></section>");
        }
    }
}
