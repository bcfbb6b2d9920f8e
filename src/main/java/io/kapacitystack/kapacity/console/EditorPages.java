package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.ext.web.RoutingContext;

import io.kapacitystack.kapacity.console.EditorInput.Editor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The editor's HTML: the form (or YAML) with its errors next to their fields, the preview of what the controller's
 * planner would do now, and the delete confirmation. Every value goes through {@link Html#esc}.
 */
final class EditorPages {

    private final ConsoleModel model;
    private final ConsoleLogin login;

    EditorPages(ConsoleModel model, ConsoleLogin login) {
        this.model = model;
        this.login = login;
    }

    /** The planner's answer for the object now, in Preview mode: what it would select, scale to, and report. */
    String previewFragment(Editor e, IntelligentHorizontalPodAutoscaler ihpa) {
        StringBuilder b = new StringBuilder(2048);
        b.append("<h2>Preview: what it would do now</h2>");
        if (ihpa == null) {
            b.append("<p class=\"bad\" id=\"preview-invalid\">Not valid yet:</p><ul class=\"bad\">");
            e.form.errors.forEach((k, v) -> b.append("<li>").append(Html.esc(label(k))).append(": ").append(Html.esc(v)).append("</li>"));
            e.problems.forEach(p -> b.append("<li>").append(Html.esc(p)).append("</li>"));
            return b.append("</ul>").toString();
        }
        IntelligentHorizontalPodAutoscaler copy = model.serialization().convertValue(ihpa, IntelligentHorizontalPodAutoscaler.class);
        copy.getSpec().scaleMode = IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
        // the status, for a planner without HorizontalPortraits (a Dynamic provider's value is then the stored one)
        GenericKubernetesResource cached = e.create ? null : model.rawIhpa(new ObjectKey(e.origNamespace, e.origName));
        if (cached != null) {
            try {
                copy.setStatus(KubeObjects.convert(model.serialization(), cached, IntelligentHorizontalPodAutoscaler.class).getStatus());
            } catch (KubeObjects.InvalidObjectException x) {
                copy.setStatus(null);
            }
        }
        Instant now = model.now();
        IhpaPlan plan;
        try {
            plan = model.planner().plan(copy, null, null, now);
        } catch (RuntimeException x) {
            return b.append("<p class=\"bad\">The planner failed: ").append(Html.esc(KubeObjects.shortMessage(x))).append("</p>").toString();
        }
        b.append("<p>At <time>").append(Html.time(now)).append("</time> (the controller's clock):</p><div id=\"preview-result\">");
        var v = plan.status() == null ? null : plan.status().currentPortraitValue;
        PortraitSelector.Selection sel = plan.selection();
        if (v == null) {
            b.append("<p class=\"bad\">No replica number now").append(sel != null && sel.error() != null ? ": " + Html.esc(sel.error()) : "")
                    .append(".</p>");
        } else {
            int min = ihpa.getSpec().minReplicas;
            int max = ihpa.getSpec().maxReplicas;
            int target = Math.max(min, Math.min(max, v.replicas));
            b.append("<p class=\"verdict\">Provider <strong>").append(Html.esc(v.provider)).append("</strong> wins with <strong>")
                    .append(v.replicas).append("</strong> replicas: the target would be scaled to <strong id=\"preview-replicas\">")
                    .append(target).append("</strong>").append(target != v.replicas ? " (limited to " + min + "\u2013" + max + ")" : "")
                    .append(ihpa.getSpec().effectiveScaleMode() == IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview
                            ? ", but this object is in Preview mode and changes nothing" : "").append(".</p>");
        }
        if (sel != null && !sel.candidates().isEmpty()) {
            b.append("<table class=\"providers\"><thead><tr><th>#</th><th>Type</th><th>Priority</th><th>Value now</th><th>Verdict</th></tr></thead><tbody>");
            PortraitSelector.Candidate winner = null;
            for (PortraitSelector.Candidate c : sel.candidates()) {
                if (c.index == sel.winnerIndex()) {
                    winner = c;
                }
            }
            for (PortraitSelector.Candidate c : sel.candidates()) {
                boolean wins = c == winner;
                b.append("<tr").append(wins ? " class=\"winner\"" : "").append("><td>").append(c.index + 1).append("</td><td>")
                        .append(Html.esc(c.type)).append("</td><td>").append(c.priority).append("</td><td>")
                        .append(c.value == null ? "-" : Html.esc(c.value.replicas)).append("</td><td>")
                        .append(Html.esc(ProviderSections.verdict(c, winner, wins, ihpa.getSpec().portraitProviders.get(c.index)))).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        b.append("<p>Conditions: ");
        ConsoleView.conditions(b, plan.status() == null ? null : plan.status().conditions);
        b.append("</p>");
        if (plan.wakeAt() != null) {
            b.append("<p>Next change: <time>").append(Html.esc(plan.wakeAt())).append("</time></p>");
        }
        for (PlannedEvent ev : plan.events()) {
            b.append("<p class=\"muted\">Event ").append(Html.esc(ev.type())).append(' ').append(Html.esc(ev.reason())).append(": ")
                    .append(Html.esc(ev.message())).append("</p>");
        }
        return b.append("</div><p class=\"muted\">Nothing was saved.</p>").toString();
    }

    static String label(String field) {
        return switch (field) {
            case "namespace" -> "Namespace";
            case "name" -> "Name";
            case "targetKind" -> "Target kind";
            case "targetName" -> "Target name";
            case "minReplicas" -> "Min replicas";
            case "maxReplicas" -> "Max replicas";
            case "providers" -> "Providers";
            case "cpuUtilization" -> "CPU utilization target";
            default -> field;
        };
    }

    String editorPage(RoutingContext ctx, Editor e) {
        ConsoleView.Viewer viewer = login.viewer(ctx);
        String csrf = viewer.csrf();
        if (csrf == null) {
            // bearer-header clients have no session: the page they get back has no token to echo
            csrf = "";
        }
        StringBuilder b = new StringBuilder(16384);
        String title = e.create ? "New IHPA" : "Edit " + e.origNamespace + "/" + e.origName;
        b.append("<h1>").append(Html.esc(title)).append("</h1>");
        if (e.notice != null) {
            b.append("<p class=\"notice\" role=\"status\">").append(Html.esc(e.notice)).append("</p>");
        }
        if (!e.problems.isEmpty()) {
            b.append("<ul class=\"bad problems\" id=\"problems\" role=\"alert\">");
            e.problems.forEach(p -> b.append("<li>").append(Html.esc(p)).append("</li>"));
            b.append("</ul>");
        }
        IhpaForm f = e.form;
        if (!f.errors.isEmpty()) {
            b.append("<p class=\"bad\" id=\"form-invalid\" role=\"alert\">").append(f.errors.size())
                    .append(f.errors.size() == 1 ? " field needs" : " fields need").append(" fixing (marked below).</p>");
        }
        b.append("<form id=\"editor\" class=\"editor\" method=\"post\" action=\"/edit/save\" novalidate>")
                .append(hidden("_csrf", csrf)).append(hidden("mode", e.create ? "create" : "update"))
                .append(hidden("view", e.yamlView ? "yaml" : "form")).append(hidden("origNamespace", e.origNamespace))
                .append(hidden("origName", e.origName)).append(hidden("resourceVersion", e.resourceVersion));
        if (e.yamlView) {
            b.append("<div class=\"field wide\"><label for=\"f-yaml\">YAML</label><textarea id=\"f-yaml\" name=\"yaml\" rows=\"28\" spellcheck=\"false\">")
                    .append(Html.esc(e.yaml)).append("</textarea></div>");
        } else {
            formFields(b, f, e.create);
        }
        b.append("<div class=\"buttons\"><button type=\"submit\" id=\"save\">").append(e.create ? "Create" : "Save").append("</button> ")
                .append("<button type=\"button\" id=\"preview-button\" hx-post=\"/edit/preview\" hx-include=\"closest form\" hx-target=\"#preview\" hx-swap=\"innerHTML\">Preview: what would it do now</button> ")
                .append("<button type=\"submit\" id=\"switch-view\" formaction=\"/edit/convert?to=").append(e.yamlView ? "form" : "yaml").append("\">")
                .append(e.yamlView ? "Form view" : "YAML view").append("</button> <a href=\"")
                .append(e.create ? "/" : "/ihpa/" + Html.esc(Html.segment(e.origNamespace)) + "/" + Html.esc(Html.segment(e.origName)))
                .append("\">Cancel</a></div></form>");
        b.append("<section id=\"preview\" class=\"preview\" aria-live=\"polite\"></section>");
        return login.page(ctx, "Kapacity: " + title, b.toString());
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + Html.esc(name) + "\" value=\"" + Html.esc(value) + "\">";
    }

    private static void formFields(StringBuilder b, IhpaForm f, boolean create) {
        b.append("<fieldset><legend>Object</legend>");
        input(b, f, "namespace", "Namespace", create ? "" : " readonly");
        input(b, f, "name", "Name", create ? "" : " readonly");
        select(b, f, "scaleMode", "Scale mode", List.of("Auto", "Preview"), false);
        b.append("</fieldset><fieldset><legend>Scale target</legend>");
        input(b, f, "targetApiVersion", "API version", "");
        select(b, f, "targetKind", "Kind", IhpaForm.KINDS, false);
        input(b, f, "targetName", "Name", "");
        input(b, f, "minReplicas", "Min replicas", " inputmode=\"numeric\"");
        input(b, f, "maxReplicas", "Max replicas", " inputmode=\"numeric\"");
        b.append("</fieldset>");
        String providersError = f.errors.get("providers");
        b.append("<fieldset><legend>Static provider</legend><p class=\"hint\">Leave the replicas empty for none.</p>");
        input(b, f, "staticReplicas", "Replicas", " inputmode=\"numeric\"");
        input(b, f, "staticPriority", "Priority", " inputmode=\"numeric\"");
        b.append("</fieldset><fieldset><legend>Cron provider</legend>");
        input(b, f, "cronPriority", "Priority", " inputmode=\"numeric\"");
        b.append("<p class=\"hint\">Rules: 5-field cron expressions; the window is [start, end). Empty rows are ignored.</p>")
                .append("<div class=\"scroll\"><table class=\"cron-rules\"><thead><tr><th>Name</th><th>Time zone</th><th>Start</th><th>End</th><th>Replicas</th></tr></thead><tbody>");
        int rows = f.filledCronRows() + IhpaForm.SPARE_CRON_ROWS;
        for (int i = 0; i < rows; i++) {
            b.append("<tr>");
            for (String x : List.of("name", "timeZone", "start", "end", "replicas")) {
                b.append("<td>");
                String field = "cron." + i + "." + x;
                control(b, f, field, x.equals("replicas") ? " inputmode=\"numeric\" size=\"4\"" : x.equals("timeZone") ? " placeholder=\"UTC\"" : "",
                        "rule " + (i + 1) + " " + x);
                b.append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</tbody></table></div></fieldset>");
        b.append("<fieldset><legend>Reactive provider (Dynamic, KubeHPA)</legend><p class=\"hint\">Leave the target empty for none.</p>");
        input(b, f, "cpuUtilization", "CPU utilization target (%)", " inputmode=\"numeric\"");
        input(b, f, "reactivePriority", "Priority", " inputmode=\"numeric\"");
        b.append("</fieldset>");
        if (providersError != null) {
            b.append("<p class=\"error\" id=\"err-providers\" role=\"alert\">").append(Html.esc(providersError)).append("</p>");
        }
        for (String g : IhpaForm.GRAY) {
            boolean up = g.equals("grayUp");
            b.append("<fieldset><legend>Gray strategy, scale ").append(up ? "up" : "down").append("</legend><p class=\"hint\">Leave the state empty for none.</p>");
            select(b, f, g + ".state", "Pods in the gray stage", up ? List.of("Online") : List.of("Cutoff", "Standby", "Deleted"), true);
            input(b, f, g + ".interval", "Change interval (s)", " inputmode=\"numeric\"");
            input(b, f, g + ".percent", "Change percent", " inputmode=\"numeric\"");
            input(b, f, g + ".observation", "Observation (s)", " inputmode=\"numeric\"");
            b.append("</fieldset>");
        }
    }

    private static void input(StringBuilder b, IhpaForm f, String field, String label, String attrs) {
        String err = f.errors.get(field);
        b.append("<div class=\"field").append(err != null ? " invalid" : "").append("\"><label for=\"f-").append(Html.token(field)).append("\">")
                .append(Html.esc(label)).append("</label>");
        control(b, f, field, attrs, null);
        b.append("</div>");
    }

    /** One input with its error right after it; {@code aria} labels inputs that have no visible label. */
    private static void control(StringBuilder b, IhpaForm f, String field, String attrs, String aria) {
        String t = Html.token(field);
        String err = f.errors.get(field);
        b.append("<input type=\"text\" id=\"f-").append(t).append("\" name=\"").append(Html.esc(field)).append("\" value=\"")
                .append(Html.esc(f.get(field))).append('"').append(attrs);
        if (aria != null) {
            b.append(" aria-label=\"").append(Html.esc(aria)).append('"');
        }
        if (err != null) {
            b.append(" class=\"invalid\" aria-invalid=\"true\" aria-describedby=\"err-").append(t).append('"');
        }
        b.append('>');
        if (err != null) {
            b.append("<span class=\"error\" id=\"err-").append(t).append("\">").append(Html.esc(err)).append("</span>");
        }
    }

    private static void select(StringBuilder b, IhpaForm f, String field, String label, List<String> options, boolean none) {
        String t = Html.token(field);
        String err = f.errors.get(field);
        String value = f.get(field);
        b.append("<div class=\"field").append(err != null ? " invalid" : "").append("\"><label for=\"f-").append(t).append("\">")
                .append(Html.esc(label)).append("</label><select id=\"f-").append(t).append("\" name=\"").append(Html.esc(field)).append('"');
        if (err != null) {
            b.append(" aria-invalid=\"true\" aria-describedby=\"err-").append(t).append('"');
        }
        b.append('>');
        if (none) {
            b.append("<option value=\"\">none</option>");
        }
        Html.options(b, options, value);
        b.append("</select>");
        if (err != null) {
            b.append("<span class=\"error\" id=\"err-").append(t).append("\">").append(Html.esc(err)).append("</span>");
        }
        b.append("</div>");
    }

    /** The confirmation page of a delete (a form posting back with the session's CSRF token). */
    String deletePage(RoutingContext ctx, ObjectKey key, String csrf) {
        String path = "/ihpa/" + Html.esc(Html.segment(key.namespace())) + "/" + Html.esc(Html.segment(key.name()));
        return login.page(ctx, "Kapacity: delete " + key.namespace() + "/" + key.name(),
                "<h1>Delete " + Html.esc(key.namespace()) + "/" + Html.esc(key.name()) + "?</h1>"
                        + "<p>Its ReplicaProfile goes with it, and pods it had put in Cutoff or Standby serve again; the workload keeps its current replicas.</p>"
                        + "<form method=\"post\" action=\"" + path + "/delete\"><input type=\"hidden\" name=\"_csrf\" value=\""
                        + Html.esc(csrf) + "\"><button type=\"submit\" class=\"danger\" id=\"confirm-delete\">Delete</button> "
                        + "<a href=\"" + path + "\">Cancel</a></form>");
    }
}
