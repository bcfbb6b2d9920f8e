package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTargetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSourceBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.gocompat.GoStrings;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code kapacity autoscale <kind>/<name> ...} asks for, parsed from its flags, and the IHPA it makes
 * (docs/cli.md): a Reactive KubeHPA portrait for the resource targets (priority 1), a Predictive portrait for
 * {@code --predictive} (priority 2) and a Cron portrait for the {@code --cron} windows (priority 3, so a window
 * overrides the others while it is open).
 */
public record AutoscaleSpec(String target, String name, String namespace, int min, int max, Integer cpuPercent,
                            String cpuValue, Integer memoryPercent, String memoryValue, List<String> crons,
                            boolean predictive, List<String> trafficMetrics, String dryRun, String output) {

    /** kubectl autoscale's default policy when no target is given: 80 % of the CPU request. */
    public static final int DEFAULT_CPU_PERCENT = 80;
    public static final int CRON_PRIORITY = 3;
    public static final int PREDICTIVE_PRIORITY = 2;
    public static final int REACTIVE_PRIORITY = 1;
    /** More windows than any schedule needs; bounds the object a flag list can make. */
    public static final int MAX_CRONS = 100;
    private static final Pattern TRAFFIC_METRIC =
            Pattern.compile("^([A-Za-z_:][A-Za-z0-9_:]{0,199})(@([A-Za-z][A-Za-z0-9]{0,62})/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?))?$");

    public static Flags flags() {
        return CommonFlags.define(new Flags())
                .define("min", "1", "the lower limit for the number of pods (kubectl autoscale's default: 1)")
                .define("max", "-1", "the upper limit for the number of pods (required)")
                .define("cpu-percent", "", "target average CPU utilization, in percent of the pods' CPU request")
                .define("cpu-value", "", "target average CPU use per pod, a quantity such as 500m")
                .define("memory-percent", "", "target average memory utilization, in percent of the memory request")
                .define("memory-value", "", "target average memory use per pod, a quantity such as 500Mi")
                .defineRepeated("cron", "'START END REPLICAS': REPLICAS while the window opened by the cron"
                        + " expression START and closed by END is open, e.g. '0 8 * * 1-5 0 20 * * 1-5 10'")
                .defineBool("predictive", false, "add a Predictive portrait (the built-in algorithm job)")
                .defineRepeated("traffic-metric", "METRIC[@KIND/NAME] a traffic metric for --predictive, e.g."
                        + " nginx_ingress_controller_requests_rate@Ingress/nginx-server")
                .define("name", "", "the name of the IHPA (default: the target's name)");
    }

    /** Parses {@code args} (the target first or anywhere); refusals are {@link CliException}s. */
    public static AutoscaleSpec parse(String[] args) {
        Flags f = CommonFlags.parse(flags(), args);
        if (f.positional().size() != 1) {
            throw new CliException("exactly one TYPE/NAME is required, e.g. deployment/web; got "
                    + (f.positional().isEmpty() ? "none" : String.join(" ", f.positional())));
        }
        int max = integer(f, "max");
        int min = integer(f, "min");
        if (max < 1) {
            throw new CliException("--max=MAXPODS is required and must be at least 1, max: " + max);
        }
        if (min < 0) {
            throw new CliException("--min=MINPODS must not be negative, min: " + min);
        }
        if (max < min) {
            throw new CliException("--max=MAXPODS must be larger or equal to --min=MINPODS, max: " + max + ", min: " + min);
        }
        Integer cpuPercent = percent(f, "cpu-percent");
        Integer memoryPercent = percent(f, "memory-percent");
        String cpuValue = quantity(f, "cpu-value");
        String memoryValue = quantity(f, "memory-value");
        if (cpuPercent != null && cpuValue != null) {
            throw new CliException("--cpu-percent and --cpu-value cannot both be set");
        }
        if (memoryPercent != null && memoryValue != null) {
            throw new CliException("--memory-percent and --memory-value cannot both be set");
        }
        List<String> crons = f.getAll("cron");
        if (crons.size() > MAX_CRONS) {
            throw new CliException("at most " + MAX_CRONS + " --cron windows, got " + crons.size());
        }
        crons.forEach(AutoscaleSpec::cronRule);
        boolean predictive = f.getBool("predictive");
        List<String> traffic = f.getAll("traffic-metric");
        if (!traffic.isEmpty() && !predictive) {
            throw new CliException("--traffic-metric needs --predictive");
        }
        if (predictive && traffic.isEmpty()) {
            throw new CliException("--predictive needs at least one --traffic-metric METRIC[@KIND/NAME]");
        }
        if (traffic.size() > MAX_CRONS) {
            throw new CliException("at most " + MAX_CRONS + " --traffic-metric flags");
        }
        for (String t : traffic) {
            if (!TRAFFIC_METRIC.matcher(t).matches()) {
                throw new CliException("invalid --traffic-metric " + quote(t)
                        + ": want METRIC or METRIC@KIND/NAME, e.g. nginx_ingress_controller_requests_rate@Ingress/nginx");
            }
        }
        if (cpuPercent == null && cpuValue == null && memoryPercent == null && memoryValue == null
                && crons.isEmpty() && !predictive) {
            cpuPercent = DEFAULT_CPU_PERCENT;
        }
        String name = f.get("name");
        if (!name.isEmpty() && !CommonFlags.isDnsSubdomain(name)) {
            throw new CliException("invalid --name " + quote(name) + ": must be a DNS subdomain (lowercase letters,"
                    + " digits, '-' and '.')");
        }
        return new AutoscaleSpec(f.positional().get(0), name.isEmpty() ? null : name, CommonFlags.namespace(f),
                min, max, cpuPercent, cpuValue, memoryPercent, memoryValue, List.copyOf(crons), predictive,
                List.copyOf(traffic), CommonFlags.dryRun(f), CommonFlags.output(f));
    }

    /** True if a target is a percentage of the pods' requests, so the pods must have requests for that resource. */
    public List<String> percentResources() {
        List<String> out = new ArrayList<>();
        if (cpuPercent != null) {
            out.add("cpu");
        }
        if (memoryPercent != null) {
            out.add("memory");
        }
        return out;
    }

    /** The IHPA for {@code targetRef} (its apiVersion and kind as discovery names them). */
    public IntelligentHorizontalPodAutoscaler toIhpa(CrossVersionObjectReference targetRef) {
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withName(name == null ? targetRef.name : name)
                .withNamespace(namespace).build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        spec.scaleTargetRef = targetRef;
        spec.minReplicas = min;
        spec.maxReplicas = max;
        spec.portraitProviders = new ArrayList<>();
        if (!crons.isEmpty()) {
            List<ReplicaCron> rules = new ArrayList<>();
            for (int i = 0; i < crons.size(); i++) {
                ParsedCron c = cronRule(crons.get(i));
                rules.add(new ReplicaCron("cron-" + (i + 1), "UTC", c.start(), c.end(), c.replicas()));
            }
            PortraitProvider p = new PortraitProvider();
            p.type = PortraitProvider.Type.Cron;
            p.priority = CRON_PRIORITY;
            p.cron = new PortraitProvider.Cron(rules);
            spec.portraitProviders.add(p);
        }
        if (predictive) {
            spec.portraitProviders.add(dynamic(PREDICTIVE_PRIORITY, PredictivePortrait.spec(trafficMetrics)));
        }
        List<MetricSpec> metrics = new ArrayList<>();
        addResource(metrics, "cpu", cpuPercent, cpuValue);
        addResource(metrics, "memory", memoryPercent, memoryValue);
        if (!metrics.isEmpty()) {
            PortraitSpec reactive = new PortraitSpec();
            reactive.portraitType = "Reactive";
            reactive.metrics = metrics;
            reactive.algorithm = new PortraitAlgorithm();
            reactive.algorithm.type = "KubeHPA";
            spec.portraitProviders.add(dynamic(REACTIVE_PRIORITY, reactive));
        }
        ihpa.setSpec(spec);
        return ihpa;
    }

    static PortraitProvider dynamic(int priority, PortraitSpec portrait) {
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Dynamic;
        p.priority = priority;
        p.dynamic = portrait;
        return p;
    }

    private static void addResource(List<MetricSpec> metrics, String resource, Integer percent, String value) {
        if (percent == null && value == null) {
            return;
        }
        MetricSpec m = new MetricSpec();
        m.type = "Resource";
        MetricTargetBuilder target = new MetricTargetBuilder();
        if (percent != null) {
            target.withType("Utilization").withAverageUtilization(percent);
        } else {
            target.withType("AverageValue").withAverageValue(new Quantity(value));
        }
        m.resource = new ResourceMetricSourceBuilder().withName(resource).withTarget(target.build()).build();
        metrics.add(m);
    }

    /** One {@code --cron} window: two schedules and a replica number. */
    record ParsedCron(String start, String end, int replicas) {
    }

    /**
     * Splits {@code 'START END REPLICAS'}: each schedule is five fields, or a descriptor ({@code @hourly},
     * {@code @every 1h}), optionally after {@code CRON_TZ=zone}; both must parse as the controller parses them.
     */
    static ParsedCron cronRule(String text) {
        String[] tokens = text.trim().split("\\s+");
        int[] at = {0};
        String start = schedule(tokens, at, text);
        String end = schedule(tokens, at, text);
        if (at[0] != tokens.length - 1) {
            throw badCron(text, "want 'START END REPLICAS', e.g. '0 8 * * 1-5 0 20 * * 1-5 10'");
        }
        int replicas;
        try {
            replicas = Integer.parseInt(tokens[at[0]]);
        } catch (NumberFormatException e) {
            throw badCron(text, "REPLICAS " + quote(tokens[at[0]]) + " is not a number");
        }
        if (replicas < 0) {
            throw badCron(text, "REPLICAS must not be negative");
        }
        return new ParsedCron(start, end, replicas);
    }

    private static String schedule(String[] tokens, int[] at, String text) {
        List<String> parts = new ArrayList<>();
        if (at[0] < tokens.length && (tokens[at[0]].startsWith("CRON_TZ=") || tokens[at[0]].startsWith("TZ="))) {
            parts.add(tokens[at[0]++]);
        }
        if (at[0] >= tokens.length) {
            throw badCron(text, "want 'START END REPLICAS', e.g. '0 8 * * 1-5 0 20 * * 1-5 10'");
        }
        int fields = !tokens[at[0]].startsWith("@") ? 5 : tokens[at[0]].equals("@every") ? 2 : 1;
        if (at[0] + fields > tokens.length) {
            throw badCron(text, "want 'START END REPLICAS', e.g. '0 8 * * 1-5 0 20 * * 1-5 10'");
        }
        for (int i = 0; i < fields; i++) {
            parts.add(tokens[at[0]++]);
        }
        String spec = String.join(" ", parts);
        try {
            CronSchedule.parse(spec, ZoneOffset.UTC);
        } catch (IllegalArgumentException e) {
            throw badCron(text, quote(spec) + ": " + e.getMessage());
        }
        return spec;
    }

    private static CliException badCron(String text, String why) {
        return new CliException("invalid --cron " + quote(text) + ": " + why);
    }

    private static int integer(Flags f, String flag) {
        try {
            return Integer.parseInt(f.get(flag).trim());
        } catch (NumberFormatException e) {
            throw new CliException("invalid --" + flag + " " + quote(f.get(flag)) + ": not an integer");
        }
    }

    private static Integer percent(Flags f, String flag) {
        String v = f.get(flag);
        if (v.isEmpty()) {
            return null;
        }
        int p = integer(f, flag);
        if (p < 1 || p > 10_000) {
            throw new CliException("invalid --" + flag + " " + p + ": must be between 1 and 10000");
        }
        return p;
    }

    private static String quantity(Flags f, String flag) {
        String v = f.get(flag);
        if (v.isEmpty()) {
            return null;
        }
        try {
            if (v.length() > 64 || Quantity.getAmountInBytes(new Quantity(v)).signum() <= 0) {
                throw new CliException("invalid --" + flag + " " + quote(v) + ": must be a positive quantity");
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CliException("invalid --" + flag + " " + quote(v) + ": not a quantity such as 500m or 512Mi");
        }
        return v;
    }

    public static String quote(String s) {
        return GoStrings.quote(s);
    }
}
