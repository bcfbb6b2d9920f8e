package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.Condition;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server-side HTML of the console: whole pages and the fragments the SSE streams swap in. Reads only the controller
 * manager's caches and the hub (memory), so it is safe on an event loop. Every value goes through {@link Html#esc}.
 */
public final class ConsoleView {

    /** Events the overview shows when it opens. */
    static final int RECENT_EVENTS = 20;

    static final String HTMX = "/webjars/htmx.org/2.0.10/dist/htmx.min.js";
    static final String HTMX_SSE = "/webjars/htmx-ext-sse/2.2.2/sse.js";
    static final String UPLOT_JS = "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js";
    static final String UPLOT_CSS = "/webjars/uplot/1.6.30/dist/uPlot.min.css";
    private static final Pattern ARROW = Pattern.compile("(\\d+) -> (\\d+)");
    private static final Pattern CREATED = Pattern.compile("onlineReplcas: (\\d+), cutoffReplicas: (\\d+), standbyReplicas: (\\d+)");

    private final ConsoleModel model;
    private final ConsoleHub hub;
    private final ProviderSections sections;

    ConsoleView(ConsoleModel model, ConsoleHub hub) {
        this.model = model;
        this.hub = hub;
        this.sections = new ProviderSections(model);
    }

    // ---------------------------------------------------------------- pages

    /**
     * Who is looking: {@code user} is null for anonymous readers; {@code csrf} is the session's CSRF token, which
     * htmx sends on every request ({@code hx-headers} on the body, also in a meta tag); {@code login}: whether
     * logging in is possible (authentication is configured).
     */
    public record Viewer(String user, String csrf, boolean login) {
        public static final Viewer ANONYMOUS = new Viewer(null, null, false);

        boolean authenticated() {
            return user != null;
        }
    }

    static void head(StringBuilder b, String title, boolean chart, Viewer viewer) {
        b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                // no inline styles or eval from htmx, so that the strict CSP holds
                .append("<meta name=\"htmx-config\" content=\"{&quot;includeIndicatorStyles&quot;:false,&quot;allowEval&quot;:false,&quot;allowScriptTags&quot;:false}\">");
        if (viewer.csrf() != null) {
            b.append("<meta name=\"csrf-token\" content=\"").append(Html.esc(viewer.csrf())).append("\">");
        }
        b.append("<title>").append(Html.esc(title)).append("</title>")
                .append("<link rel=\"icon\" href=\"/console/favicon.svg\" type=\"image/svg+xml\">")
                .append("<link rel=\"stylesheet\" href=\"/console/console.css\">");
        if (chart) {
            b.append("<link rel=\"stylesheet\" href=\"").append(UPLOT_CSS).append("\">")
                    .append("<script src=\"").append(UPLOT_JS).append("\"></script>");
        }
        b.append("<script src=\"").append(HTMX).append("\"></script>")
                .append("<script src=\"").append(HTMX_SSE).append("\"></script>")
                .append("<script src=\"/console/console.js\"></script>")
                .append("</head><body hx-ext=\"sse\"");
        if (viewer.csrf() != null) {
            // JSON, not script: htmx parses it without eval, so the CSP holds
            b.append(" hx-headers=\"").append(Html.esc("{\"X-CSRF-Token\":\"" + viewer.csrf() + "\"}")).append('"');
        }
        b.append("><header><a class=\"brand\" href=\"/\">Kapacity</a>");
        if (viewer.authenticated()) {
            b.append("<span class=\"user\">signed in as <strong>").append(Html.esc(viewer.user())).append("</strong></span>")
                    .append("<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"_csrf\" value=\"")
                    .append(Html.esc(viewer.csrf())).append("\"><button type=\"submit\">Log out</button></form>");
        } else {
            b.append("<span class=\"readonly\">read-only console</span>");
            if (viewer.login()) {
                b.append("<a class=\"login\" href=\"/login\">Log in to edit</a>");
            }
        }
        b.append("</header>\n");
    }

