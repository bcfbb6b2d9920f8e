package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.gocompat.GoDuration;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Which fault, if any, the sandbox API injects into a request: a pure function of the plan's seed, the request's
 * verb and resource, and how many requests of that verb and resource came before it. The same plan and the same
 * request sequence give the same faults, so a failing run can be replayed. {@link ApiFaults} applies the decisions.
 *
 * <p>The file form ({@code sandbox --faults FILE}, YAML or JSON), documented in docs/reliability.md:
 * <pre>
 * seed: 42
 * rules:
 *   - fault: conflict            # conflict | internalError | tooManyRequests | unavailable | slow | timeout | dropWatch | gone
 *     rate: 0.2                  # probability per matching request, 0..1
 *     verbs: [update, patch]     # get list watch create update patch delete deletecollection; default all
 *     resources: [statefulsets]  # plural names, "x/sub" for a subresource; "x" also matches its subresources; default all
 *   - fault: tooManyRequests
 *     rate: 0.05
 *     retryAfterSeconds: 2
 *   - fault: dropWatch
 *     rate: 1
 *     delay: 5s                  # slow/timeout: how long the answer waits; dropWatch: how long the watch lives
 * stalls:
 *   - after: 30s                 # real time after the plan is installed
 *     for: 60s                   # no request is answered (they wait) and every watch is dropped
 * </pre>
 * Rules are tried in order; the first that fires wins. Each draws its own number, so adding a rule at the end does
 * not change which requests the earlier ones hit.
 */
public record FaultPlan(long seed, List<Rule> rules, List<Stall> stalls) {

    /** Bounds on what a file may ask for (it is user input). */
    static final int MAX_RULES = 100;
    static final int MAX_STALLS = 100;
    static final Duration MAX_DELAY = Duration.ofMinutes(10);
    static final int MAX_FILE_CODE_POINTS = 1024 * 1024;

    static final Set<String> VERBS = Set.of("get", "list", "watch", "create", "update", "patch", "delete",
            "deletecollection");

    public FaultPlan {
        rules = List.copyOf(rules);
        stalls = List.copyOf(stalls);
        if (rules.size() > MAX_RULES || stalls.size() > MAX_STALLS) {
            throw new IllegalArgumentException("a fault plan has at most " + MAX_RULES + " rules and " + MAX_STALLS + " stalls");
        }
    }

    /** No faults. */
    public static FaultPlan none() {
        return new FaultPlan(0, List.of(), List.of());
    }

    public static FaultPlan of(long seed, Rule... rules) {
        return new FaultPlan(seed, List.of(rules), List.of());
    }

    public enum Kind {
        /** 409 Conflict, as for a stale resourceVersion; the request is not applied. */
        CONFLICT("conflict"),
        /** 500 InternalError; not applied. */
        INTERNAL_ERROR("internalError"),
        /** 429 TooManyRequests with a Retry-After header (API Priority and Fairness); not applied. */
        TOO_MANY_REQUESTS("tooManyRequests"),
        /** 503 ServiceUnavailable; not applied. */
        UNAVAILABLE("unavailable"),
        /** Served normally after a delay. */
        SLOW("slow"),
        /** 504 Timeout after a delay, as kube-apiserver's request timeout; not applied. */
        TIMEOUT("timeout"),
        /** A watch that opens normally and is closed by the server after a delay. */
        DROP_WATCH("dropWatch"),
        /** A watch resumed from a resourceVersion gets 410 Expired (too old resource version) and ends. */
        GONE("gone");

        private final String fileName;

        Kind(String fileName) {
            this.fileName = fileName;
        }

        public String fileName() {
            return fileName;
        }

