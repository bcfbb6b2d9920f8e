package io.kapacitystack.kapacity.workload;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads and writes the {@code scale} subresource of any scale target: the apps kinds through fabric8's typed
 * clients, anything else (custom resources with a scale subresource) through discovery and the raw API.
 */
public final class ScaleClient {

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final Map<String, String> plurals = new ConcurrentHashMap<>();

    public ScaleClient(KubernetesClient client, KubeExecutor executor) {
        this.client = client;
        this.executor = executor;
    }

    public Future<ScaleInfo> get(String namespace, CrossVersionObjectReference ref) {
        return executor.call(() -> toInfo(read(namespace, ref), ref));
    }

    /** Sets spec.replicas; returns the scale as the API answered. */
    public Future<ScaleInfo> update(String namespace, CrossVersionObjectReference ref, int replicas) {
        return executor.call(() -> toInfo(write(namespace, ref, replicas), ref));
    }

    private Scale read(String ns, CrossVersionObjectReference ref) {
        try {
            return readScale(ns, ref);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                throw new TargetNotFound(describe(ref) + " not found in namespace \"" + ns + "\"");
            }
            throw e;
        }
    }

    private Scale readScale(String ns, CrossVersionObjectReference ref) {
        String kind = ref.kind;
        if ("apps".equals(ref.group())) {
            switch (kind) {
                case "StatefulSet": return orNotFound(client.apps().statefulSets().inNamespace(ns).withName(ref.name).scale(), ref);
                case "Deployment": return orNotFound(client.apps().deployments().inNamespace(ns).withName(ref.name).scale(), ref);
                case "ReplicaSet": return orNotFound(client.apps().replicaSets().inNamespace(ns).withName(ref.name).scale(), ref);
                default: break;
            }
        }
        String json = client.raw(scalePath(ns, ref), "GET", null);
        if (json == null) {
            throw new IllegalStateException(describe(ref) + " not found or has no scale subresource");
        }
        return client.getKubernetesSerialization().unmarshal(json, Scale.class);
    }

    private Scale write(String ns, CrossVersionObjectReference ref, int replicas) {
        Scale current = read(ns, ref);
        current.getSpec().setReplicas(replicas);
        if ("apps".equals(ref.group())) {
            switch (ref.kind) {
                case "StatefulSet": return client.apps().statefulSets().inNamespace(ns).withName(ref.name).scale(current);
                case "Deployment": return client.apps().deployments().inNamespace(ns).withName(ref.name).scale(current);
                case "ReplicaSet": return client.apps().replicaSets().inNamespace(ns).withName(ref.name).scale(current);
                default: break;
            }
        }
        String json = client.raw(scalePath(ns, ref), "PUT", current);
        if (json == null) {
            throw new IllegalStateException(describe(ref) + " not found or has no scale subresource");
        }
        return client.getKubernetesSerialization().unmarshal(json, Scale.class);
    }

    private static Scale orNotFound(Scale s, CrossVersionObjectReference ref) {
        if (s == null) {
            throw new TargetNotFound(describe(ref) + " not found");
        }
        return s;
    }

    private String scalePath(String ns, CrossVersionObjectReference ref) {
        String apiVersion = ref.apiVersion == null || ref.apiVersion.isBlank() ? "v1" : ref.apiVersion;
        String plural = plural(apiVersion, ref.kind);
        String base = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        return base + "/namespaces/" + ns + "/" + plural + "/" + ref.name + "/scale";
    }

    private String plural(String apiVersion, String kind) {
        return plurals.computeIfAbsent(apiVersion + "/" + kind, k -> {
            try {
                APIResourceList list = client.getApiResources(apiVersion);
                if (list != null) {
                    for (APIResource r : list.getResources()) {
                        if (kind.equals(r.getKind()) && !r.getName().contains("/")) {
                            return r.getName();
                        }
                    }
                }
            } catch (KubernetesClientException e) {
                // discovery unavailable: fall back to the conventional plural
            }
            String lower = kind.toLowerCase();
            return lower.endsWith("s") ? lower + "es" : lower.endsWith("y") ? lower.substring(0, lower.length() - 1) + "ies" : lower + "s";
        });
    }

    private ScaleInfo toInfo(Scale s, CrossVersionObjectReference ref) {
        int spec = s.getSpec() == null || s.getSpec().getReplicas() == null ? 0 : s.getSpec().getReplicas();
        int status = s.getStatus() == null || s.getStatus().getReplicas() == null ? 0 : s.getStatus().getReplicas();
        String selector = s.getStatus() == null ? null : s.getStatus().getSelector();
        if ((selector == null || selector.isBlank()) && "apps".equals(ref.group())) {
            // Some API servers (and fabric8's mock) leave status.selector empty; the workload's own selector is the same.
            selector = workloadSelector(s.getMetadata() == null ? null : s.getMetadata().getNamespace(), ref);
        }
        return new ScaleInfo(spec, status, selector);
    }

    private String workloadSelector(String ns, CrossVersionObjectReference ref) {
        if (ns == null) {
            return null;
        }
        LabelSelector selector = null;
        switch (ref.kind) {
            case "StatefulSet": {
                StatefulSet o = client.apps().statefulSets().inNamespace(ns).withName(ref.name).get();
                selector = o == null ? null : o.getSpec().getSelector();
                break;
            }
            case "Deployment": {
                Deployment o = client.apps().deployments().inNamespace(ns).withName(ref.name).get();
                selector = o == null ? null : o.getSpec().getSelector();
                break;
            }
            case "ReplicaSet": {
                ReplicaSet o = client.apps().replicaSets().inNamespace(ns).withName(ref.name).get();
                selector = o == null ? null : o.getSpec().getSelector();
                break;
            }
            default:
                break;
        }
        return selector == null ? null : LabelSelectors.format(selector);
    }

    private static String describe(CrossVersionObjectReference ref) {
        return ref.kind + " \"" + ref.name + "\"";
    }

    /** The scale target does not exist (as against one that exists without a usable scale). */
    public static final class TargetNotFound extends IllegalStateException {
        TargetNotFound(String message) {
            super(message);
        }
    }
}