    public String overviewPage(String namespace) {
        return overviewPage(namespace, Viewer.ANONYMOUS);
    }

    public String overviewPage(String namespace, Viewer viewer) {
        long since = hub.lastId();
        StringBuilder b = new StringBuilder(8192);
        head(b, "Kapacity: IHPAs", false, viewer);
        String ns = namespace == null ? "" : namespace;
        b.append("<main sse-connect=\"/sse/overview?ns=").append(Html.esc(Html.segment(ns))).append("&amp;since=").append(since).append("\">");
        b.append("<h1>IntelligentHorizontalPodAutoscalers</h1>");
        if (viewer.authenticated()) {
            b.append("<p class=\"actions\"><a class=\"button\" id=\"new-ihpa\" href=\"/new").append(ns.isEmpty() ? "" : "?ns=" + Html.esc(Html.segment(ns)))
                    .append("\">New IHPA</a></p>");
        }
        b.append("<form class=\"filter\" method=\"get\" action=\"/\"><label>Namespace <select name=\"ns\">")
                .append("<option value=\"\">all</option>");
        Html.options(b, model.namespaces(), ns);
        b.append("</select></label> <button type=\"submit\">Filter</button></form>");
        b.append("<div id=\"ihpa-table\" class=\"scroll\" sse-swap=\"table\" hx-swap=\"innerHTML\">");
        overviewTable(b, ns);
        b.append("</div>");
        b.append("<h2>Recent events</h2><ul id=\"log\" class=\"log\" sse-swap=\"log\" hx-swap=\"afterbegin\">");
        // what happened before the page opened (up to the stream's starting point: later ones arrive over SSE)
        for (ConsoleHub.Item item : hub.recentEvents(since, i -> ns.isEmpty() || ns.equals(i.key().namespace()), RECENT_EVENTS)) {
            b.append(logItem(item.key(), item.event()));
        }
        b.append("</ul>");
        b.append("</main></body></html>\n");
        return b.toString();
    }

    public String overviewTable(String namespace) {
        return Html.rendered(b -> overviewTable(b, namespace));
    }

    private void overviewTable(StringBuilder b, String namespace) {
        List<ObjectKey> keys = model.keys(namespace);
        b.append("<table class=\"ihpas\"><thead><tr><th>Namespace</th><th>Name</th><th>Target</th><th>Min / max</th>")
                .append("<th>Winning portrait</th><th>ReplicaProfile online / cutoff / standby</th><th>Gray</th>")
                .append("<th>Conditions</th><th>Last event</th></tr></thead>");
        if (keys.isEmpty()) {
            b.append("<tbody><tr><td colspan=\"9\" class=\"empty\">No IHPA")
                    .append(namespace == null || namespace.isEmpty() ? "" : " in namespace " + Html.esc(namespace))
                    .append(".</td></tr></tbody>");
        }
        for (ObjectKey k : keys) {
            String t = rowToken(k);
            b.append("<tbody id=\"").append(t).append("\" sse-swap=\"").append(t).append("\" hx-swap=\"innerHTML\">");
            row(b, k);
            b.append("</tbody>");
        }
        b.append("</table>");
    }

    static String rowToken(ObjectKey k) {
        return "row-" + Html.token(k.namespace()) + "--" + Html.token(k.name());
    }

    public String row(ObjectKey k) {
        return Html.rendered(b -> row(b, k));
    }

