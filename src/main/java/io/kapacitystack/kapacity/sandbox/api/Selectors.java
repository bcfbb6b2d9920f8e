package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.kube.LabelSelectors;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Label selectors (equality and set-based, as in {@code kubectl get -l}) and field selectors evaluated in
 * Java. The mock server's own selector support ignores set-based requirements, so lists are filtered here.
 */
public final class Selectors {

    private Selectors() {
    }

    /** Parses {@code a=b,c!=d,e in (f,g),h notin (i),j,!k}; returns a predicate over label maps. */
    public static Predicate<Map<String, String>> parseLabelSelector(String selector) {
        return LabelSelectors.parse(selector)::matches;
    }

    /** Field selectors {@code a.b=c,d!=e} over the JSON of an object. */
    public static Predicate<JsonObject> parseFieldSelector(String selector) {
        List<Predicate<JsonObject>> requirements = new ArrayList<>();
        for (String requirement : selector.split(",")) {
            String r = requirement.trim();
            if (r.isEmpty()) {
                continue;
            }
            boolean negated = r.contains("!=");
            String[] kv = negated ? r.split("!=", 2) : r.split("==?", 2);
            String path = kv[0].trim();
            String expected = kv.length > 1 ? kv[1].trim() : "";
            requirements.add(obj -> {
                Object actual = lookup(obj, path);
                boolean equal = expected.equals(actual == null ? "" : String.valueOf(actual));
                return negated != equal;
            });
        }
        return obj -> requirements.stream().allMatch(p -> p.test(obj));
    }

    /** True if the pod/object labels satisfy a LabelSelector object (matchLabels + matchExpressions). */
    public static boolean matches(JsonObject labelSelector, Map<String, String> labels) {
        return labelSelector != null && parseLabelSelector(toSelectorString(labelSelector)).test(labels);
    }

    /** A LabelSelector object as the selector string the API reports in a Scale's status.selector. */
    public static String toSelectorString(JsonObject labelSelector) {
        List<String> parts = new ArrayList<>();
        TreeMap<String, Object> matchLabels = new TreeMap<>(
                labelSelector.getJsonObject("matchLabels", new JsonObject()).getMap());
        matchLabels.forEach((k, v) -> parts.add(k + "=" + v));
        for (Object e : labelSelector.getJsonArray("matchExpressions", new JsonArray())) {
            JsonObject expr = (JsonObject) e;
            String key = expr.getString("key");
            List<String> values = new ArrayList<>();
            expr.getJsonArray("values", new JsonArray()).forEach(v -> values.add(String.valueOf(v)));
            values.sort(String::compareTo);
            switch (expr.getString("operator", "")) {
                case "In" -> parts.add(key + " in (" + String.join(",", values) + ")");
                case "NotIn" -> parts.add(key + " notin (" + String.join(",", values) + ")");
                case "Exists" -> parts.add(key);
                case "DoesNotExist" -> parts.add("!" + key);
                default -> {
                }
            }
        }
        return String.join(",", parts);
    }

    /** The equality selector string of a plain label map (a Service's spec.selector). */
    public static String toSelectorString(Map<String, String> labels) {
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    public static Map<String, String> labelsOf(JsonObject object) {
        return stringMap(object.getJsonObject("metadata", new JsonObject()).getJsonObject("labels"));
    }

    public static Map<String, String> stringMap(JsonObject map) {
        Map<String, String> out = new TreeMap<>();
        if (map != null) {
            map.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
        }
        return out;
    }

    private static Object lookup(JsonObject obj, String dottedPath) {
        Object current = obj;
        for (String part : dottedPath.split("\\.")) {
            if (!(current instanceof JsonObject o)) {
                return null;
            }
            current = o.getValue(part);
        }
        return current;
    }
}
