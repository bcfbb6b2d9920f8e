package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTargetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSourceBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import io.kapacitystack.kapacity.portrait.cron.TimeZones;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The create/edit form of one IHPA: flat string fields (as posted), converted to and from the model. Errors are
 * keyed by field name, so that the page shows each next to its input. The form covers one Static, one Cron (any
 * number of rules) and one Dynamic Reactive KubeHPA provider on CPU utilization, and a gray strategy per direction;
 * an object using anything else is edited in the YAML view ({@link #unsupported}).
 */
public final class IhpaForm {

    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final List<String> KINDS = List.of("StatefulSet", "Deployment", "ReplicaSet");
    static final String[] GRAY = {"grayUp", "grayDown"};
    /** Empty cron rows rendered after the filled ones, for adding rules without script. */
    static final int SPARE_CRON_ROWS = 1;

    final Map<String, String> values = new LinkedHashMap<>();
    final Map<String, String> errors = new LinkedHashMap<>();

    String get(String field) {
        String v = values.get(field);
        return v == null ? "" : v;
    }

    IhpaForm set(String field, Object value) {
        if (value != null) {
            values.put(field, value.toString());
        }
        return this;
    }

    /** A form as posted: only known field names are read. */
    static IhpaForm fromParams(Function<String, String> param) {
        IhpaForm f = new IhpaForm();
        for (String name : List.of("namespace", "name", "resourceVersion", "targetApiVersion", "targetKind", "targetName",
                "minReplicas", "maxReplicas", "scaleMode", "staticPriority", "staticReplicas", "cronPriority",
                "reactivePriority", "cpuUtilization")) {
            f.set(name, trim(param.apply(name)));
        }
        for (String g : GRAY) {
            for (String x : List.of("state", "interval", "percent", "observation")) {
                f.set(g + "." + x, trim(param.apply(g + "." + x)));
            }
        }
        for (int i = 0; i < 50; i++) {
            boolean any = false;
            for (String x : List.of("name", "timeZone", "start", "end", "replicas")) {
                String v = trim(param.apply("cron." + i + "." + x));
                if (v != null) {
                    f.set("cron." + i + "." + x, v);
                    any |= !v.isEmpty();
                }
            }
            if (!any && param.apply("cron." + i + ".name") == null) {
                break;
            }
        }
        return f;
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    /** A new object's form: apps/v1 StatefulSet, min 1, max 10, one empty cron row. */
    static IhpaForm blank(String namespace) {
        return new IhpaForm().set("namespace", namespace).set("targetApiVersion", "apps/v1").set("targetKind", "StatefulSet")
                .set("minReplicas", 1).set("maxReplicas", 10).set("scaleMode", "Auto").set("staticPriority", 1)
                .set("cronPriority", 2).set("reactivePriority", 3);
    }

    /** Why the form cannot show {@code ihpa} without losing something, or null if it can. */
    static String unsupported(IntelligentHorizontalPodAutoscaler ihpa) {
        IntelligentHorizontalPodAutoscalerSpec s = ihpa.getSpec();
        if (s == null) {
            return null;
        }
        if (s.stabilityCheckers != null && !s.stabilityCheckers.isEmpty()) {
            return "stability checkers";
        }
        if (s.isPaused()) {
            return "paused";
        }
        if (s.behavior != null && s.behavior.replicaProfile != null) {
            return "ReplicaProfile behavior";
        }
        if (s.behavior != null) {
            for (ScalingBehavior b : new ScalingBehavior[]{s.behavior.scaleUp, s.behavior.scaleDown}) {
                if (b != null && b.isDisabled()) {
                    return "a disabled scaling direction";
                }
            }
        }
        Set<PortraitProvider.Type> seen = new HashSet<>();
        for (PortraitProvider p : s.portraitProviders == null ? List.<PortraitProvider>of() : s.portraitProviders) {
            if (p == null || p.type == null || !seen.add(p.type)) {
                return "more than one provider of a type";
            }
            if (p.type == PortraitProvider.Type.Dynamic && cpuTarget(p) == null) {
                return dynamicUnsupported(p);
            }
            if (p.type == PortraitProvider.Type.Cron && p.cron != null && p.cron.crons != null) {
                for (ReplicaCron r : p.cron.crons) {
                    if (r.description != null && !r.description.isEmpty()) {
                        return "cron rule descriptions";
                    }
                }
            }
        }
        return null;
    }

    /** What in a Dynamic provider keeps it out of the form, named so the user knows what the YAML holds. */
    static String dynamicUnsupported(PortraitProvider p) {
        PortraitSpec d = p.dynamic;
        if (d == null || !"Reactive".equals(d.portraitType)) {
            return "a Dynamic provider of portrait type " + (d == null ? "(none)" : d.portraitType) + " (the form has Reactive only)";
        }
        if (d.algorithm == null || !"KubeHPA".equals(d.algorithm.type)) {
            return "a Reactive provider with algorithm " + (d.algorithm == null ? "(none)" : d.algorithm.type)
                    + " (the form has KubeHPA only)";
        }
        if (d.algorithm.kubeHPA != null) {
            return "the KubeHPA algorithm's settings (algorithm.kubeHPA: sync period, tolerance, behavior...)";
        }
        if (d.algorithm.config != null) {
            return "the algorithm's config";
        }
        return "metrics other than one CPU utilization target";
    }

    static Integer cpuTarget(PortraitProvider p) {
        PortraitSpec d = p.dynamic;
        if (d == null || !"Reactive".equals(d.portraitType) || d.algorithm == null || !"KubeHPA".equals(d.algorithm.type)
                || d.algorithm.kubeHPA != null || d.algorithm.config != null || d.metrics == null || d.metrics.size() != 1) {
            return null;
        }
        MetricSpec m = d.metrics.get(0);
        if (!"Resource".equals(m.type) || m.resource == null || !"cpu".equals(m.resource.getName()) || m.name != null
                || m.operator != null || m.resource.getTarget() == null || !"Utilization".equals(m.resource.getTarget().getType())) {
            return null;
        }
        return m.resource.getTarget().getAverageUtilization();
    }

    /** The form of an existing object (call {@link #unsupported} first). */
    static IhpaForm of(IntelligentHorizontalPodAutoscaler ihpa) {
        IhpaForm f = new IhpaForm();
        f.set("namespace", ihpa.getMetadata().getNamespace()).set("name", ihpa.getMetadata().getName())
                .set("resourceVersion", ihpa.getMetadata().getResourceVersion());
        IntelligentHorizontalPodAutoscalerSpec s = ihpa.getSpec() == null ? new IntelligentHorizontalPodAutoscalerSpec() : ihpa.getSpec();
        if (s.scaleTargetRef != null) {
            f.set("targetApiVersion", s.scaleTargetRef.apiVersion).set("targetKind", s.scaleTargetRef.kind).set("targetName", s.scaleTargetRef.name);
        }
        f.set("minReplicas", s.minReplicas).set("maxReplicas", s.maxReplicas).set("scaleMode", s.effectiveScaleMode());
        for (PortraitProvider p : s.portraitProviders == null ? List.<PortraitProvider>of() : s.portraitProviders) {
            switch (p.type) {
                case Static -> f.set("staticPriority", p.priority).set("staticReplicas", p._static == null ? null : p._static.replicas);
                case Cron -> {
                    f.set("cronPriority", p.priority);
                    List<ReplicaCron> rules = p.cron == null || p.cron.crons == null ? List.of() : p.cron.crons;
                    for (int i = 0; i < rules.size(); i++) {
                        ReplicaCron r = rules.get(i);
                        f.set("cron." + i + ".name", r.name).set("cron." + i + ".timeZone", r.timeZone).set("cron." + i + ".start", r.start)
                                .set("cron." + i + ".end", r.end).set("cron." + i + ".replicas", r.replicas);
                    }
                }
                case Dynamic -> f.set("reactivePriority", p.priority).set("cpuUtilization", cpuTarget(p));
            }
        }
        if (s.behavior != null) {
            gray(f, "grayUp", s.behavior.scaleUp);
            gray(f, "grayDown", s.behavior.scaleDown);
        }
        return f;
    }

    private static void gray(IhpaForm f, String prefix, ScalingBehavior b) {
        if (b == null || b.grayStrategy == null) {
            return;
        }
        GrayStrategy g = b.grayStrategy;
        f.set(prefix + ".state", g.grayState).set(prefix + ".interval", g.changeIntervalSeconds).set(prefix + ".percent", g.changePercent)
                .set(prefix + ".observation", g.observationSeconds);
    }

    /** Number of cron rows posted or loaded. */
    int cronRows() {
        int n = 0;
        while (values.containsKey("cron." + n + ".name") || values.containsKey("cron." + n + ".start")) {
            n++;
        }
        return n;
    }

    /** Rows up to the last one with something in it: trailing empty rows are not shown again (one spare is added). */
    int filledCronRows() {
        int filled = 0;
        for (int i = 0; i < cronRows(); i++) {
            if (!cronRowEmpty(i)) {
                filled = i + 1;
            }
        }
        return filled;
    }

    private boolean cronRowEmpty(int i) {
        for (String x : List.of("name", "timeZone", "start", "end", "replicas")) {
            if (!get("cron." + i + "." + x).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private Integer integer(String field, int min, Integer max, boolean required) {
        String v = get(field);
        if (v.isEmpty()) {
            if (required) {
                errors.put(field, "required");
            }
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || (max != null && n > max)) {
                errors.put(field, max == null ? "must be at least " + min : "must be between " + min + " and " + max);
                return null;
            }
            return n;
        } catch (NumberFormatException e) {
            errors.put(field, "not a whole number");
            return null;
        }
    }

    /** Builds the object; every problem goes into {@link #errors} (the result is null when there are errors). */
    IntelligentHorizontalPodAutoscaler toIhpa() {
        errors.clear();
        String ns = get("namespace");
        String name = get("name");
        checkNames(ns, name);
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        readTarget(spec);
        spec.portraitProviders = new ArrayList<>();
        readStaticProvider(spec.portraitProviders);
        readCronProvider(spec.portraitProviders);
        readReactiveProvider(spec.portraitProviders);
        if (spec.portraitProviders.isEmpty()) {
            errors.put("providers", "at least one provider: static replicas, a cron rule or a CPU utilization target");
        }
        ScalingBehavior up = grayBehavior("grayUp", true);
        ScalingBehavior down = grayBehavior("grayDown", false);
        if (up != null || down != null) {
            spec.behavior = new IntelligentHorizontalPodAutoscalerBehavior();
            spec.behavior.scaleUp = up;
            spec.behavior.scaleDown = down;
        }
        if (errors.isEmpty()) {
            // whatever the controller would still reject (it reports it as InvalidSpec)
            for (String problem : IhpaPlanner.validate(spec)) {
                errors.merge("providers", problem, (x, y) -> x + "; " + y);
            }
        }
        if (!errors.isEmpty()) {
            return null;
        }
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name)
                .withResourceVersion(get("resourceVersion").isEmpty() ? null : get("resourceVersion")).build());
        ihpa.setSpec(spec);
        return ihpa;
    }

    private void checkNames(String ns, String name) {
        if (ns.isEmpty()) {
            errors.put("namespace", "required");
        } else if (ns.length() > 63 || !DNS_LABEL.matcher(ns).matches()) {
            errors.put("namespace", "must be a DNS label: lowercase letters, digits and '-', at most 63 characters");
        }
        if (name.isEmpty()) {
            errors.put("name", "required");
        } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            errors.put("name", "must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
        }
    }

    /** The scale target, min/max and scale mode. */
    private void readTarget(IntelligentHorizontalPodAutoscalerSpec spec) {
        String kind = get("targetKind");
        if (kind.isEmpty()) {
            errors.put("targetKind", "required");
        }
        if (get("targetName").isEmpty()) {
            errors.put("targetName", "the scale target is required");
        } else if (!DNS_SUBDOMAIN.matcher(get("targetName")).matches()) {
            errors.put("targetName", "not a valid object name");
        }
        spec.scaleTargetRef = new CrossVersionObjectReference(get("targetApiVersion").isEmpty() ? "apps/v1" : get("targetApiVersion"),
                kind, get("targetName"));
        spec.minReplicas = integer("minReplicas", 0, null, true);
        spec.maxReplicas = integer("maxReplicas", 0, null, true);
        if (spec.minReplicas != null && spec.maxReplicas != null && spec.minReplicas > spec.maxReplicas) {
            errors.put("maxReplicas", "must not be less than min replicas (" + spec.minReplicas + ")");
        }
        String mode = get("scaleMode");
        if (!mode.isEmpty() && !mode.equals("Auto")) {
            if (mode.equals("Preview")) {
                spec.scaleMode = IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
            } else {
                errors.put("scaleMode", "Auto or Preview");
            }
        }
    }

    private void readStaticProvider(List<PortraitProvider> providers) {
        if (get("staticReplicas").isEmpty()) {
            return;
        }
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Static;
        p.priority = integer("staticPriority", 0, null, true);
        p._static = new PortraitProvider.Static();
        p._static.replicas = integer("staticReplicas", 0, null, true);
        providers.add(p);
    }

    private void readCronProvider(List<PortraitProvider> providers) {
        List<ReplicaCron> rules = new ArrayList<>();
        Set<String> ruleNames = new HashSet<>();
        for (int i = 0; i < cronRows(); i++) {
            if (!cronRowEmpty(i)) {
                rules.add(cronRule("cron." + i + ".", ruleNames));
            }
        }
        if (!rules.isEmpty()) {
            PortraitProvider p = new PortraitProvider();
            p.type = PortraitProvider.Type.Cron;
            p.priority = integer("cronPriority", 0, null, true);
            p.cron = new PortraitProvider.Cron(rules);
            providers.add(p);
        }
    }

    /** One filled row of cron rules ({@code at}: the fields' prefix), checked with the controller's parser. */
    private ReplicaCron cronRule(String at, Set<String> ruleNames) {
        ReplicaCron r = new ReplicaCron();
        r.name = get(at + "name");
        if (r.name.isEmpty()) {
            errors.put(at + "name", "required");
        } else if (!ruleNames.add(r.name)) {
            errors.put(at + "name", "duplicate rule name");
        }
        r.timeZone = get(at + "timeZone").isEmpty() ? null : get(at + "timeZone");
        ZoneId zone = ZoneOffset.UTC;
        try {
            zone = TimeZones.load(r.timeZone);
        } catch (IllegalArgumentException e) {
            errors.put(at + "timeZone", e.getMessage());
        }
        for (String which : List.of("start", "end")) {
            String expr = get(at + which);
            if (expr.isEmpty()) {
                errors.put(at + which, "required");
                continue;
            }
            try {
                CronSchedule.parse(expr, zone);
            } catch (RuntimeException e) {
                errors.put(at + which, "not a valid cron expression: " + e.getMessage());
            }
        }
        r.start = get(at + "start");
        r.end = get(at + "end");
        r.replicas = integer(at + "replicas", 0, null, true);
        return r;
    }

    private void readReactiveProvider(List<PortraitProvider> providers) {
        if (get("cpuUtilization").isEmpty()) {
            return;
        }
        Integer target = integer("cpuUtilization", 1, null, true);
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Dynamic;
        p.priority = integer("reactivePriority", 0, null, true);
        p.dynamic = new PortraitSpec();
        p.dynamic.portraitType = "Reactive";
        MetricSpec m = new MetricSpec();
        m.type = "Resource";
        m.resource = new ResourceMetricSourceBuilder().withName("cpu")
                .withTarget(new MetricTargetBuilder().withType("Utilization").withAverageUtilization(target).build()).build();
        p.dynamic.metrics = List.of(m);
        p.dynamic.algorithm = new PortraitAlgorithm();
        p.dynamic.algorithm.type = "KubeHPA";
        providers.add(p);
    }

    private ScalingBehavior grayBehavior(String prefix, boolean up) {
        String state = get(prefix + ".state");
        if (state.isEmpty()) {
            for (String x : List.of("interval", "percent", "observation")) {
                if (!get(prefix + "." + x).isEmpty()) {
                    errors.put(prefix + ".state", "choose the state of pods in the gray stage");
                }
            }
            return null;
        }
        GrayStrategy g = new GrayStrategy();
        try {
            g.grayState = PodState.valueOf(state);
        } catch (IllegalArgumentException e) {
            errors.put(prefix + ".state", "unknown state");
        }
        if (g.grayState != null && up != (g.grayState == PodState.Online)) {
            errors.put(prefix + ".state", up ? "a scale-up gray stage is Online" : "a scale-down gray stage is Cutoff, Standby or Deleted");
        }
        g.changeIntervalSeconds = integer(prefix + ".interval", 1, null, true);
        g.changePercent = integer(prefix + ".percent", 1, 100, true);
        g.observationSeconds = integer(prefix + ".observation", 0, null, false);
        ScalingBehavior b = new ScalingBehavior();
        b.grayStrategy = g;
        return b;
    }
}
