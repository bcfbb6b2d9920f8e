package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes the status of one of Kapacity's custom resources as upstream does: a full PUT to {@code /status} with the
 * resourceVersion read at the start (a concurrent change is a conflict and a retry), skipped when nothing changed,
 * and remembered in the cache so the next read sees it.
 */
public final class StatusWriter {

    private StatusWriter() {
    }

    /**
     * @param create      a new, empty object of the kind
     * @param emptyStatus what an absent stored status counts as
     */
    public static <P, S, T extends CustomResource<P, S>> Future<Void> write(KubernetesClient client, KubeExecutor executor,
                                                                          ResourceCache<GenericKubernetesResource> cache,
                                                                          Class<T> type, Supplier<T> create,
                                                                          Supplier<S> emptyStatus, T current, S status) {
        KubernetesSerialization json = client.getKubernetesSerialization();
        Object stored = json.convertValue(current.getStatus() == null ? emptyStatus.get() : current.getStatus(), Map.class);
        if (Objects.equals(stored, json.convertValue(status, Map.class))) {
            return Future.succeededFuture();
        }
        T updated = create.get();
        updated.setMetadata(current.getMetadata());
        updated.setSpec(current.getSpec());
        updated.setStatus(status);
        return executor.call(() -> client.resources(type).inNamespace(current.getMetadata().getNamespace())
                        .resource(updated).updateStatus())
                .onSuccess(written -> cache.wrote(json.convertValue(written, GenericKubernetesResource.class)))
                .mapEmpty();
    }
}
