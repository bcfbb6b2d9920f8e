package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The simple JSONPath subset CRD printer columns use: {@code .spec.a.b}, {@code .status.items[0].x}. */
public final class JsonPaths {

    private JsonPaths() {
    }

    public static Object get(JsonObject root, String path) {
        Object current = root;
        for (String part : path.replaceFirst("^\\.", "").split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            String field = part;
            Integer index = null;
            int bracket = part.indexOf('[');
            if (bracket >= 0) {
                field = part.substring(0, bracket);
                index = Integer.parseInt(part.substring(bracket + 1, part.indexOf(']')));
            }
            if (!(current instanceof JsonObject o)) {
                return null;
            }
            current = o.getValue(field);
            if (index != null) {
                current = current instanceof JsonArray a && index < a.size() ? a.getValue(index) : null;
            }
        }
        return current;
    }
}
