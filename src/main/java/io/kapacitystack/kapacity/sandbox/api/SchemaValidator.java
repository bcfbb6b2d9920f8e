package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.sandbox.api.ApiStatus.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.math.BigInteger;

/**
 * Checks a custom resource against a CRD's {@code openAPIV3Schema} the way kube-apiserver does for structural
 * schemas: first defaults are filled in, then unknown fields are pruned (unless
 * {@code x-kubernetes-preserve-unknown-fields}), then every value is validated. Works on any CRD, so the lead's
 * generated CRDs need no extra code. Supported keywords: type, properties, additionalProperties, items, required,
 * enum, minimum/maximum (+exclusive), minLength/maxLength, pattern, minItems/maxItems, nullable, default,
 * x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields, x-kubernetes-embedded-resource.
 * Not supported: CEL rules (x-kubernetes-validations), oneOf/anyOf/allOf/not, format.
 */
public final class SchemaValidator {

    /** apiserver validates these itself (object meta), never against the CRD schema. */
    private static final Set<String> ROOT_FIELDS_NOT_VALIDATED = Set.of("apiVersion", "kind", "metadata");

    private SchemaValidator() {
    }

    /** Mutates {@code object} (defaults, pruning) and returns the validation errors, empty if valid. */
    public static List<FieldError> defaultPruneAndValidate(JsonObject rootSchema, JsonObject object) {
        List<FieldError> errors = new ArrayList<>();
        JsonObject properties = rootSchema.getJsonObject("properties", new JsonObject());
        applyDefaults(properties, object);
        for (String field : new ArrayList<>(object.fieldNames())) {
            if (ROOT_FIELDS_NOT_VALIDATED.contains(field)) {
                continue;
            }
            JsonObject fieldSchema = properties.getJsonObject(field);
            if (fieldSchema == null) {
                if (!preservesUnknown(rootSchema)) {
                    object.remove(field);
                }
                continue;
            }
            Object value = object.getValue(field);
            if (value == null) {
                object.remove(field);
                continue;
            }
            validate(fieldSchema, value, field, errors);
        }
        for (Object required : rootSchema.getJsonArray("required", new JsonArray())) {
            if (!ROOT_FIELDS_NOT_VALIDATED.contains(required) && !object.containsKey((String) required)) {
                errors.add(FieldError.required((String) required));
            }
        }
        return errors;
    }

    private static void validate(JsonObject schema, Object value, String path, List<FieldError> errors) {
        if (value == null) {
            if (!schema.getBoolean("nullable", false)) {
                errors.add(FieldError.invalid(path, "null", path + " in body must be of type "
                        + schema.getString("type", "object") + ": \"null\""));
            }
            return;
        }
        if (schema.getBoolean("x-kubernetes-int-or-string", false)) {
            if (!(value instanceof String) && !isInteger(value)) {
                errors.add(FieldError.invalid(path, typeName(value),
                        path + " in body must be of type integer,string: \"" + typeName(value) + "\""));
            }
            return;
        }
        String type = schema.getString("type");
        if (type == null) {
            if (value instanceof JsonObject obj && schema.containsKey("properties")) {
                validateObject(schema, obj, path, errors);
            }
            return;
        }
        if (!hasType(value, type)) {
            errors.add(FieldError.invalid(path, typeName(value),
                    path + " in body must be of type " + type + ": \"" + typeName(value) + "\""));
            return;
        }
        JsonArray allowed = schema.getJsonArray("enum");
        if (allowed != null && !enumContains(allowed, value)) {
            errors.add(FieldError.unsupported(path, value, allowed.getList()));
            return;
        }
        switch (type) {
            case "integer", "number" -> validateNumber(schema, ((Number) value).doubleValue(), value, path, errors);
            case "string" -> validateString(schema, (String) value, path, errors);
            case "array" -> validateArray(schema, (JsonArray) value, path, errors);
            case "object" -> validateObject(schema, (JsonObject) value, path, errors);
            default -> {
            }
        }
    }

    private static void validateNumber(JsonObject schema, double n, Object raw, String path, List<FieldError> errors) {
        Number min = schema.getNumber("minimum");
        if (min != null) {
            boolean exclusive = schema.getBoolean("exclusiveMinimum", false);
            if (exclusive ? n <= min.doubleValue() : n < min.doubleValue()) {
                errors.add(FieldError.invalid(path, raw, path + " in body should be greater than "
                        + (exclusive ? "" : "or equal to ") + plain(min)));
            }
        }
        Number max = schema.getNumber("maximum");
        if (max != null) {
            boolean exclusive = schema.getBoolean("exclusiveMaximum", false);
            if (exclusive ? n >= max.doubleValue() : n > max.doubleValue()) {
                errors.add(FieldError.invalid(path, raw, path + " in body should be less than "
                        + (exclusive ? "" : "or equal to ") + plain(max)));
            }
        }
    }