    private void row(StringBuilder b, ObjectKey k) {
        b.append("<tr><td data-label=\"Namespace\">").append(Html.esc(k.namespace())).append("</td><td data-label=\"Name\"><a href=\"/ihpa/")
                .append(Html.esc(Html.segment(k.namespace()))).append('/').append(Html.esc(Html.segment(k.name()))).append("\">")
                .append(Html.esc(k.name())).append("</a>");
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = model.ihpa(k);
        } catch (KubeObjects.InvalidObjectException e) {
            b.append("</td><td colspan=\"7\" class=\"bad\">cannot read this object: ").append(Html.esc(e.getMessage())).append("</td>");
            lastEventCell(b, k);
            b.append("</tr>");
            return;
        }
        if (ihpa == null) {
            b.append("</td><td colspan=\"8\" class=\"empty\">deleted</td></tr>");
            return;
        }
        IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec();
        IntelligentHorizontalPodAutoscalerStatus st = ihpa.getStatus();
        labels(b, ihpa.getMetadata().getLabels());
        b.append("</td><td data-label=\"Target\">").append(spec == null || spec.scaleTargetRef == null ? "" : Html.esc(spec.scaleTargetRef.kind + "/" + spec.scaleTargetRef.name))
                .append("</td><td data-label=\"Min / max\">").append(spec == null ? "" : Html.esc(spec.minReplicas) + " / " + Html.esc(spec.maxReplicas));
        if (spec != null && spec.isPaused()) {
            b.append(" <span class=\"badge warn\">paused</span>");
        }
        if (spec != null && spec.effectiveScaleMode() == IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview) {
            b.append(" <span class=\"badge warn\">preview</span>");
        }
        b.append("</td><td class=\"portrait\" data-label=\"Winning portrait\">");
        portraitValue(b, st == null ? null : st.currentPortraitValue);
        b.append("</td><td data-label=\"Online / cutoff / standby\">");
        profileNumbers(b, model.profile(k));
        b.append("</td><td data-label=\"Gray\">");
        gray(b, st);
        b.append("</td><td data-label=\"Conditions\">");
        conditions(b, st == null ? null : st.conditions);
        b.append("</td>");
        lastEventCell(b, k);
        b.append("</tr>");
    }

    private static void labels(StringBuilder b, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return;
        }
        b.append("<div class=\"labels\">");
        labels.forEach((key, value) -> b.append("<span class=\"label\">").append(Html.esc(key)).append('=').append(Html.esc(value)).append("</span> "));
        b.append("</div>");
    }

    private void lastEventCell(StringBuilder b, ObjectKey k) {
        RecordedEvent e = hub.lastEvent(k);
        b.append("<td class=\"last-event\" data-label=\"Last event\">");
        if (e != null) {
            b.append("<span class=\"badge ").append("Warning".equals(e.type()) ? "bad" : "ok").append("\">").append(Html.esc(e.reason()))
                    .append("</span> <time>").append(Html.time(e.time())).append("</time><div class=\"msg\">").append(Html.esc(e.message())).append("</div>");
        }
        b.append("</td>");
    }

    static void portraitValue(StringBuilder b, HorizontalPortraitValue v) {
        if (v == null) {
            b.append("<span class=\"muted\">none</span>");
            return;
        }
        b.append("<strong class=\"replicas\">").append(Html.esc(v.replicas)).append("</strong> from ").append(Html.esc(v.provider));
        if (v.expireTime != null) {
            b.append("<div class=\"muted\">expires <time>").append(Html.esc(v.expireTime)).append("</time></div>");
        }
    }

    private static void profileNumbers(StringBuilder b, ReplicaProfile rp) {
        if (rp == null || rp.getSpec() == null) {
            b.append("<span class=\"muted\">no ReplicaProfile</span>");
            return;
        }
        b.append("<span class=\"rp-spec\">").append(rp.getSpec().online()).append(" / ").append(rp.getSpec().cutoff())
                .append(" / ").append(rp.getSpec().standby()).append("</span>");
        if (rp.getSpec().isPaused()) {
            b.append(" <span class=\"badge warn\">paused</span>");
        }
        if (rp.getStatus() != null) {
            b.append("<div class=\"muted\">status <span class=\"rp-status\">").append(num(rp.getStatus().onlineReplicas)).append(" / ")
                    .append(num(rp.getStatus().cutoffReplicas)).append(" / ").append(num(rp.getStatus().standbyReplicas)).append("</span></div>");
        }
    }

    private static String num(Integer n) {
        return n == null ? "-" : Integer.toString(n);
    }

    private static void gray(StringBuilder b, IntelligentHorizontalPodAutoscalerStatus st) {
        if (st == null || st.gray == null || st.gray.grayPercent == null) {
            b.append("<span class=\"muted\">none</span>");
            return;
        }
        b.append("<progress max=\"100\" value=\"").append(st.gray.grayPercent).append("\"></progress> ")
                .append(st.gray.grayPercent).append("%<div class=\"muted\">since <time>").append(Html.esc(st.gray.lastUpdateTime)).append("</time></div>");
    }

    static void conditions(StringBuilder b, List<Condition> conditions) {
        if (conditions == null) {
            return;
        }
        for (Condition c : conditions) {
            boolean positive = "True".equals(c.getStatus());
            // ScalingLimited and GrayProgressing being True is noteworthy, not bad.
            String cls = "ScalingActive".equals(c.getType()) ? (positive ? "ok" : "bad") : (positive ? "warn" : "ok");
            b.append("<span class=\"badge ").append(cls).append("\" title=\"").append(Html.esc(c.getMessage())).append("\">")
                    .append(Html.esc(c.getType())).append('=').append(Html.esc(c.getStatus())).append(": ").append(Html.esc(c.getReason()))
                    .append("</span> ");
        }
    }

    boolean exists(ObjectKey key) {
        return model.exists(key);
    }

    /** The IHPA page, or null when there is no such IHPA; {@code past}: events the API holds (from before this process). */
    public String ihpaPage(ObjectKey key, List<RecordedEvent> past) {
        return ihpaPage(key, past, Viewer.ANONYMOUS);
    }

    public String ihpaPage(ObjectKey key, List<RecordedEvent> past, Viewer viewer) {
        if (!model.exists(key)) {
            return null;
        }
        List<RecordedEvent> events = PastEvents.merge(hub.events(key), past == null ? List.of() : past);
        long since = hub.lastId();
        StringBuilder b = new StringBuilder(16384);
        head(b, "Kapacity: " + key.namespace() + "/" + key.name(), true, viewer);
        b.append("<main sse-connect=\"/sse/ihpa/").append(Html.esc(Html.segment(key.namespace()))).append('/')
                .append(Html.esc(Html.segment(key.name()))).append("?since=").append(since).append("\">");
        b.append("<p class=\"crumbs\"><a href=\"/?ns=").append(Html.esc(Html.segment(key.namespace()))).append("\">")
                .append(Html.esc(key.namespace())).append("</a> /</p><h1>").append(Html.esc(key.name())).append("</h1>");
        b.append("<p class=\"actions\"><a class=\"button\" id=\"what-if\" href=\"/ihpa/").append(Html.esc(Html.segment(key.namespace())))
                .append('/').append(Html.esc(Html.segment(key.name()))).append("/whatif\">What if</a></p>");
        if (viewer.authenticated()) {
            String path = "/ihpa/" + Html.esc(Html.segment(key.namespace())) + "/" + Html.esc(Html.segment(key.name()));
            b.append("<p class=\"actions\"><a class=\"button\" id=\"edit-ihpa\" href=\"").append(path).append("/edit\">Edit</a> ")
                    .append("<a class=\"button danger\" id=\"delete-ihpa\" href=\"").append(path).append("/delete\">Delete</a></p>");
        }
        b.append("<div id=\"summary\" sse-swap=\"summary\" hx-swap=\"innerHTML\">");
        summary(b, key);
        b.append("</div>");
        b.append("<section><h2>ReplicaProfile history</h2><div class=\"scroll\"><table class=\"history\"><thead><tr><th>Time</th><th>Change</th>")
                .append("<th>Online</th><th>Cutoff</th><th>Standby</th></tr></thead><tbody id=\"history\" sse-swap=\"history\" hx-swap=\"afterbegin\">");
        for (RecordedEvent e : events) {
            historyRow(b, e);
        }
        b.append("</tbody></table></div></section>");
        b.append("<section><h2>Events</h2><div class=\"scroll\"><table class=\"events\"><thead><tr><th>Time</th><th>Object</th><th>Type</th><th>Reason</th><th>Message</th></tr></thead>")
                .append("<tbody id=\"events\" sse-swap=\"event\" hx-swap=\"afterbegin\">");
        for (RecordedEvent e : events) {
            eventRow(b, e);
        }
        b.append("</tbody></table></div></section></main></body></html>\n");
        return b.toString();
    }

    public String summary(ObjectKey key) {
        return Html.rendered(b -> summary(b, key));
    }

    private void summary(StringBuilder b, ObjectKey key) {
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = model.ihpa(key);
        } catch (KubeObjects.InvalidObjectException e) {
            b.append("<p class=\"bad\">The model cannot read this object: ").append(Html.esc(e.getMessage())).append("</p>");
            return;
        }
        if (ihpa == null) {
            b.append("<p class=\"bad\">This IHPA has been deleted.</p>");
            return;
        }
        Instant now = model.now();
        IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec() == null ? new IntelligentHorizontalPodAutoscalerSpec() : ihpa.getSpec();
        IntelligentHorizontalPodAutoscalerStatus st = ihpa.getStatus();
        b.append("<section class=\"facts\"><dl>");
        b.append("<dt>Target</dt><dd>").append(spec.scaleTargetRef == null ? "" : Html.esc(spec.scaleTargetRef.toString())).append("</dd>");
        b.append("<dt>Min / max</dt><dd>").append(Html.esc(spec.minReplicas)).append(" / ").append(Html.esc(spec.maxReplicas)).append("</dd>");
        b.append("<dt>Mode</dt><dd>").append(Html.esc(spec.effectiveScaleMode())).append(spec.isPaused() ? " (paused)" : "").append("</dd>");
        b.append("<dt>Labels</dt><dd>");
        labels(b, ihpa.getMetadata().getLabels());
        b.append("</dd><dt>Winning portrait (status)</dt><dd class=\"portrait\">");
        portraitValue(b, st == null ? null : st.currentPortraitValue);
        b.append("</dd><dt>Previous portrait</dt><dd>");
        portraitValue(b, st == null ? null : st.previousPortraitValue);
        b.append("</dd><dt>ReplicaProfile online / cutoff / standby</dt><dd>");
        profileNumbers(b, model.profile(key));
        b.append("</dd><dt>Gray</dt><dd>");
        gray(b, st);
        grayStrategy(b, "scale-up", spec.behavior == null ? null : spec.behavior.scaleUp);
        grayStrategy(b, "scale-down", spec.behavior == null ? null : spec.behavior.scaleDown);
        b.append("</dd><dt>Conditions</dt><dd>");
        conditions(b, st == null ? null : st.conditions);
        b.append("</dd><dt>Clock</dt><dd><time>").append(Html.time(now)).append("</time></dd></dl></section>");
        sections.providers(b, ihpa, now);
        sections.horizontalPortraits(b, ihpa, now);
        sections.crons(b, spec, now);
        chart(b, key);
    }

    private static void grayStrategy(StringBuilder b, String direction, ScalingBehavior s) {
        if (s == null) {
            return;
        }
        if (s.isDisabled()) {
            b.append("<div class=\"muted\">").append(direction).append(" disabled</div>");
            return;
        }
        GrayStrategy g = s.grayStrategy;
        if (g != null) {
            b.append("<div class=\"muted\">").append(direction).append(" gray: pods go ").append(Html.esc(g.grayState))
                    .append(", ").append(Html.esc(g.changePercent)).append("% every ").append(Html.esc(g.changeIntervalSeconds))
                    .append(" s, then ").append(g.observationSeconds == null ? 0 : g.observationSeconds).append(" s observation</div>");
        }
    }

    private void chart(StringBuilder b, ObjectKey key) {
        List<ConsoleHub.Point> points = hub.timeline(key);
        StringBuilder json = new StringBuilder("{\"t\":[");
        StringBuilder d = new StringBuilder();
        StringBuilder o = new StringBuilder();
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < points.size(); i++) {
            ConsoleHub.Point p = points.get(i);
            String sep = i == 0 ? "" : ",";
            json.append(sep).append(p.time().toEpochMilli() / 1000.0);
            d.append(sep).append(p.desired() == null ? "null" : p.desired());
            o.append(sep).append(p.online() == null ? "null" : p.online());
            c.append(sep).append(p.currentOnline() == null ? "null" : p.currentOnline());
        }
        json.append("],\"desired\":[").append(d).append("],\"online\":[").append(o).append("],\"current\":[").append(c)
                .append("],\"now\":").append(model.now().toEpochMilli() / 1000.0).append('}');
        b.append("<section><h2>Desired vs online replicas</h2><div class=\"chart\" data-chart=\"").append(Html.esc(json))
                .append("\"></div><p class=\"muted\">").append(points.size())
                .append(" samples since the console started (desired: winning portrait; online: ReplicaProfile spec and status).</p></section>");
    }

    public static String historyRow(RecordedEvent e) {
        return Html.rendered(b -> historyRow(b, e));
    }

    static boolean isHistory(RecordedEvent e) {
        return "UpdateReplicaProfile".equals(e.reason()) || "CreateReplicaProfile".equals(e.reason());
    }

    private static void historyRow(StringBuilder b, RecordedEvent e) {
        if (!isHistory(e)) {
            return;
        }
        String[] cells = {"-", "-", "-"};
        String message = e.message() == null ? "" : e.message();
        Matcher m = ARROW.matcher(message);
        int i = 0;
        while (i < 3 && m.find()) {
            cells[i++] = m.group(1) + " \u2192 " + m.group(2);
        }
        if (i == 0) {
            Matcher c = CREATED.matcher(message);
            if (c.find()) {
                cells = new String[]{"\u2192 " + c.group(1), "\u2192 " + c.group(2), "\u2192 " + c.group(3)};
            }
        }
        b.append("<tr><td><time>").append(Html.time(e.time())).append("</time></td><td>").append("CreateReplicaProfile".equals(e.reason()) ? "created" : "updated")
                .append("</td><td>").append(Html.esc(cells[0])).append("</td><td>").append(Html.esc(cells[1])).append("</td><td>")
                .append(Html.esc(cells[2])).append("</td></tr>");
    }

    public static String eventRow(RecordedEvent e) {
        return Html.rendered(b -> eventRow(b, e));
    }

    private static void eventRow(StringBuilder b, RecordedEvent e) {
        b.append("<tr class=\"").append("Warning".equals(e.type()) ? "warning" : "normal").append("\"><td><time>").append(Html.time(e.time()))
                .append("</time></td><td>").append(Html.esc(e.kind())).append("</td><td>").append(Html.esc(e.type())).append("</td><td>")
                .append(Html.esc(e.reason())).append("</td><td>").append(Html.esc(e.message())).append("</td></tr>");
    }

    public static String logItem(RecordedEvent e) {
        return logItem(new ObjectKey(e.namespace(), e.name()), e);
    }

    /** A log line of an event about the IHPA {@code ihpa} or one of its objects (the link goes to the IHPA's page). */
    public static String logItem(ObjectKey ihpa, RecordedEvent e) {
        String object = ihpa.name().equals(e.name()) ? "" : " " + Html.esc(e.name());
        return "<li class=\"" + ("Warning".equals(e.type()) ? "warning" : "normal") + "\"><time>" + Html.time(e.time()) + "</time> <a href=\"/ihpa/"
                + Html.esc(Html.segment(ihpa.namespace())) + "/" + Html.esc(Html.segment(ihpa.name())) + "\">" + Html.esc(ihpa.namespace()) + "/" + Html.esc(ihpa.name())
                + "</a> " + Html.esc(e.kind()) + object + " <strong>" + Html.esc(e.reason()) + "</strong> " + Html.esc(e.message()) + "</li>";
    }
}
