package io.kapacitystack.kapacity.reliability.properties;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Objects generated from a CRD's {@code openAPIV3Schema} (the chart's CRDs, the ones the API server validates
 * against): every property the schema declares, with the types, enums, bounds and required fields it states, so the
 * generator follows the CRDs as they change. Strings that the schema leaves free but the controller parses (cron
 * rules, time zones, durations, quantities, times, type names) come from pools of valid, edge and invalid values
 * per field name; other strings mix plain names with hostile ones. Optional fields are present half the time near
 * the root and ever more rarely deeper down (the embedded CronJob template is only filled to its required fields).
 */
final class SchemaArbitraries {

    /** The instant the generated times are spread around. */
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");

    private static final int MAX_DEPTH = 9;

    private SchemaArbitraries() {
    }

    /** The {@code openAPIV3Schema} of the first version of a chart CRD (file name under helm/kapacity-manager/crds). */
    static JsonObject crdSchema(String file) {
        try {
            String yaml = Files.readString(Path.of("helm/kapacity-manager/crds", file));
            @SuppressWarnings("unchecked")
            Map<String, Object> crd = new KubernetesSerialization().unmarshal(yaml, Map.class);
            return new JsonObject(crd).getJsonObject("spec").getJsonArray("versions").getJsonObject(0)
                    .getJsonObject("schema").getJsonObject("openAPIV3Schema");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Values of the schema at {@code name} (the property's own name picks the string pool). */
    static Arbitrary<Object> of(JsonObject schema, String name) {
        return of(schema, name, 0);
    }

    private static Arbitrary<Object> of(JsonObject schema, String name, int depth) {
        if (schema.containsKey("enum")) {
            return Arbitraries.of(schema.getJsonArray("enum").getList()).map(v -> (Object) v);
        }
        if (schema.getBoolean("x-kubernetes-int-or-string", false)) {
            return Arbitraries.oneOf(Arbitraries.integers().between(0, 200).map(v -> (Object) v),
                    Arbitraries.of("50%", "10", "100m", "1", "0").map(v -> (Object) v));
        }
        String type = schema.getString("type", schema.containsKey("properties") ? "object" : "");
        switch (type) {
            case "integer":
                return integers(schema, name);
            case "number":
                return Arbitraries.of(0.0, 0.5, 1.0, -1.0, 1e9).map(v -> (Object) v);
            case "boolean":
                return Arbitraries.of(true, false).map(v -> (Object) v);
            case "string":
                return strings(schema, name).map(v -> (Object) v);
            case "array":
                return arrays(schema, name, depth);
            case "object":
                return objects(schema, depth);
            default:
                return Arbitraries.of("x", 1, true).map(v -> (Object) v);
        }
    }

    private static Arbitrary<Object> integers(JsonObject schema, String name) {
        int low = schema.containsKey("minimum") ? schema.getNumber("minimum").intValue() : -3;
        int high = schema.containsKey("maximum") ? schema.getNumber("maximum").intValue() : Integer.MAX_VALUE;
        if ("timestamp".equals(name)) {
            long t0 = T0.getEpochSecond();
            return Arbitraries.longs().between(t0 - 7200, t0 + 7200).map(v -> (Object) v);
        }
        int small = Math.max(low, Math.min(high, 12));
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.integers().between(low, small)),
                Tuple.of(1, Arbitraries.integers().between(low, high))).map(v -> (Object) v);
    }

    private static Arbitrary<String> strings(JsonObject schema, String name) {
        Arbitrary<String> pool = switch (name) {
            case "start", "end" -> Arbitraries.of("0 * * * *", "10 * * * *", "*/5 * * * *", "@every 90s", "@hourly",
                    "0 0 * * 1-5", "CRON_TZ=Asia/Shanghai 0 8 * * *", "0 0 30 2 *", "* * * * *", "61 * * * *", "", "@every -1s");
            case "timeZone" -> Arbitraries.of("UTC", "Asia/Shanghai", "America/New_York", "Local", "", "Mars/Olympus");
            case "cpuInitializationPeriod", "initialReadinessDelay", "syncPeriod" ->
                    Arbitraries.of("5m", "30s", "15s", "0s", "1h30m", "-1s", "abc", "");
            case "tolerance" -> Arbitraries.of("0.1", "0", "0.5", "-1", "abc", "1e9");
            case "lastTransitionTime", "lastUpdateTime", "expireTime", "creationTimestamp" -> Arbitraries.of(
                    "2026-11-23T07:00:00Z", "2026-11-23T08:00:00Z", "2026-11-23T08:04:59Z", "2026-11-23T09:00:00Z",
                    "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "garbage", "2026-13-45T99:00:00Z");
            case "portraitType" -> Arbitraries.of("Predictive", "Reactive", "Burst", "x");
            case "provider" -> Arbitraries.of("Static", "Cron", "Dynamic", "web-predictive", "");
            case "apiVersion" -> Arbitraries.of("apps/v1", "v1", "apps/v1beta1", "example.com/v1", "batch/v1");
            case "kind" -> Arbitraries.of("StatefulSet", "Deployment", "ReplicaSet", "ConfigMap", "Widget", "Pod");
            case "averageValue", "value", "current", "target" -> Arbitraries.of("100m", "1", "50Mi", "-1", "abc", "1e3");
            case "reason" -> Arbitraries.of("SucceededAutoscaling", "InvalidSpec", "X", "A_b:c");
            case "type" -> Arbitraries.of("KubeHPA", "ExternalJob", "CronJob", "ConfigMap", "Resource", "Pods", "Object",
                    "External", "ContainerResource", "ScalingActive", "GrayProgressing", "Utilization", "AverageValue",
                    "Value", "Percent", "x");
            default -> Arbitraries.oneOf(Arbitraries.of("web", "cpu", "a", "nginx", "web-0", "a.b-c"),
                    Arbitraries.of("", "\"}{", "a\nb", "é漢字", "${x}", "../../etc"),
                    Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12));
        };
        Integer min = schema.getInteger("minLength");
        Integer max = schema.getInteger("maxLength");
        String pattern = schema.getString("pattern");
        java.util.regex.Pattern compiled = pattern == null ? null : java.util.regex.Pattern.compile(pattern);
        // keep to what the schema states: a value the API server would refuse teaches the planner nothing
        return pool.filter(s -> (min == null || s.length() >= min) && (max == null || s.length() <= max)
                && (compiled == null || compiled.matcher(s).find()));
    }

    private static Arbitrary<Object> arrays(JsonObject schema, String name, int depth) {
        int min = schema.getInteger("minItems", 0);
        int max = Math.max(min, depth < 3 ? 3 : depth < 6 ? 2 : min);
        JsonObject items = schema.getJsonObject("items", new JsonObject());
        return of(items, name, depth + 1).list().ofMinSize(min).ofMaxSize(max).map(list -> (Object) new JsonArray(new ArrayList<>(list)));
    }

    private static Arbitrary<Object> objects(JsonObject schema, int depth) {
        JsonObject properties = schema.getJsonObject("properties");
        Object additional = schema.getValue("additionalProperties");
        if (properties == null) {
            JsonObject valueSchema = additional instanceof JsonObject a ? a : new JsonObject().put("type", "string");
            return Arbitraries.maps(Arbitraries.of("a", "b", "key", "x.y/z"), of(valueSchema, "value", depth + 1))
                    .ofMaxSize(depth < 4 ? 2 : 0).map(m -> (Object) new JsonObject(new LinkedHashMap<>(m)));
        }
        List<String> required = schema.getJsonArray("required", new JsonArray()).getList();
        List<String> names = new ArrayList<>();
        List<Arbitrary<Optional<Object>>> fields = new ArrayList<>();
        double presence = depth < 4 ? 0.5 : depth < 6 ? 0.2 : 0.0;
        for (String field : properties.fieldNames()) {
            boolean mandatory = required.contains(field);
            if (!mandatory && (presence == 0.0 || depth >= MAX_DEPTH)) {
                continue;
            }
            Arbitrary<Object> value = of(properties.getJsonObject(field), field, depth + 1);
            names.add(field);
            fields.add(mandatory ? value.map(Optional::of)
                    : value.map(Optional::of).injectNull(1 - presence).map(o -> o == null ? Optional.empty() : o));
        }
        if (fields.isEmpty()) {
            return Arbitraries.just(new JsonObject());
        }
        return Combinators.combine(fields).as(values -> {
            JsonObject out = new JsonObject();
            for (int i = 0; i < names.size(); i++) {
                Optional<Object> v = values.get(i);
                if (v.isPresent()) {
                    out.put(names.get(i), v.get());
                }
            }
            return (Object) out;
        });
    }
}
