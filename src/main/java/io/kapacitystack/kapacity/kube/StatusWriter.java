package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes the status of one of Kapacity's custom resources as upstream does: a full PUT to {@code /status} with the
 * resourceVersion read at the start (a concurrent change is a conflict and a retry), skipped when nothing changed,
 * and remembered in the cache so the next read sees it.
 */
public final class StatusWriter {

    static final int CONFLICT_RETRIES = 3;
    private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

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
        return put(client, executor, cache, type, updated, CONFLICT_RETRIES);
    }

    /**
     * A conflict means the object changed since it was read (often the controller's own previous write, not yet in
     * the cache): when its spec is unchanged (same generation) the status, which only this controller writes and
     * which was planned from that spec, is put again on a fresh read of the object. Without
     * this a failed generation's condition was lost for good (the write was best-effort and nothing retried it).
     */
    private static <P, S, T extends CustomResource<P, S>> Future<Void> put(KubernetesClient client, KubeExecutor executor,
                                                                         ResourceCache<GenericKubernetesResource> cache,
                                                                         Class<T> type, T updated, int retries) {
        KubernetesSerialization json = client.getKubernetesSerialization();
        String ns = updated.getMetadata().getNamespace();
        return executor.call(() -> client.resources(type).inNamespace(ns).resource(updated).updateStatus())
                .<Void>map(written -> {
                    cache.wrote(json.convertValue(written, GenericKubernetesResource.class));
                    return null;
                })
                .recover(e -> {
                    if (!KubeObjects.isConflict(e)) {
                        return Future.failedFuture(e);
                    }
                    if (retries <= 0) {
                        LOG.warn("status of {} {}/{} not written after {} conflicting attempts: {}", type.getSimpleName(), ns,
                                updated.getMetadata().getName(), CONFLICT_RETRIES + 1, KubeObjects.shortMessage(e));
                        return Future.failedFuture(e);
                    }
                    return executor.call(() -> client.resources(type).inNamespace(ns)
                                    .withName(updated.getMetadata().getName()).get())
                            .compose(fresh -> {
                                // a changed spec (generation) needs a new plan: the caller's retry makes it
                                if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), updated.getMetadata().getUid())
                                        || !Objects.equals(fresh.getMetadata().getGeneration(), updated.getMetadata().getGeneration())) {
                                    return Future.failedFuture(e);
                                }
                                fresh.setStatus(updated.getStatus());
                                return put(client, executor, cache, type, fresh, retries - 1);
                            });
                });
    }
}
