package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The served versions of every CustomResourceDefinition stored in the embedded API (kept in step with the store,
 * so CRDs applied with kubectl are picked up too): what discovery lists, what the validator checks against, which
 * resources have /status and /scale subresources.
 */
public final class CustomResourceRegistry {

    /** One served version of one CRD. Paths of the scale subresource are JSON paths like {@code .spec.replicas}. */
    public record ServedVersion(String group, String version, String kind, String plural, String singular,
                                List<String> shortNames, List<String> categories, boolean namespaced,
                                JsonObject schema, boolean statusSubresource, JsonObject scaleSubresource,
                                JsonArray printerColumns) {
        public String apiVersion() {
            return group + "/" + version;
        }
    }

    private final Map<String, List<ServedVersion>> byCrdName = new ConcurrentHashMap<>();

    /** Registers (or replaces) every served version of an apiextensions.k8s.io/v1 CRD given as JSON. */
    public void register(JsonObject crd) {
        JsonObject spec = crd.getJsonObject("spec", new JsonObject());
        JsonObject names = spec.getJsonObject("names", new JsonObject());
        List<ServedVersion> versions = new ArrayList<>();
        for (Object v : spec.getJsonArray("versions", new JsonArray())) {
            JsonObject version = (JsonObject) v;
            if (!version.getBoolean("served", true)) {
                continue;
            }
            JsonObject subresources = version.getJsonObject("subresources", new JsonObject());
            JsonObject schema = version.getJsonObject("schema", new JsonObject())
                    .getJsonObject("openAPIV3Schema", new JsonObject().put("x-kubernetes-preserve-unknown-fields", true));
            versions.add(new ServedVersion(spec.getString("group"), version.getString("name"), names.getString("kind"),
                    names.getString("plural"), names.getString("singular", names.getString("kind", "").toLowerCase()),
                    strings(names.getJsonArray("shortNames")), strings(names.getJsonArray("categories")),
                    !"Cluster".equals(spec.getString("scope")), schema, subresources.containsKey("status"),
                    subresources.getJsonObject("scale"),
                    version.getJsonArray("additionalPrinterColumns", new JsonArray())));
        }
        byCrdName.put(crd.getJsonObject("metadata").getString("name"), versions);
    }

    public void unregister(String crdName) {
        byCrdName.remove(crdName);
    }

    public Optional<ServedVersion> find(String group, String version, String plural) {
        return all().stream()
                .filter(v -> v.group().equals(group) && v.version().equals(version) && v.plural().equals(plural))
                .findFirst();
    }

    public Optional<ServedVersion> findByKind(String apiVersion, String kind) {
        return all().stream().filter(v -> v.apiVersion().equals(apiVersion) && v.kind().equals(kind)).findFirst();
    }

    public List<ServedVersion> all() {
        List<ServedVersion> out = new ArrayList<>();
        byCrdName.values().forEach(out::addAll);
        return out;
    }

    private static List<String> strings(JsonArray array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }
}
