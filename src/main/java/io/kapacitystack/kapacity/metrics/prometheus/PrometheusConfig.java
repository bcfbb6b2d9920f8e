package io.kapacitystack.kapacity.metrics.prometheus;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kapacity's {@code prometheus-metrics-config.yaml} (Kapacity's {@code pkg/metric/provider/prometheus/metrics_config.go}): prometheus-adapter v0.10 resource and discovery
 * rules plus {@code readyPodsOnlyContainerQuery} and {@code workloadPodNamePatterns}. Parsing is strict: an
 * unknown key, a wrong node type, a bad duration, regex or template is an error naming its line.
 */
public record PrometheusConfig(ResourceRules resourceRules, List<DiscoveryRule> rules,
                               List<DiscoveryRule> externalRules, List<PodNamePattern> workloadPodNamePatterns) {

    /** The classpath location of Kapacity's shipped config. */
    public static final String DEFAULT_RESOURCE = "io/kapacitystack/kapacity/metrics/prometheus/prometheus-metrics-config.yaml";

    public record GroupResource(String group, String resource) {
    }

    /** Label ↔ resource mapping: explicit {@code overrides}, else the {@code template} (e.g. {@code kube_<<.Resource>>}). */
    public record ResourceMapping(String template, Map<String, GroupResource> overrides) {
        public ResourceMapping {
            template = template == null ? "" : template;
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }

        /** The label that carries {@code resource} (singular or plural, e.g. "pod"/"pods"), if any. */
        public Optional<String> labelFor(String group, String resource) {
            for (Map.Entry<String, GroupResource> e : overrides.entrySet()) {
                if (sameResource(e.getValue().resource(), resource) && e.getValue().group().equals(group)) {
                    return Optional.of(e.getKey());
                }
            }
            if (!template.isEmpty()) {
                return Optional.of(template.replace("<<.Group>>", group.replace('.', '_'))
                        .replace("<<.Resource>>", singular(resource)));
            }
            return Optional.empty();
        }

        /** The resource a series label stands for, if any. */
        public Optional<GroupResource> resourceFor(String label) {
            GroupResource r = overrides.get(label);
            if (r != null) {
                return Optional.of(r);
            }
            if (!template.isEmpty()) {
                String regex = Pattern.quote(template).replace("<<.Group>>", "\\E(?<group>.*)\\Q")
                        .replace("<<.Resource>>", "\\E(?<resource>.*)\\Q");
                Matcher m = Pattern.compile(regex).matcher(label);
                if (m.matches()) {
                    String group = template.contains("<<.Group>>") ? m.group("group").replace('_', '.') : "";
                    return Optional.of(new GroupResource(group, m.group("resource")));
                }
            }
            return Optional.empty();
        }
    }

    static boolean sameResource(String a, String b) {
        return singular(a).equals(singular(b));
    }

    static String singular(String resource) {
        String r = resource.toLowerCase();
        if (r.endsWith("sses")) {
            return r.substring(0, r.length() - 2);
        }
        if (r.endsWith("ies")) {
            return r.substring(0, r.length() - 3) + "y";
        }
        if (r.endsWith("s") && !r.endsWith("ss")) {
            return r.substring(0, r.length() - 1);
        }
        return r;
    }

    public record ResourceRule(QueryTemplate containerQuery, QueryTemplate readyPodsOnlyContainerQuery,
                               String nodeQuery, ResourceMapping resources, String containerLabel) {
    }

    public record ResourceRules(ResourceRule cpu, ResourceRule memory, Duration window) {
        public Optional<ResourceRule> rule(String resource) {
            return Optional.ofNullable("cpu".equals(resource) ? cpu : "memory".equals(resource) ? memory : null);
        }
    }

    public record SeriesFilter(Pattern is, Pattern isNot) {
        public boolean accepts(String seriesName) {
            return (is == null || is.matcher(seriesName).find()) && (isNot == null || !isNot.matcher(seriesName).find());
        }
    }

    /**
     * {@code name: {matches, as}}: the metric name a series is published under (prometheus-adapter semantics:
     * {@code matches} defaults to {@code .*}; {@code as} defaults to {@code $1} with one capture group, else
     * {@code $0}; {@code $N}/{@code ${N}}/{@code ${name}} expand from the first match).
     */
    public record NameMapping(Pattern matches, String as) {
        public Optional<String> name(String seriesName) {
            Pattern p = matches.pattern().isEmpty() ? Pattern.compile(".*") : matches;
            Matcher m = p.matcher(seriesName);
            if (!m.find()) {
                return Optional.empty();
            }
            String template = as.isEmpty() ? (m.groupCount() == 1 ? "$1" : "$0") : as;
            StringBuilder out = new StringBuilder();
            Matcher ref = Pattern.compile("\\$(\\d+|\\{(\\w+)\\})").matcher(template);
            int at = 0;
            while (ref.find()) {
                out.append(template, at, ref.start());
                String name = ref.group(2) != null ? ref.group(2) : ref.group(1);
                String value;
                if (name.chars().allMatch(Character::isDigit)) {
                    int g = Integer.parseInt(name);
                    value = g <= m.groupCount() ? m.group(g) : "";
                } else {
                    try {
                        value = m.group(name);
                    } catch (IllegalArgumentException e) {
                        value = "";
                    }
                }
                out.append(value == null ? "" : value);
                at = ref.end();
            }
            out.append(template.substring(at));
            return Optional.of(out.toString());
        }
    }

    public record DiscoveryRule(String seriesQuery, List<SeriesFilter> seriesFilters, ResourceMapping resources,
                                NameMapping name, QueryTemplate metricsQuery) {
    }

    public record PodNamePattern(String group, String kind, String pattern) {
    }

    /** The shipped config. */
    public static PrometheusConfig defaults() {
        try (InputStream in = PrometheusConfig.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pod-name regex of a workload, with {@code %s} replaced by its name. */
    public Optional<String> podNamePattern(String group, String kind, String workloadName) {
        return workloadPodNamePatterns.stream().filter(p -> p.group().equals(group) && p.kind().equals(kind))
                .findFirst().map(p -> p.pattern().replace("%s", workloadName));
    }

    /** @throws ConfigException with the line of the offending node */
    public static PrometheusConfig parse(String yaml) {
        Node root;
        try {
            root = new Compose(LoadSettings.builder().setLabel("prometheus-metrics-config.yaml").build())
                    .composeString(yaml).orElse(null);
        } catch (YamlEngineException e) {
            throw new ConfigException("invalid YAML: " + e.getMessage(), e);
        }
        if (root == null) {
            throw new ConfigException("missing resource rules in metrics discovery config");
        }
        Map<String, Node> top = fields(root, "config", Set.of("resourceRules", "rules", "externalRules",
                "workloadPodNamePatterns"));
        if (!top.containsKey("resourceRules") || top.get("resourceRules") instanceof ScalarNode s
                && s.getValue().isEmpty()) {
            throw new ConfigException("missing resource rules in metrics discovery config");
        }
        Map<String, Node> rr = fields(top.get("resourceRules"), "resourceRules", Set.of("cpu", "memory", "window"));
        Duration window = rr.containsKey("window") ? duration(rr.get("window")) : Duration.ZERO;
        ResourceRules resourceRules = new ResourceRules(resourceRule(rr.get("cpu"), "cpu"),
                resourceRule(rr.get("memory"), "memory"), window);
        List<DiscoveryRule> rules = discoveryRules(top.get("rules"), "rules");
        List<DiscoveryRule> externalRules = discoveryRules(top.get("externalRules"), "externalRules");
        List<PodNamePattern> patterns = new ArrayList<>();
        for (Node n : list(top.get("workloadPodNamePatterns"), "workloadPodNamePatterns")) {
            Map<String, Node> f = fields(n, "workloadPodNamePatterns", Set.of("group", "kind", "pattern"));
            String pattern = string(f.get("pattern"));
            try {
                Pattern.compile(pattern.replace("%s", "x"));
            } catch (PatternSyntaxException e) {
                throw error(n, "invalid pattern \"" + pattern + "\": " + e.getDescription());
            }
            patterns.add(new PodNamePattern(string(f.get("group")), string(f.get("kind")), pattern));
        }
        return new PrometheusConfig(resourceRules, rules, externalRules, patterns);
    }

    private static ResourceRule resourceRule(Node node, String what) {
        if (node == null) {
            return null;
        }
        Map<String, Node> f = fields(node, "resourceRules." + what, Set.of("containerQuery", "nodeQuery",
                "resources", "containerLabel", "readyPodsOnlyContainerQuery"));
        String containerLabel = string(f.get("containerLabel"));
        if (!containerLabel.isEmpty() && !PromQL.isLabelName(containerLabel)) {
            throw error(f.get("containerLabel"), "containerLabel \"" + containerLabel
                    + "\" is not a Prometheus label name");
        }
        return new ResourceRule(template(f.get("containerQuery")), template(f.get("readyPodsOnlyContainerQuery")),
                string(f.get("nodeQuery")), mapping(f.get("resources"), "resourceRules." + what + ".resources"),
                containerLabel);
    }

    private static List<DiscoveryRule> discoveryRules(Node node, String what) {
        List<DiscoveryRule> out = new ArrayList<>();
        for (Node n : list(node, what)) {
            Map<String, Node> f = fields(n, what, Set.of("seriesQuery", "seriesFilters", "resources", "name",
                    "metricsQuery"));
            List<SeriesFilter> filters = new ArrayList<>();
            for (Node fn : list(f.get("seriesFilters"), what + ".seriesFilters")) {
                Map<String, Node> ff = fields(fn, what + ".seriesFilters", Set.of("is", "isNot"));
                filters.add(new SeriesFilter(regex(ff.get("is")), regex(ff.get("isNot"))));
            }
            NameMapping name = new NameMapping(Pattern.compile(""), "");
            if (f.containsKey("name")) {
                Map<String, Node> nf = fields(f.get("name"), what + ".name", Set.of("matches", "as"));
                Pattern matches = regex(nf.get("matches"));
                name = new NameMapping(matches == null ? Pattern.compile("") : matches, string(nf.get("as")));
            }
            if (string(f.get("seriesQuery")).isEmpty()) {
                throw error(n, "missing seriesQuery");
            }
            out.add(new DiscoveryRule(string(f.get("seriesQuery")), filters,
                    mapping(f.get("resources"), what + ".resources"), name, template(f.get("metricsQuery"))));
        }
        return out;
    }

    private static ResourceMapping mapping(Node node, String what) {
        if (node == null) {
            return new ResourceMapping("", Map.of());
        }
        Map<String, Node> f = fields(node, what, Set.of("template", "overrides"));
        Map<String, GroupResource> overrides = new LinkedHashMap<>();
        if (f.containsKey("overrides")) {
            for (Map.Entry<String, Node> e : fields(f.get("overrides"), what + ".overrides", null).entrySet()) {
                if (!PromQL.isLabelName(e.getKey())) {
                    throw error(e.getValue(), "override \"" + e.getKey() + "\" of " + what
                            + " is not a Prometheus label name");
                }
                Map<String, Node> gr = fields(e.getValue(), what + ".overrides." + e.getKey(),
                        Set.of("group", "resource"));
                overrides.put(e.getKey(), new GroupResource(string(gr.get("group")), string(gr.get("resource"))));
            }
        }
        return new ResourceMapping(string(f.get("template")), overrides);
    }

    /** The keys of a mapping node; {@code allowed} null = any key. */
    private static Map<String, Node> fields(Node node, String what, Set<String> allowed) {
        if (node instanceof ScalarNode s && (s.getValue().isEmpty() || s.getValue().equals("null"))) {
            return Map.of();
        }
        if (!(node instanceof MappingNode m)) {
            throw error(node, what + " must be a mapping");
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw error(t.getKeyNode(), "keys of " + what + " must be strings");
            }
            if (allowed != null && !allowed.contains(k.getValue())) {
                throw error(k, "unknown field \"" + k.getValue() + "\" in " + what);
            }
            if (out.put(k.getValue(), t.getValueNode()) != null) {
                throw error(k, "duplicate field \"" + k.getValue() + "\" in " + what);
            }
        }
        return out;
    }

    private static List<Node> list(Node node, String what) {
        if (node == null || node instanceof ScalarNode s && (s.getValue().isEmpty() || s.getValue().equals("null"))) {
            return List.of();
        }
        if (!(node instanceof SequenceNode seq)) {
            throw error(node, what + " must be a list");
        }
        return seq.getValue();
    }

    private static String string(Node node) {
        if (node == null) {
            return "";
        }
        if (!(node instanceof ScalarNode s)) {
            throw error(node, "expected a string");
        }
        return s.getValue();
    }

    private static Pattern regex(Node node) {
        String s = string(node);
        if (node == null) {
            return null;
        }
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw error(node, "invalid regex \"" + s + "\": " + e.getDescription());
        }
    }

    private static QueryTemplate template(Node node) {
        String s = string(node);
        if (s.isEmpty()) {
            return null;
        }
        try {
            return QueryTemplate.compile(s);
        } catch (IllegalArgumentException e) {
            throw error(node, "invalid query template: " + e.getMessage());
        }
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");

    private static Duration duration(Node node) {
        String s = string(node);
        try {
            return parseDuration(s);
        } catch (IllegalArgumentException e) {
            throw error(node, e.getMessage());
        }
    }

    /** A Prometheus duration: {@code 3m}, {@code 1h30m}, {@code 500ms}, {@code 2d}, {@code 1w}, {@code 1y}. */
    public static Duration parseDuration(String s) {
        Matcher m = DURATION_PART.matcher(s);
        Duration d = Duration.ZERO;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
            });
            at = m.end();
        }
        if (s.isEmpty() || at != s.length()) {
            throw new IllegalArgumentException("not a valid duration string: \"" + s + "\"");
        }
        return d;
    }

    private static ConfigException error(Node node, String message) {
        int line = node == null ? 0 : node.getStartMark().map(mk -> mk.getLine() + 1).orElse(0);
        return new ConfigException("line " + line + ": " + message);
    }

    /** A config the provider cannot use; the message names the line. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }

        public ConfigException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
