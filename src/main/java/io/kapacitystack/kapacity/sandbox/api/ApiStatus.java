package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** meta/v1 Status bodies shaped like the real API server's, so kubectl and fabric8 print the usual errors. */
public final class ApiStatus {

    private static final Logger LOG = LoggerFactory.getLogger(ApiStatus.class);

    private ApiStatus() {
    }

    /**
     * 500 in kube-apiserver's words. The cause goes to the sandbox's log, not to the client: a Java exception's text
     * (class names, internals) is not an API answer.
     */
    public static MockResponse internalError(RuntimeException cause) {
        LOG.warn("sandbox API: internal error", cause);
        return response(500, "InternalError", "Internal error occurred: the sandbox API could not handle this request "
                + "(its log has the cause)");
    }

    public static MockResponse response(int code, String reason, String message) {
        return json(code, status(code, reason, message));
    }

    public static MockResponse json(int code, JsonObject body) {
        return new MockResponse().setResponseCode(code)
                .setHeader("Content-Type", "application/json")
                .setBody(body.encode());
    }

    public static JsonObject status(int code, String reason, String message) {
        return new JsonObject()
                .put("kind", "Status").put("apiVersion", "v1").put("metadata", new JsonObject())
                .put("status", code < 400 ? "Success" : "Failure")
                .put("message", message).put("reason", reason).put("code", code);
    }

    /** 409 for a write from a stale resourceVersion, worded as kube-apiserver does (kubectl retries or says so). */
    public static MockResponse conflict(String group, String resource, String name) {
        String qualified = group == null || group.isEmpty() ? resource : resource + "." + group;
        JsonObject body = status(409, "Conflict", "Operation cannot be fulfilled on " + qualified + " \"" + name
                + "\": the object has been modified; please apply your changes to the latest version and try again");
        body.put("details", new JsonObject().put("name", name).put("group", group == null ? "" : group).put("kind", resource));
        return json(409, body);
    }

    /** 422 with the field causes, e.g. {@code The Foo "x" is invalid: spec.a: Invalid value: -1: ...}. */
    public static MockResponse invalid(String group, String kind, String name, List<FieldError> errors) {
        String joined = errors.size() == 1 ? errors.get(0).toString()
                : "[" + String.join(", ", errors.stream().map(FieldError::toString).toList()) + "]";
        JsonArray causes = new JsonArray();
        errors.forEach(e -> causes.add(new JsonObject()
                .put("reason", e.reason()).put("message", e.detail()).put("field", e.field())));
        JsonObject body = status(422, "Invalid",
                "The " + kind + " \"" + name + "\" is invalid: " + joined)
                .put("details", new JsonObject().put("name", name).put("group", group).put("kind", kind)
                        .put("causes", causes));
        return json(422, body);
    }

    /** One field-level error in the apiserver's wording; {@code toString()} is the text kubectl prints. */
    public record FieldError(String field, String reason, String detail) {

        public static FieldError invalid(String field, Object value, String why) {
            return new FieldError(field, "FieldValueInvalid",
                    "Invalid value: " + render(value) + ": " + why);
        }

        public static FieldError required(String field) {
            return new FieldError(field, "FieldValueRequired", "Required value");
        }

        public static FieldError unsupported(String field, Object value, List<?> supported) {
            return new FieldError(field, "FieldValueNotSupported", "Unsupported value: " + render(value)
                    + ": supported values: " + String.join(", ", supported.stream().map(ApiStatus::quote).toList()));
        }

        @Override
        public String toString() {
            return field + ": " + detail;
        }
    }

    static String render(Object value) {
        if (value instanceof String s) {
            return quote(s);
        }
        if (value instanceof JsonObject) {
            return "\"object\"";
        }
        if (value instanceof JsonArray) {
            return "\"array\"";
        }
        return String.valueOf(value);
    }

    private static String quote(Object s) {
        return s instanceof String ? "\"" + s + "\"" : String.valueOf(s);
    }

    /** kube-apiserver's 404 for an object: a Status naming the resource and the object. */
    static MockResponse notFound(ApiPath path) {
        String resource = path.group().isEmpty() ? path.resource() : path.resource() + "." + path.group();
        return json(404, status(404, "NotFound", resource + " \"" + path.name() + "\" not found")
                .put("details", new JsonObject().put("name", path.name()).put("group", path.group())
                        .put("kind", path.resource())));
    }
}
