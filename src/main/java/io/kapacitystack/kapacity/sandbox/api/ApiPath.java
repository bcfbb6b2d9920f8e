package io.kapacitystack.kapacity.sandbox.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes REST path taken apart: {@code /apis/apps/v1/namespaces/ns/statefulsets/nginx/scale?x=y}.
 * Group is "" for the core API ({@code /api/v1}).
 */
public record ApiPath(String group, String version, String namespace, String resource, String name,
                      String subresource, Map<String, String> query, String rawPath) {

    private static final Pattern RESOURCE_PATH = Pattern.compile(
            "^/(?:api|apis/(?<group>[^/]+))/(?<version>[^/]+)(?:/namespaces/(?<ns>[^/]+))?/(?<resource>[^/]+)"
                    + "(?:/(?<name>[^/]+))?(?:/(?<sub>[^/]+))?$");

    /** Returns null for paths that do not name a resource (discovery documents, /version, ...). */
    public static ApiPath parse(String uri) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Matcher m = RESOURCE_PATH.matcher(path);
        if (!m.matches()) {
            return null;
        }
        String group = m.group("group") == null ? "" : m.group("group");
        return new ApiPath(group, m.group("version"), m.group("ns"), m.group("resource"), m.group("name"),
                m.group("sub"), parseQuery(q < 0 ? "" : uri.substring(q + 1)), path);
    }

    public static Map<String, String> parseQuery(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** Whether this names core pods (the kind the kubelet emulation and its grace periods are about). */
    public boolean isPods() {
        return group.isEmpty() && "pods".equals(resource);
    }

    public boolean isCollection() {
        return name == null;
    }

    public boolean isWatch() {
        String w = query.get("watch");
        return "true".equals(w) || "1".equals(w);
    }

    /** The path of the named object itself, without subresource and query. */
    public String objectPath() {
        return collectionPath() + "/" + name;
    }

    public String collectionPath() {
        String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        return prefix + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + resource;
    }

    public ApiPath withName(String newName) {
        return new ApiPath(group, version, namespace, resource, newName, null, Map.of(), null);
    }
}
