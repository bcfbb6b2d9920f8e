package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.Optional;

/**
 * A create or update body checked against its URL, as kube-apiserver's create and update handlers do
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go, update.go): a body of another API version or kind
 * than the URL's resource is refused with 400 (a {@code kind: Pod} POSTed to the IHPA URL is not stored as an IHPA),
 * a body without {@code apiVersion}/{@code kind} gets the URL's, and an update whose name differs from the URL's is
 * refused. Bodies that are not JSON objects pass unchanged: the store answers them with its own 400.
 *
 * @param body    the body to store (with apiVersion and kind filled in)
 * @param refusal the answer instead of storing it, or null
 */
record TypedBody(byte[] body, MockResponse refusal) {

    static TypedBody check(HttpMethod method, ApiPath path, byte[] body, Optional<String> expectedKind) {
        TypedBody unchanged = new TypedBody(body, null);
        boolean objectWrite = path.subresource() == null || "status".equals(path.subresource());
        if ((method != HttpMethod.POST && method != HttpMethod.PUT) || expectedKind.isEmpty() || !objectWrite) {
            return unchanged;
        }
        JsonObject object;
        try {
            if (!(Json.decodeValue(Buffer.buffer(body)) instanceof JsonObject o)) {
                return unchanged;
            }
            object = o;
        } catch (DecodeException e) {
            return unchanged;
        }
        String expectedVersion = path.apiVersion();
        Object apiVersion = object.getValue("apiVersion");
        Object kind = object.getValue("kind");
        if (apiVersion != null && !"".equals(apiVersion) && !expectedVersion.equals(apiVersion)) {
            return refuse("the API version in the data (" + apiVersion + ") does not match the expected API version ("
                    + expectedVersion + ")");
        }
        if (kind != null && !"".equals(kind) && !expectedKind.get().equals(kind)) {
            return refuse(kind + " in version \"" + path.version() + "\" cannot be handled as a " + expectedKind.get()
                    + ": the kind in the data is not the kind of the URL's resource");
        }
        if (method == HttpMethod.PUT && path.name() != null && object.getValue("metadata") instanceof JsonObject metadata
                && metadata.getValue("name") instanceof String name && !name.isEmpty() && !name.equals(path.name())) {
            return refuse("the name of the object (" + name + ") does not match the name on the URL (" + path.name() + ")");
        }
        if (apiVersion != null && kind != null && !"".equals(apiVersion) && !"".equals(kind)) {
            return unchanged;
        }
        object.put("apiVersion", expectedVersion).put("kind", expectedKind.get());
        return new TypedBody(object.toBuffer().getBytes(), null);
    }

    private static TypedBody refuse(String message) {
        return new TypedBody(null, ApiStatus.response(400, "BadRequest", message));
    }
}
