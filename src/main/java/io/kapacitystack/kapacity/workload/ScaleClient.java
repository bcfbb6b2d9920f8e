package io.kapacitystack.kapacity.workload;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Scalable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.kube.KubeNames;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads and writes the {@code scale} subresource of any scale target, always in the namespace of the object that
 * names it: the apps kinds through fabric8's typed clients, anything else (custom resources with a scale subresource)
 * through fabric8's generic client, its resource found by discovery.
 *
 * <p>A reference's apiVersion, kind and name are user input that becomes an API path: each is checked against its
 * Kubernetes format before any call (docs/security.md, "Scale targets stay in the IHPA's namespace"), and the path is
 * built by the client from the discovered resource, never from the reference's strings.
 */
public final class ScaleClient {

    private final KubernetesClient client;
    private final KubeExecutor executor;
    /** Resources found by discovery, by apiVersion and kind; only found ones are kept (a CRD may be added later). */
    private final Map<String, ResourceDefinitionContext> resources = new ConcurrentHashMap<>();

    public ScaleClient(KubernetesClient client, KubeExecutor executor) {
        this.client = client;
        this.executor = executor;
    }

    public Future<ScaleInfo> get(String namespace, CrossVersionObjectReference ref) {
        String problem = problem(namespace, ref);
        if (problem != null) {
            return Future.failedFuture(new InvalidTarget(problem));
        }
        return executor.call(() -> toInfo(read(namespace, ref), namespace, ref));
    }

    /** Sets spec.replicas; returns the scale as the API answered. */
    public Future<ScaleInfo> update(String namespace, CrossVersionObjectReference ref, int replicas) {
        String problem = problem(namespace, ref);
        if (problem != null) {
            return Future.failedFuture(new InvalidTarget(problem));
        }
        return executor.call(() -> toInfo(write(namespace, ref, replicas), namespace, ref));
    }

    /**
     * Why this reference cannot address a scale target in this namespace, or null if it can: each string must have
     * the format the API server gives it, so none can add a path segment, a query or a fragment to the request.
     */
    public static String problem(String namespace, CrossVersionObjectReference ref) {
        if (ref == null) {
            return "invalid scaleTargetRef: missing";
        }
        if (!KubeNames.isNamespace(namespace)) {
            return "invalid namespace " + KubeNames.quote(namespace);
        }
        if (ref.apiVersion != null && !ref.apiVersion.isEmpty() && !KubeNames.isApiVersion(ref.apiVersion)) {
            return "invalid scaleTargetRef.apiVersion " + KubeNames.quote(ref.apiVersion)
                    + ": must be a version or group/version (a DNS subdomain, '/', a DNS-1035 label)";
        }
        if (!KubeNames.isKind(ref.kind)) {
            return "invalid scaleTargetRef.kind " + KubeNames.quote(ref.kind)
                    + ": must be a kind (letters, digits and '-', starting with a letter, at most 63 characters)";
        }
        if (!KubeNames.isDnsSubdomain(ref.name)) {
            return "invalid scaleTargetRef.name " + KubeNames.quote(ref.name)
                    + ": must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)";
        }
        return null;
    }

