package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.ProviderOutcome;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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

    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final ResourceCache<GenericKubernetesResource> profiles;
    private final ResourceCache<GenericKubernetesResource> portraits;
    private final KubernetesSerialization serialization;
    private final ConsoleHub hub;
    private final Supplier<Instant> clock;
    private final PortraitSelector selector;
    private final CronPortraitEvaluator cron = new CronPortraitEvaluator();

    public ConsoleView(ResourceCache<GenericKubernetesResource> ihpas, ResourceCache<GenericKubernetesResource> profiles,
                       KubernetesSerialization serialization, ConsoleHub hub, Supplier<Instant> clock) {
        this(ihpas, profiles, null, serialization, hub, clock);
    }

    /** @param portraits the HorizontalPortraits of Dynamic providers (null: not shown) */
    public ConsoleView(ResourceCache<GenericKubernetesResource> ihpas, ResourceCache<GenericKubernetesResource> profiles,
                       ResourceCache<GenericKubernetesResource> portraits, KubernetesSerialization serialization, ConsoleHub hub,
                       Supplier<Instant> clock) {
        this.ihpas = ihpas;
        this.profiles = profiles;
        this.portraits = portraits;
        this.serialization = serialization;
        this.hub = hub;
        this.clock = clock;
        Map<PortraitProvider.Type, PortraitProviderEvaluator> evaluators = new EnumMap<>(PortraitProvider.Type.class);
        evaluators.put(PortraitProvider.Type.Static, new StaticPortraitEvaluator());
        evaluators.put(PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator(cron));
        evaluators.put(PortraitProvider.Type.Dynamic, dynamicEvaluator(portraits, serialization));
        this.selector = new PortraitSelector(evaluators);
    }

    /**
     * A Dynamic provider's value: with the HorizontalPortraits at hand, the controller's own reading of the provider's
     * portrait (so a Dynamic provider that loses to another still shows what it recommends); without, the value the
     * controller last stored in the IHPA's status when a Dynamic provider won.
     */
    static PortraitProviderEvaluator dynamicEvaluator(ResourceCache<GenericKubernetesResource> portraits,
                                                      KubernetesSerialization serialization) {
        return portraits == null ? ConsoleView::dynamicFromStatus
                : new DynamicPortraitProviderEvaluator(portraits, serialization);
    }

    /** The value the controller last stored in the status, when that value came from a Dynamic provider. */
    static ProviderOutcome dynamicFromStatus(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider p, Instant now) {
        IntelligentHorizontalPodAutoscalerStatus st = ihpa.getStatus();
        HorizontalPortraitValue v = st == null ? null : st.currentPortraitValue;
        if (v != null && v.provider != null && v.provider.startsWith("Dynamic")) {
            return ProviderOutcome.value(v, null);
        }
        return ProviderOutcome.none(null);
    }

    // ---------------------------------------------------------------- model access

    /** The IHPA converted to the model, or null when absent; a value the model cannot read throws InvalidObjectException. */
    IntelligentHorizontalPodAutoscaler ihpa(ObjectKey key) {
        GenericKubernetesResource raw = ihpas.get(key);
        return raw == null ? null : KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
    }

    ReplicaProfile profile(ObjectKey key) {
        GenericKubernetesResource raw = profiles.get(key);
        if (raw == null) {
            return null;
        }
        try {
            return KubeObjects.convert(serialization, raw, ReplicaProfile.class);
        } catch (KubeObjects.InvalidObjectException e) {
            return null;
        }
    }

    List<ObjectKey> keys(String namespace) {
        List<GenericKubernetesResource> raw = namespace == null || namespace.isEmpty() ? ihpas.list() : ihpas.list(namespace);
        List<ObjectKey> keys = new ArrayList<>();
        for (GenericKubernetesResource r : raw) {
            keys.add(ObjectKey.of(r));
        }
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    List<String> namespaces() {
        return ihpas.list().stream().map(r -> r.getMetadata().getNamespace()).distinct().sorted().toList();
    }

    /** The chart's sample of one IHPA now: winning portrait replicas, profile online (spec, status). */
    ConsoleHub.Point sample(ObjectKey key, Instant now) {
        try {
            IntelligentHorizontalPodAutoscaler ihpa = ihpa(key);
            if (ihpa == null) {
                return null;
            }
            HorizontalPortraitValue v = ihpa.getStatus() == null ? null : ihpa.getStatus().currentPortraitValue;
            ReplicaProfile rp = profile(key);
            return new ConsoleHub.Point(now, v == null ? null : v.replicas,
                    rp == null || rp.getSpec() == null ? null : rp.getSpec().online(),
                    rp == null || rp.getStatus() == null ? null : rp.getStatus().onlineReplicas);
        } catch (RuntimeException e) {
            return null;
        }
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
        List<String> all = new ArrayList<>(namespaces());
        if (!ns.isEmpty() && !all.contains(ns)) {
            all.add(ns);
        }
        for (String n : all) {
            b.append("<option value=\"").append(Html.esc(n)).append('"').append(n.equals(ns) ? " selected" : "").append('>')
                    .append(Html.esc(n)).append("</option>");
        }
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
        StringBuilder b = new StringBuilder(4096);
        overviewTable(b, namespace);
        return b.toString();
    }

    private void overviewTable(StringBuilder b, String namespace) {
        List<ObjectKey> keys = keys(namespace);
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
        StringBuilder b = new StringBuilder(1024);
        row(b, k);
        return b.toString();
    }

    private void row(StringBuilder b, ObjectKey k) {
        b.append("<tr><td data-label=\"Namespace\">").append(Html.esc(k.namespace())).append("</td><td data-label=\"Name\"><a href=\"/ihpa/")
                .append(Html.esc(Html.segment(k.namespace()))).append('/').append(Html.esc(Html.segment(k.name()))).append("\">")
                .append(Html.esc(k.name())).append("</a>");
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = ihpa(k);
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
        profileNumbers(b, profile(k));
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
            b.append("<span class=\"badge ").append("Warning".equals(e.type) ? "bad" : "ok").append("\">").append(Html.esc(e.reason))
                    .append("</span> <time>").append(Html.time(e.time)).append("</time><div class=\"msg\">").append(Html.esc(e.message)).append("</div>");
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
        return ihpas.get(key) != null;
    }

    /** The IHPA page, or null when there is no such IHPA; {@code past}: events the API holds (from before this process). */
    public String ihpaPage(ObjectKey key, List<RecordedEvent> past) {
        return ihpaPage(key, past, Viewer.ANONYMOUS);
    }

    public String ihpaPage(ObjectKey key, List<RecordedEvent> past, Viewer viewer) {
        if (ihpas.get(key) == null) {
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
        StringBuilder b = new StringBuilder(8192);
        summary(b, key);
        return b.toString();
    }

    private void summary(StringBuilder b, ObjectKey key) {
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = ihpa(key);
        } catch (KubeObjects.InvalidObjectException e) {
            b.append("<p class=\"bad\">The model cannot read this object: ").append(Html.esc(e.getMessage())).append("</p>");
            return;
        }
        if (ihpa == null) {
            b.append("<p class=\"bad\">This IHPA has been deleted.</p>");
            return;
        }
        Instant now = clock.get();
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
        profileNumbers(b, profile(key));
        b.append("</dd><dt>Gray</dt><dd>");
        gray(b, st);
        grayStrategy(b, "scale-up", spec.behavior == null ? null : spec.behavior.scaleUp);
        grayStrategy(b, "scale-down", spec.behavior == null ? null : spec.behavior.scaleDown);
        b.append("</dd><dt>Conditions</dt><dd>");
        conditions(b, st == null ? null : st.conditions);
        b.append("</dd><dt>Clock</dt><dd><time>").append(Html.time(now)).append("</time></dd></dl></section>");
        providers(b, ihpa, now);
        horizontalPortraits(b, ihpa);
        crons(b, spec, now);
        chart(b, key);
    }

    // ---------------------------------------------------------------- HorizontalPortraits of Dynamic providers

    static final int MAX_SERIES_ROWS = 48;

    /** For each Dynamic provider, its HorizontalPortrait ({@code <ihpa>-<portraitType>}): spec, data, conditions. */
    private void horizontalPortraits(StringBuilder b, IntelligentHorizontalPodAutoscaler ihpa) {
        List<PortraitProvider> providers = ihpa.getSpec() == null || ihpa.getSpec().portraitProviders == null
                ? List.of() : ihpa.getSpec().portraitProviders;
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            if (p.type != PortraitProvider.Type.Dynamic) {
                continue;
            }
            String type = p.dynamic == null ? null : p.dynamic.portraitType;
            b.append("<section class=\"hp\"><h2>Dynamic provider #").append(i + 1).append(": ").append(Html.esc(type == null ? "?" : type))
                    .append(" portrait</h2>");
            if (type == null || type.isEmpty()) {
                b.append("<p class=\"bad\">This provider has no dynamic.portraitType.</p></section>");
                continue;
            }
            String name = DynamicPortraitProviderEvaluator.portraitName(ihpa, type);
            b.append("<dl class=\"hp-spec\"><dt>HorizontalPortrait</dt><dd><code>").append(Html.esc(name)).append("</code></dd>");
            portraitSpec(b, p.dynamic);
            GenericKubernetesResource raw = portraits == null ? null : portraits.get(new ObjectKey(ihpa.getMetadata().getNamespace(), name));
            if (raw == null) {
                b.append("</dl><p class=\"muted\">Not created yet (the controller creates it from the provider).</p></section>");
                continue;
            }
            HorizontalPortrait hp;
            try {
                hp = KubeObjects.convert(serialization, raw, HorizontalPortrait.class);
            } catch (KubeObjects.InvalidObjectException e) {
                b.append("</dl><p class=\"bad\">The model cannot read this HorizontalPortrait: ").append(Html.esc(e.getMessage())).append("</p></section>");
                continue;
            }
            HorizontalPortraitStatus st = hp.getStatus();
            b.append("</dl>");
            if (st != null && st.currentMetrics != null && !st.currentMetrics.isEmpty()) {
                // The reactive metric against its target, as the last generation saw it.
                b.append("<table class=\"hp-metrics\"><thead><tr><th>Metric</th><th>Current</th><th>Target</th></tr></thead><tbody>");
                for (HorizontalPortraitStatus.CurrentMetric m : st.currentMetrics) {
                    b.append("<tr><td>").append(Html.esc(m.metric)).append("</td><td class=\"current-metric\">")
                            .append(Html.esc(m.current)).append("</td><td>").append(Html.esc(m.target)).append("</td></tr>");
                }
                b.append("</tbody></table>");
            }
            portraitData(b, st == null ? null : st.portraitData);
            if (st != null && st.conditions != null && !st.conditions.isEmpty()) {
                b.append("<table class=\"hp-conditions\"><thead><tr><th>Condition</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead><tbody>");
                for (Condition c : st.conditions) {
                    boolean positive = "True".equals(c.getStatus());
                    String cls = "ScalingLimited".equals(c.getType()) ? (positive ? "warn" : "ok") : (positive ? "ok" : "bad");
                    b.append("<tr><td>").append(Html.esc(c.getType())).append("</td><td><span class=\"badge ").append(cls).append("\">")
                            .append(Html.esc(c.getStatus())).append("</span></td><td>").append(Html.esc(c.getReason())).append("</td><td>")
                            .append(Html.esc(c.getMessage())).append("</td><td><time>").append(Html.esc(c.getLastTransitionTime())).append("</time></td></tr>");
                }
                b.append("</tbody></table>");
            } else {
                b.append("<p class=\"muted\">No conditions yet.</p>");
            }
            b.append("</section>");
        }
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
        io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget target;
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

    private void providers(StringBuilder b, IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
        List<PortraitProvider> providers = ihpa.getSpec() == null || ihpa.getSpec().portraitProviders == null
                ? List.of() : ihpa.getSpec().portraitProviders;
        PortraitSelector.Selection sel;
        try {
            sel = selector.select(ihpa, now);
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

    private void crons(StringBuilder b, IntelligentHorizontalPodAutoscalerSpec spec, Instant now) {
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
            String active = null;
            try {
                CronPortraitEvaluator.Evaluation ev = new CronPortraitProviderEvaluator(cron).evaluateRules(p.cron.crons, now);
                if (ev instanceof CronPortraitEvaluator.Active a) {
                    active = a.name();
                }
            } catch (RuntimeException e) {
                active = null;
            }
            for (ReplicaCron r : p.cron.crons) {
                boolean on = r.name != null && r.name.equals(active);
                b.append("<tr").append(on ? " class=\"winner\"" : "").append("><td>#").append(i + 1).append("</td><td>").append(Html.esc(r.name))
                        .append("</td><td>").append(Html.esc(r.timeZone == null || r.timeZone.isEmpty() ? "UTC" : r.timeZone))
                        .append("</td><td><code>").append(Html.esc(r.start)).append("</code></td><td><code>").append(Html.esc(r.end))
                        .append("</code></td><td>").append(Html.esc(r.replicas)).append("</td>");
                try {
                    ZoneId zone = r.timeZone == null || r.timeZone.isEmpty() ? ZoneOffset.UTC : ZoneId.of(r.timeZone);
                    b.append("<td><time>").append(Html.esc(cron.schedule(r.start, zone).next(now))).append("</time></td><td><time>")
                            .append(Html.esc(cron.schedule(r.end, zone).next(now))).append("</time></td>");
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
                .append("],\"now\":").append(clock.get().toEpochMilli() / 1000.0).append('}');
        b.append("<section><h2>Desired vs online replicas</h2><div class=\"chart\" data-chart=\"").append(Html.esc(json))
                .append("\"></div><p class=\"muted\">").append(points.size())
                .append(" samples since the console started (desired: winning portrait; online: ReplicaProfile spec and status).</p></section>");
    }

    public static String historyRow(RecordedEvent e) {
        StringBuilder b = new StringBuilder();
        historyRow(b, e);
        return b.toString();
    }

    static boolean isHistory(RecordedEvent e) {
        return "UpdateReplicaProfile".equals(e.reason) || "CreateReplicaProfile".equals(e.reason);
    }

    private static void historyRow(StringBuilder b, RecordedEvent e) {
        if (!isHistory(e)) {
            return;
        }
        String[] cells = {"-", "-", "-"};
        String message = e.message == null ? "" : e.message;
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
        b.append("<tr><td><time>").append(Html.time(e.time)).append("</time></td><td>").append("CreateReplicaProfile".equals(e.reason) ? "created" : "updated")
                .append("</td><td>").append(Html.esc(cells[0])).append("</td><td>").append(Html.esc(cells[1])).append("</td><td>")
                .append(Html.esc(cells[2])).append("</td></tr>");
    }

    public static String eventRow(RecordedEvent e) {
        StringBuilder b = new StringBuilder();
        eventRow(b, e);
        return b.toString();
    }

    private static void eventRow(StringBuilder b, RecordedEvent e) {
        b.append("<tr class=\"").append("Warning".equals(e.type) ? "warning" : "normal").append("\"><td><time>").append(Html.time(e.time))
                .append("</time></td><td>").append(Html.esc(e.kind)).append("</td><td>").append(Html.esc(e.type)).append("</td><td>")
                .append(Html.esc(e.reason)).append("</td><td>").append(Html.esc(e.message)).append("</td></tr>");
    }

    public static String logItem(RecordedEvent e) {
        return logItem(new ObjectKey(e.namespace, e.name), e);
    }

    /** A log line of an event about the IHPA {@code ihpa} or one of its objects (the link goes to the IHPA's page). */
    public static String logItem(ObjectKey ihpa, RecordedEvent e) {
        String object = ihpa.name().equals(e.name) ? "" : " " + Html.esc(e.name);
        return "<li class=\"" + ("Warning".equals(e.type) ? "warning" : "normal") + "\"><time>" + Html.time(e.time) + "</time> <a href=\"/ihpa/"
                + Html.esc(Html.segment(ihpa.namespace())) + "/" + Html.esc(Html.segment(ihpa.name())) + "\">" + Html.esc(ihpa.namespace()) + "/" + Html.esc(ihpa.name())
                + "</a> " + Html.esc(e.kind) + object + " <strong>" + Html.esc(e.reason) + "</strong> " + Html.esc(e.message) + "</li>";
    }
}
