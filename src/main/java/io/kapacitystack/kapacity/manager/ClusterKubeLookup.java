package io.kapacitystack.kapacity.manager;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.prometheus.KubeLookup;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The cluster facts the Prometheus provider needs: pod names from the controller's pod cache (as Kapacity reads its
 * informer), kind → resource from API discovery (cached), object names from a list call off the event loop.
 */
public final class ClusterKubeLookup implements KubeLookup {

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final ResourceCache<Pod> pods;
    private final Map<GroupKind, ResourceDefinitionContext> mappings = new ConcurrentHashMap<>();

    public ClusterKubeLookup(KubernetesClient client, KubeExecutor executor, ResourceCache<Pod> pods) {
        this.client = client;
        this.executor = executor;
        this.pods = pods;
    }

    @Override
    public Future<List<String>> podNames(String namespace, Selector selector) {
        List<Pod> candidates = namespace == null || namespace.isEmpty() ? pods.list() : pods.list(namespace);
        return Future.succeededFuture(candidates.stream().filter(p -> selector.matches(p.getMetadata().getLabels()))
                .map(p -> p.getMetadata().getName()).sorted().collect(Collectors.toList()));
    }

    @Override
    public Future<PrometheusConfig.GroupResource> resourceFor(GroupKind groupKind) {
        return context(groupKind).map(c -> new PrometheusConfig.GroupResource(c.getGroup(), c.getPlural()));
    }

    @Override
    public Future<List<String>> objectNames(GroupKind groupKind, String namespace, Selector selector) {
        return context(groupKind).compose(c -> executor.call(() -> {
            List<GenericKubernetesResource> items = namespace == null || namespace.isEmpty()
                    ? client.genericKubernetesResources(c).inAnyNamespace().list().getItems()
                    : client.genericKubernetesResources(c).inNamespace(namespace).list().getItems();
            return items.stream().filter(o -> selector.matches(o.getMetadata().getLabels()))
                    .map(o -> o.getMetadata().getName()).sorted().collect(Collectors.toList());
        }));
    }

    private Future<ResourceDefinitionContext> context(GroupKind gk) {
        ResourceDefinitionContext known = mappings.get(gk);
        if (known != null) {
            return Future.succeededFuture(known);
        }
        return executor.call(() -> {
            String group = gk.group() == null ? "" : gk.group();
            List<String> versions;
            if (group.isEmpty()) {
                versions = List.of("v1");
            } else {
                APIGroup apiGroup = client.getApiGroup(group);
                if (apiGroup == null) {
                    throw new MetricsException(MetricsException.Kind.NOT_FOUND, "failed to map kind \"" + gk.kind() + "\" to resource: no API group \"" + group + "\"");
                }
                versions = apiGroup.getVersions().stream().map(v -> v.getVersion()).collect(Collectors.toList());
            }
            for (String version : versions) {
                APIResourceList list = client.getApiResources(group.isEmpty() ? version : group + "/" + version);
                if (list == null) {
                    continue;
                }
                for (APIResource r : list.getResources()) {
                    if (gk.kind().equals(r.getKind()) && !r.getName().contains("/")) {
                        ResourceDefinitionContext c = new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version)
                                .withKind(gk.kind()).withPlural(r.getName()).withNamespaced(Boolean.TRUE.equals(r.getNamespaced())).build();
                        mappings.put(gk, c);
                        return c;
                    }
                }
            }
            throw new MetricsException(MetricsException.Kind.NOT_FOUND, "failed to map kind \"" + gk.kind() + "\" to resource: not served");
        });
    }
}