        static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.fileName.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown fault \"" + name + "\" (known: conflict, internalError, "
                    + "tooManyRequests, unavailable, slow, timeout, dropWatch, gone)");
        }
    }

    /**
     * One kind of fault at a rate on matching requests.
     *
     * @param verbs     empty: every verb
     * @param resources empty: every resource
     * @param delay     how long a slow or timed-out answer waits, or a dropped watch lives
     */
    public record Rule(Kind kind, double rate, Set<String> verbs, Set<String> resources, Duration delay,
                       int retryAfterSeconds) {
        public Rule {
            verbs = Set.copyOf(verbs);
            resources = Set.copyOf(resources);
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("rate must be between 0 and 1, not " + rate);
            }
            for (String v : verbs) {
                if (!VERBS.contains(v)) {
                    throw new IllegalArgumentException("unknown verb \"" + v + "\" (known: " + String.join(", ", VERBS.stream().sorted().toList()) + ")");
                }
            }
            if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
                throw new IllegalArgumentException("delay must be between 0 and " + MAX_DELAY.toMinutes() + "m");
            }
            if (retryAfterSeconds < 0 || retryAfterSeconds > 600) {
                throw new IllegalArgumentException("retryAfterSeconds must be between 0 and 600");
            }
        }

        public static Rule of(Kind kind, double rate) {
            return new Rule(kind, rate, Set.of(), Set.of(), Duration.ofSeconds(1), 1);
        }

        public Rule onVerbs(String... v) {
            return new Rule(kind, rate, Set.of(v), resources, delay, retryAfterSeconds);
        }

        public Rule onResources(String... r) {
            return new Rule(kind, rate, verbs, Set.of(r), delay, retryAfterSeconds);
        }

        public Rule after(Duration d) {
            return new Rule(kind, rate, verbs, resources, d, retryAfterSeconds);
        }

        boolean matches(Request request) {
            if (!verbs.isEmpty() && !verbs.contains(request.verb())) {
                return false;
            }
            if (resources.isEmpty() || resources.contains(request.resource())) {
                return true;
            }
            int slash = request.resource().indexOf('/');
            return slash > 0 && resources.contains(request.resource().substring(0, slash));
        }

        /** Whether this kind of fault can happen to that request at all (a watch cannot conflict). */
        boolean appliesTo(Request request) {
            boolean watch = request.verb().equals("watch");
            return switch (kind) {
                case DROP_WATCH -> watch;
                case GONE -> watch && request.resumes();
                case SLOW -> true;
                default -> !watch;
            };
        }
    }

    /** A period during which the API answers nothing, {@code after} the plan was installed. */
    public record Stall(Duration after, Duration length) {
        public Stall {
            if (after.isNegative() || length.isNegative() || length.compareTo(MAX_DELAY) > 0) {
                throw new IllegalArgumentException("a stall starts at or after 0 and lasts at most " + MAX_DELAY.toMinutes() + "m");
            }
        }
    }

    /**
     * A request as the plan sees it.
     *
     * @param verb     the Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection)
     * @param resource plural resource name, with {@code /subresource} if any
     * @param resumes  a watch from a resourceVersion (other than 0)
     */
    public record Request(String verb, String resource, boolean resumes) {
    }

    /**
     * The fault for the {@code n}-th (from 0) request of its verb and resource, or null.
     */
    public Rule decide(Request request, long n) {
        if (rules.isEmpty()) {
            return null;
        }
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = mix(h ^ request.verb().hashCode());
        h = mix(h ^ request.resource().hashCode());
        h = mix(h ^ n);
        SplittableRandom draws = new SplittableRandom(h);
        for (Rule rule : rules) {
            double draw = draws.nextDouble();
            if (rule.matches(request) && rule.appliesTo(request) && draw < rule.rate()) {
                return rule;
            }
        }
        return null;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Parses the file form (YAML or JSON). */
    public static FaultPlan parse(String text) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().setLabel("faults").setCodePointLimit(MAX_FILE_CODE_POINTS)
                    .setMaxAliasesForCollections(10).build()).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException("invalid fault file: " + e.getMessage(), e);
        }
        if (root == null) {
            return none();
        }
        Map<?, ?> top = map(root, "the fault file", Set.of("seed", "rules", "stalls"));
        long seed = top.containsKey("seed") ? number(top.get("seed"), "seed").longValue() : 0;
        List<Rule> rules = new ArrayList<>();
        for (Object r : list(top.get("rules"), "rules")) {
            Map<?, ?> m = map(r, "a rule", Set.of("fault", "rate", "verbs", "resources", "delay", "retryAfterSeconds"));
            if (!(m.get("fault") instanceof String fault)) {
                throw new IllegalArgumentException("a rule needs a fault");
            }
            rules.add(new Rule(Kind.parse(fault), m.containsKey("rate") ? number(m.get("rate"), "rate").doubleValue() : 1,
                    Set.copyOf(strings(m.get("verbs"), "verbs")), Set.copyOf(strings(m.get("resources"), "resources")),
                    m.containsKey("delay") ? duration(m.get("delay"), "delay") : Duration.ofSeconds(1),
                    m.containsKey("retryAfterSeconds") ? number(m.get("retryAfterSeconds"), "retryAfterSeconds").intValue() : 1));
        }
        List<Stall> stalls = new ArrayList<>();
        for (Object s : list(top.get("stalls"), "stalls")) {
            Map<?, ?> m = map(s, "a stall", Set.of("after", "for"));
            stalls.add(new Stall(m.containsKey("after") ? duration(m.get("after"), "after") : Duration.ZERO,
                    duration(m.get("for"), "for")));
        }
        return new FaultPlan(seed, rules, stalls);
    }

    private static Map<?, ?> map(Object o, String what, Set<String> keys) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(what + " must be a mapping");
        }
        for (Object k : m.keySet()) {
            if (!keys.contains(String.valueOf(k))) {
                throw new IllegalArgumentException("unknown field \"" + k + "\" in " + what + " (known: "
                        + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
        return m;
    }

    private static List<?> list(Object o, String what) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new IllegalArgumentException(what + " must be a list");
        }
        return l;
    }

    private static List<String> strings(Object o, String what) {
        List<String> out = new ArrayList<>();
        for (Object e : list(o, what)) {
            if (!(e instanceof String s)) {
                throw new IllegalArgumentException(what + " must be a list of strings");
            }
            out.add(s.toLowerCase(Locale.ROOT).equals(s) || what.equals("resources") ? s : s.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static Number number(Object o, String what) {
        if (!(o instanceof Number n)) {
            throw new IllegalArgumentException(what + " must be a number");
        }
        return n;
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}, or a number of seconds. */
    static Duration duration(Object o, String what) {
        if (o instanceof Number n) {
            return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        }
        if (o instanceof String s) {
            try {
                return GoDuration.parse(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(what + ": invalid duration \"" + s + "\"");
            }
        }
        throw new IllegalArgumentException(what + " must be a duration such as 5s");
    }
}
