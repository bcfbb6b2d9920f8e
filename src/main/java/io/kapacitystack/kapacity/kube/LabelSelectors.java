package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kubernetes label-selector strings ({@code a=b,c!=d,e in (x,y),f notin (z),g,!h}), as a scale subresource reports
 * them. Matching is done here rather than by the API server: caches are filtered in memory, and fabric8's mock server
 * ignores set-based selectors.
 */
public final class LabelSelectors {

    private LabelSelectors() {
    }

    /** The string form of a LabelSelector object, as a scale subresource reports it. */
    public static String format(LabelSelector selector) {
        List<String> parts = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> parts.add(k + "=" + v));
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String values = r.getValues() == null ? "" : String.join(",", new TreeSet<>(r.getValues()));
                switch (r.getOperator()) {
                    case "In": parts.add(r.getKey() + " in (" + values + ")"); break;
                    case "NotIn": parts.add(r.getKey() + " notin (" + values + ")"); break;
                    case "Exists": parts.add(r.getKey()); break;
                    case "DoesNotExist": parts.add("!" + r.getKey()); break;
                    default: throw new IllegalArgumentException("unknown selector operator " + r.getOperator());
                }
            }
        }
        return String.join(",", parts);
    }

    public interface Selector {
        boolean matches(Map<String, String> labels);

        boolean isEmpty();
    }

    public static Selector parse(String text) {
        List<Requirement> reqs = new ArrayList<>();
        if (text != null && !text.isBlank()) {
            for (String part : split(text)) {
                reqs.add(Requirement.parse(part.trim(), text));
            }
        }
        return new Selector() {
            @Override
            public boolean matches(Map<String, String> labels) {
                Map<String, String> l = labels == null ? Map.of() : labels;
                for (Requirement r : reqs) {
                    if (!r.matches(l)) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public boolean isEmpty() {
                return reqs.isEmpty();
            }

            @Override
            public String toString() {
                return text;
            }
        };
    }

    /** Splits on commas that are not inside parentheses. */
    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static final class Requirement {
        enum Op { EQ, NEQ, IN, NOTIN, EXISTS, NOTEXISTS }

        final String key;
        final Op op;
        final Set<String> values;

        Requirement(String key, Op op, Set<String> values) {
            this.key = key;
            this.op = op;
            this.values = values;
        }

        static Requirement parse(String s, String whole) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("invalid label selector \"" + whole + "\": empty requirement");
            }
            String lower = s.toLowerCase();
            int notin = lower.indexOf(" notin ");
            int in = lower.indexOf(" in ");
            if (notin > 0 || in > 0) {
                boolean isNot = notin > 0;
                int at = isNot ? notin : in;
                String key = s.substring(0, at).trim();
                String rest = s.substring(at + (isNot ? 7 : 4)).trim();
                if (!rest.startsWith("(") || !rest.endsWith(")")) {
                    throw new IllegalArgumentException("invalid label selector \"" + whole + "\": expected (values) after " + (isNot ? "notin" : "in"));
                }
                Set<String> values = new HashSet<>();
                for (String v : rest.substring(1, rest.length() - 1).split(",")) {
                    if (!v.trim().isEmpty()) {
                        values.add(v.trim());
                    }
                }
                return new Requirement(checkKey(key, whole), isNot ? Op.NOTIN : Op.IN, values);
            }
            if (s.contains("!=")) {
                String[] kv = s.split("!=", 2);
                return new Requirement(checkKey(kv[0].trim(), whole), Op.NEQ, Set.of(kv[1].trim()));
            }
            if (s.contains("==")) {
                String[] kv = s.split("==", 2);
                return new Requirement(checkKey(kv[0].trim(), whole), Op.EQ, Set.of(kv[1].trim()));
            }
            if (s.contains("=")) {
                String[] kv = s.split("=", 2);
                return new Requirement(checkKey(kv[0].trim(), whole), Op.EQ, Set.of(kv[1].trim()));
            }
            if (s.startsWith("!")) {
                return new Requirement(checkKey(s.substring(1).trim(), whole), Op.NOTEXISTS, Set.of());
            }
            return new Requirement(checkKey(s, whole), Op.EXISTS, Set.of());
        }

        static String checkKey(String key, String whole) {
            if (key.isEmpty() || key.contains(" ") || key.contains("(") || key.contains(")")) {
                throw new IllegalArgumentException("invalid label selector \"" + whole + "\": bad key \"" + key + "\"");
            }
            return key;
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            switch (op) {
                case EQ: return v != null && values.contains(v);
                case NEQ: return v == null || !values.contains(v);
                case IN: return v != null && values.contains(v);
                case NOTIN: return v == null || !values.contains(v);
                case EXISTS: return v != null;
                default: return v == null;
            }
        }

        @Override
        public String toString() {
            return key + " " + op + " " + Arrays.toString(values.toArray());
        }
    }
}