    private Scale read(String ns, CrossVersionObjectReference ref) {
        try {
            return orNotFound(scaleOf(ns, ref).scale(), ns, ref);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                throw new TargetNotFound(describe(ref) + " not found in namespace \"" + ns + "\"");
            }
            throw e;
        }
    }

    private Scale write(String ns, CrossVersionObjectReference ref, int replicas) {
        Scale current = read(ns, ref);
        current.getSpec().setReplicas(replicas);
        return orNotFound(scaleOf(ns, ref).scale(current), ns, ref);
    }

    /** The target as a client resource in namespace {@code ns}: the path comes from the client, never from strings. */
    private Scalable<?> scaleOf(String ns, CrossVersionObjectReference ref) {
        if ("apps".equals(ref.group()) && "v1".equals(ref.version())) {
            switch (ref.kind) {
                case "StatefulSet": return client.apps().statefulSets().inNamespace(ns).withName(ref.name);
                case "Deployment": return client.apps().deployments().inNamespace(ns).withName(ref.name);
                case "ReplicaSet": return client.apps().replicaSets().inNamespace(ns).withName(ref.name);
                default: break;
            }
        }
        return client.genericKubernetesResources(resource(ref)).inNamespace(ns).withName(ref.name);
    }

    /**
     * The namespaced resource serving {@code ref}'s kind in its apiVersion, by discovery; refused (not guessed) when
     * discovery does not list it, when it is cluster-scoped, or when it has no scale subresource.
     */
    private ResourceDefinitionContext resource(CrossVersionObjectReference ref) {
        String groupVersion = ref.group().isEmpty() ? ref.version() : ref.group() + "/" + ref.version();
        ResourceDefinitionContext known = resources.get(groupVersion + "/" + ref.kind);
        if (known != null) {
            return known;
        }
        APIResourceList list;
        try {
            list = client.getApiResources(groupVersion);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            list = null;
        }
        APIResource found = null;
        boolean hasScale = false;
        for (APIResource r : list == null || list.getResources() == null ? List.<APIResource>of() : list.getResources()) {
            if (found == null && ref.kind.equals(r.getKind()) && !r.getName().contains("/")) {
                found = r;
            }
        }
        if (found == null) {
            throw new InvalidTarget("no matches for kind \"" + ref.kind + "\" in version \"" + groupVersion + "\"");
        }
        for (APIResource r : list.getResources()) {
            hasScale |= (found.getName() + "/scale").equals(r.getName());
        }
        if (!Boolean.TRUE.equals(found.getNamespaced())) {
            throw new InvalidTarget(ref.kind + " (" + groupVersion + ") is cluster-scoped: a scale target must be in the namespace of its autoscaler");
        }
        if (!hasScale) {
            throw new NoScaleSubresource(ref.kind + " (" + groupVersion + ") has no scale subresource");
        }
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(ref.group())
                .withVersion(ref.version()).withKind(ref.kind).withPlural(found.getName()).withNamespaced(true).build();
        resources.put(groupVersion + "/" + ref.kind, context);
        return context;
    }

    private static Scale orNotFound(Scale s, String ns, CrossVersionObjectReference ref) {
        if (s == null) {
            throw new TargetNotFound(describe(ref) + " not found in namespace \"" + ns + "\"");
        }
        return s;
    }

    private ScaleInfo toInfo(Scale s, String ns, CrossVersionObjectReference ref) {
        int spec = s.getSpec() == null || s.getSpec().getReplicas() == null ? 0 : s.getSpec().getReplicas();
        int status = s.getStatus() == null || s.getStatus().getReplicas() == null ? 0 : s.getStatus().getReplicas();
        String selector = s.getStatus() == null ? null : s.getStatus().getSelector();
        if ((selector == null || selector.isBlank()) && "apps".equals(ref.group())) {
            // Some API servers (and fabric8's mock) leave status.selector empty; the workload's own selector is the same.
            selector = workloadSelector(ns, ref);
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

    /** The reference cannot name a scale target here: a malformed string, an unknown or cluster-scoped kind. */
    public static final class InvalidTarget extends IllegalArgumentException {
        public InvalidTarget(String message) {
            super(message);
        }
    }

    /** The target's kind exists but cannot be scaled (no {@code /scale}): not to be reported as "not found". */
    public static final class NoScaleSubresource extends IllegalStateException {
        NoScaleSubresource(String message) {
            super(message);
        }
    }

    /** The scale target does not exist (as against one that exists without a usable scale). */
    public static final class TargetNotFound extends IllegalStateException {
        TargetNotFound(String message) {
            super(message);
        }
    }
}