    private static void validateString(JsonObject schema, String s, String path, List<FieldError> errors) {
        Integer minLength = schema.getInteger("minLength");
        if (minLength != null && s.length() < minLength) {
            errors.add(FieldError.invalid(path, s, path + " in body should be at least " + minLength + " chars long"));
        }
        Integer maxLength = schema.getInteger("maxLength");
        if (maxLength != null && s.length() > maxLength) {
            errors.add(FieldError.invalid(path, s, path + " in body should be at most " + maxLength + " chars long"));
        }
        String pattern = schema.getString("pattern");
        if (pattern != null && !Pattern.compile(pattern).matcher(s).find()) {
            errors.add(FieldError.invalid(path, s, path + " in body should match '" + pattern + "'"));
        }
    }

    private static void validateArray(JsonObject schema, JsonArray array, String path, List<FieldError> errors) {
        Integer minItems = schema.getInteger("minItems");
        if (minItems != null && array.size() < minItems) {
            errors.add(FieldError.invalid(path, array.size(),
                    path + " in body should have at least " + minItems + " items"));
        }
        Integer maxItems = schema.getInteger("maxItems");
        if (maxItems != null && array.size() > maxItems) {
            errors.add(FieldError.invalid(path, array.size(),
                    path + " in body should have at most " + maxItems + " items"));
        }
        JsonObject items = schema.getJsonObject("items");
        if (items != null) {
            for (int i = 0; i < array.size(); i++) {
                Object element = array.getValue(i);
                applyDefaultsTo(items, element);
                validate(items, element, path + "[" + i + "]", errors);
            }
        }
    }

    private static void validateObject(JsonObject schema, JsonObject obj, String path, List<FieldError> errors) {
        if (schema.getBoolean("x-kubernetes-embedded-resource", false)) {
            return; // an embedded object (e.g. a pod template) is validated by its own kind, not here
        }
        JsonObject properties = schema.getJsonObject("properties");
        Object additional = schema.getValue("additionalProperties");
        applyDefaultsTo(schema, obj);
        for (String field : new ArrayList<>(obj.fieldNames())) {
            Object value = obj.getValue(field);
            JsonObject fieldSchema = properties == null ? null : properties.getJsonObject(field);
            if (fieldSchema == null && additional instanceof JsonObject additionalSchema) {
                fieldSchema = additionalSchema;
            }
            if (fieldSchema == null) {
                boolean keep = preservesUnknown(schema) || Boolean.TRUE.equals(additional)
                        || (properties == null && additional == null && !"object".equals(schema.getString("type")));
                if (!keep) {
                    obj.remove(field);
                }
                continue;
            }
            if (value == null && !fieldSchema.getBoolean("nullable", false)) {
                obj.remove(field); // apiserver drops nulls of non-nullable fields before validating
                continue;
            }
            validate(fieldSchema, value, path + "." + field, errors);
        }
        for (Object required : schema.getJsonArray("required", new JsonArray())) {
            if (!obj.containsKey((String) required)) {
                errors.add(FieldError.required(path + "." + required));
            }
        }
    }

    private static void applyDefaultsTo(JsonObject schema, Object value) {
        if (value instanceof JsonObject obj && schema.getJsonObject("properties") != null) {
            applyDefaults(schema.getJsonObject("properties"), obj);
        }
    }

    private static void applyDefaults(JsonObject properties, JsonObject obj) {
        for (String field : properties.fieldNames()) {
            JsonObject fieldSchema = properties.getJsonObject(field);
            if (fieldSchema != null && fieldSchema.containsKey("default") && obj.getValue(field) == null) {
                Object dflt = fieldSchema.getValue("default");
                obj.put(field, dflt instanceof JsonObject o ? o.copy() : dflt instanceof JsonArray a ? a.copy() : dflt);
            }
        }
    }

    private static boolean preservesUnknown(JsonObject schema) {
        return schema.getBoolean("x-kubernetes-preserve-unknown-fields", false);
    }

    private static boolean hasType(Object value, String type) {
        return switch (type) {
            case "object" -> value instanceof JsonObject;
            case "array" -> value instanceof JsonArray;
            case "string" -> value instanceof String;
            case "boolean" -> value instanceof Boolean;
            case "integer" -> isInteger(value);
            case "number" -> value instanceof Number;
            default -> true;
        };
    }

    private static boolean isInteger(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return true;
        }
        return value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && !(value instanceof Double d && (d.isInfinite() || d.isNaN()));
    }

    private static String typeName(Object value) {
        if (value instanceof JsonObject) {
            return "object";
        }
        if (value instanceof JsonArray) {
            return "array";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof Number) {
            return isInteger(value) ? "integer" : "number";
        }
        return "null";
    }

    private static boolean enumContains(JsonArray allowed, Object value) {
        for (Object candidate : allowed) {
            if (candidate instanceof Number a && value instanceof Number b
                    ? a.doubleValue() == b.doubleValue() : candidate.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static String plain(Number n) {
        double d = n.doubleValue();
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
