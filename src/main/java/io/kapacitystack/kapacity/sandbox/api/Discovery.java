package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The discovery documents kubectl needs before it does anything ({@code /version}, {@code /api},
 * {@code /api/v1}, {@code /apis}, {@code /apis/{group}}, {@code /apis/{group}/{version}}): the built-in resources
 * below plus every served version of the registered CRDs. Query strings such as {@code ?timeout=32s} are ignored.
 */
public final class Discovery {

    /** One built-in resource as discovery describes it. */
    private record Resource(String groupVersion, String plural, String singular, String kind, boolean namespaced,
                            List<String> shortNames, List<String> subresources, boolean inCategoryAll,
                            List<String> verbs) {
    }

    private static final List<String> ALL_VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");
    private static final List<String> READ_VERBS = List.of("get", "list");

    private static final List<Resource> BUILTIN = List.of(
            r("v1", "pods", "Pod", true, List.of("po"), List.of("status"), true),
            r("v1", "services", "Service", true, List.of("svc"), List.of("status"), true),
            r("v1", "endpoints", "Endpoints", true, List.of("ep"), List.of(), false),
            r("v1", "namespaces", "Namespace", false, List.of("ns"), List.of("status"), false),
            r("v1", "nodes", "Node", false, List.of("no"), List.of("status"), false),
            r("v1", "events", "Event", true, List.of("ev"), List.of(), false),
            r("v1", "configmaps", "ConfigMap", true, List.of("cm"), List.of(), false),
            r("v1", "secrets", "Secret", true, List.of(), List.of(), false),
            r("v1", "serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of(), false),
            r("v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"), List.of("status"), false),
            r("v1", "replicationcontrollers", "ReplicationController", true, List.of("rc"), List.of("scale", "status"), true),
            r("apps/v1", "deployments", "Deployment", true, List.of("deploy"), List.of("scale", "status"), true),
            r("apps/v1", "statefulsets", "StatefulSet", true, List.of("sts"), List.of("scale", "status"), true),
            r("apps/v1", "replicasets", "ReplicaSet", true, List.of("rs"), List.of("scale", "status"), true),
            r("apps/v1", "daemonsets", "DaemonSet", true, List.of("ds"), List.of("status"), true),
            r("apps/v1", "controllerrevisions", "ControllerRevision", true, List.of(), List.of(), false),
            r("batch/v1", "jobs", "Job", true, List.of(), List.of("status"), true),
            r("batch/v1", "cronjobs", "CronJob", true, List.of("cj"), List.of("status"), true),
            r("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"), List.of("status"), true),
            r("autoscaling/v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"), List.of("status"), true),
            r("events.k8s.io/v1", "events", "Event", true, List.of("ev"), List.of(), false),
            r("networking.k8s.io/v1", "ingresses", "Ingress", true, List.of("ing"), List.of("status"), false),
            r("networking.k8s.io/v1", "ingressclasses", "IngressClass", false, List.of(), List.of(), false),
            r("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", true, List.of("netpol"), List.of(), false),
            r("coordination.k8s.io/v1", "leases", "Lease", true, List.of(), List.of(), false),
            r("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", true, List.of(), List.of(), false),
            r("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"), List.of("status"), false),
            r("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false,
                    List.of("crd", "crds"), List.of("status"), false),
            r("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration",
                    false, List.of(), List.of(), false),
            r("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration",
                    false, List.of(), List.of(), false),
            r("rbac.authorization.k8s.io/v1", "roles", "Role", true, List.of(), List.of(), false),
            r("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true, List.of(), List.of(), false),
            r("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false, List.of(), List.of(), false),
            r("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false, List.of(), List.of(), false),
            new Resource("metrics.k8s.io/v1beta1", "pods", "", "PodMetrics", true, List.of(), List.of(), false, READ_VERBS),
            new Resource("metrics.k8s.io/v1beta1", "nodes", "", "NodeMetrics", false, List.of(), List.of(), false, READ_VERBS));

    private final CustomResourceRegistry crds;
    private final JsonObject version;

    public Discovery(CustomResourceRegistry crds, String gitVersion) {
        this.crds = crds;
        String[] parts = gitVersion.replaceFirst("^v", "").split("[.-]");
        this.version = new JsonObject().put("major", parts[0]).put("minor", parts[1]).put("gitVersion", gitVersion)
                .put("gitCommit", "0000000000000000000000000000000000000000").put("gitTreeState", "clean")
                .put("buildDate", "2024-01-01T00:00:00Z").put("goVersion", "go1.22.0").put("compiler", "gc")
                .put("platform", "linux/amd64");
    }

    /** The document for a non-resource path, if it is one. */
    public Optional<JsonObject> document(String pathWithQuery) {
        String path = pathWithQuery.split("\\?")[0];
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.equals("/version")) {
            return Optional.of(version);
        }
        if (path.equals("/api")) {
            return Optional.of(new JsonObject().put("kind", "APIVersions").put("versions", new JsonArray().add("v1"))
                    .put("serverAddressByClientCIDRs", new JsonArray()));
        }
        if (path.equals("/apis")) {
            JsonArray groups = new JsonArray();
            groupVersions().forEach((group, versions) -> groups.add(group(group, versions)));
            return Optional.of(new JsonObject().put("kind", "APIGroupList").put("apiVersion", "v1").put("groups", groups));
        }
        if (path.equals("/api/v1")) {
            return Optional.of(resourceList("v1"));
        }
        if (path.startsWith("/apis/")) {
            String[] parts = path.substring("/apis/".length()).split("/");
            Map<String, List<String>> groups = groupVersions();
            if (parts.length == 1 && groups.containsKey(parts[0])) {
                return Optional.of(group(parts[0], groups.get(parts[0])).put("kind", "APIGroup").put("apiVersion", "v1"));
            }
            if (parts.length == 2 && groups.getOrDefault(parts[0], List.of()).contains(parts[1])) {
                return Optional.of(resourceList(parts[0] + "/" + parts[1]));
            }
        }
        return Optional.empty();
    }

    /**
     * Minimal OpenAPI v3 documents ({@code /openapi/v3} and {@code /openapi/v3/api/v1}, {@code /openapi/v3/apis/g/v}):
     * each resource's PATCH operation with its {@code fieldValidation} parameter, which is what kubectl checks to
     * leave validation to the server instead of downloading the (protobuf) v2 schema, and the CRDs' schemas, which
     * {@code kubectl explain} reads.
     */
    public Optional<JsonObject> openApiV3(String pathWithQuery) {
        String path = pathWithQuery.split("\\?")[0];
        if (path.equals("/openapi/v3")) {
            JsonObject paths = new JsonObject();
            List<String> gvs = new ArrayList<>(List.of("v1"));
            groupVersions().forEach((g, versions) -> versions.forEach(v -> gvs.add(g + "/" + v)));
            for (String gv : gvs) {
                String key = gv.equals("v1") ? "api/v1" : "apis/" + gv;
                String hash = Integer.toHexString(gvDocument(gv).encode().hashCode());
                paths.put(key, new JsonObject().put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash));
            }
            return Optional.of(new JsonObject().put("paths", paths));
        }
        if (path.startsWith("/openapi/v3/api/v1")) {
            return Optional.of(gvDocument("v1"));
        }
        if (path.startsWith("/openapi/v3/apis/")) {
            return Optional.of(gvDocument(path.substring("/openapi/v3/apis/".length())));
        }
        return Optional.empty();
    }

    private JsonObject gvDocument(String groupVersion) {
        JsonObject paths = new JsonObject();
        String group = groupVersion.contains("/") ? groupVersion.split("/")[0] : "";
        String version = groupVersion.contains("/") ? groupVersion.split("/")[1] : groupVersion;
        String prefix = group.isEmpty() ? "/api/v1" : "/apis/" + groupVersion;
        for (Object o : resourceList(groupVersion).getJsonArray("resources")) {
            JsonObject r = (JsonObject) o;
            String name = r.getString("name");
            if (name.contains("/")) {
                continue;
            }
            String p = prefix + (r.getBoolean("namespaced") ? "/namespaces/{namespace}/" : "/") + name + "/{name}";
            JsonObject gvk = new JsonObject().put("group", group).put("version", version).put("kind", r.getString("kind"));
            JsonArray parameters = new JsonArray();
            for (String q : List.of("dryRun", "fieldManager", "fieldValidation", "force")) {
                parameters.add(new JsonObject().put("name", q).put("in", "query").put("schema", new JsonObject().put("type", "string")));
            }
            paths.put(p, new JsonObject().put("patch", new JsonObject()
                    .put("operationId", "patch" + r.getString("kind"))
                    .put("x-kubernetes-group-version-kind", gvk)
                    .put("parameters", parameters)
                    .put("responses", new JsonObject().put("200", new JsonObject().put("description", "OK")))));
        }
        // as kube-apiserver publishes a CRD's schema (what kubectl explain reads): named by the reversed group,
        // version and kind, and tagged with its group-version-kind
        JsonObject schemas = new JsonObject();
        for (var crd : crds.all()) {
            if (crd.apiVersion().equals(groupVersion) && crd.schema() != null) {
                List<String> reversed = new ArrayList<>(List.of(crd.group().split("\\.")));
                Collections.reverse(reversed);
                schemas.put(String.join(".", reversed) + "." + crd.version() + "." + crd.kind(), crd.schema().copy()
                        .put("x-kubernetes-group-version-kind", new JsonArray().add(new JsonObject()
                                .put("group", crd.group()).put("version", crd.version()).put("kind", crd.kind()))));
            }
        }
        return new JsonObject().put("openapi", "3.0.0")
                .put("info", new JsonObject().put("title", "Kubernetes").put("version", "v1.30.0"))
                .put("paths", paths).put("components", new JsonObject().put("schemas", schemas));
    }

    /** Group name to versions, preferred version first. */
    private Map<String, List<String>> groupVersions() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Resource r : BUILTIN) {
            if (r.groupVersion().contains("/")) {
                String[] gv = r.groupVersion().split("/");
                out.computeIfAbsent(gv[0], k -> new LinkedHashSet<>()).add(gv[1]);
            }
        }
        for (var crd : crds.all()) {
            out.computeIfAbsent(crd.group(), k -> new LinkedHashSet<>()).add(crd.version());
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        out.forEach((k, v) -> result.put(k, new ArrayList<>(v)));
        return result;
    }

    private static JsonObject group(String name, List<String> versions) {
        JsonArray list = new JsonArray();
        versions.forEach(v -> list.add(new JsonObject().put("groupVersion", name + "/" + v).put("version", v)));
        return new JsonObject().put("name", name).put("versions", list).put("preferredVersion", list.getJsonObject(0));
    }

    /** The kind served at {@code apiVersion}'s {@code plural}, if the sandbox serves it. */
    Optional<String> kindOf(String apiVersion, String plural) {
        for (Resource r : BUILTIN) {
            if (r.groupVersion().equals(apiVersion) && r.plural().equals(plural)) {
                return Optional.of(r.kind());
            }
        }
        return crds.all().stream().filter(crd -> crd.apiVersion().equals(apiVersion) && crd.plural().equals(plural))
                .map(crd -> crd.kind()).findFirst();
    }

    private JsonObject resourceList(String groupVersion) {
        JsonArray resources = new JsonArray();
        for (Resource r : BUILTIN) {
            if (r.groupVersion().equals(groupVersion)) {
                resources.add(resource(r.plural(), r.singular(), r.kind(), r.namespaced(), r.verbs(), r.shortNames(),
                        r.inCategoryAll() ? List.of("all") : List.of()));
                for (String sub : r.subresources()) {
                    resources.add(subresource(r.plural(), sub, r.kind(), r.namespaced()));
                }
            }
        }
        for (var crd : crds.all()) {
            if (crd.apiVersion().equals(groupVersion)) {
                resources.add(resource(crd.plural(), crd.singular(), crd.kind(), crd.namespaced(), ALL_VERBS,
                        crd.shortNames(), crd.categories()));
                if (crd.statusSubresource()) {
                    resources.add(subresource(crd.plural(), "status", crd.kind(), crd.namespaced()));
                }
                if (crd.scaleSubresource() != null) {
                    resources.add(subresource(crd.plural(), "scale", crd.kind(), crd.namespaced()));
                }
            }
        }
        return new JsonObject().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion).put("resources", resources);
    }

    private static JsonObject resource(String plural, String singular, String kind, boolean namespaced,
                                       List<String> verbs, List<String> shortNames, List<String> categories) {
        JsonObject o = new JsonObject().put("name", plural).put("singularName", singular).put("namespaced", namespaced)
                .put("kind", kind).put("verbs", new JsonArray(verbs));
        if (!shortNames.isEmpty()) {
            o.put("shortNames", new JsonArray(shortNames));
        }
        if (!categories.isEmpty()) {
            o.put("categories", new JsonArray(categories));
        }
        return o;
    }

    private static JsonObject subresource(String plural, String sub, String kind, boolean namespaced) {
        JsonObject o = new JsonObject().put("name", plural + "/" + sub).put("singularName", "")
                .put("namespaced", namespaced).put("verbs", new JsonArray(List.of("get", "patch", "update")));
        if (sub.equals("scale")) {
            o.put("group", "autoscaling").put("version", "v1").put("kind", "Scale");
        } else {
            o.put("kind", kind);
        }
        return o;
    }

    private static Resource r(String gv, String plural, String kind, boolean namespaced, List<String> shortNames,
                              List<String> subresources, boolean all) {
        return new Resource(gv, plural, kind.toLowerCase(), kind, namespaced, shortNames, subresources, all, ALL_VERBS);
    }
}
