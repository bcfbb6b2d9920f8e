package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * A watched, cached view of one kind: one fabric8 informer for all namespaces, or one per watched namespace.
 * Reconcilers read from here instead of the API. Objects this process has just written are remembered, so a read
 * right after a write never sees the older cached copy (the informer catches up a moment later).
 */
public final class ResourceCache<T extends HasMetadata> {

    private static final String CONTROLLER_INDEX = "controller-uid";

    private final List<SharedIndexInformer<T>> informers = new ArrayList<>();
    private final ConcurrentHashMap<ObjectKey, T> written = new ConcurrentHashMap<>();

    public <L extends KubernetesResourceList<T>, R extends Resource<T>> ResourceCache(MixedOperation<T, L, R> op,
                                                                List<String> namespaces, String labelSelector) {
        if (namespaces == null || namespaces.isEmpty()) {
            informers.add(filtered(op.inAnyNamespace(), labelSelector).runnableInformer(0));
        } else {
            for (String ns : namespaces) {
                informers.add(filtered(op.inNamespace(ns), labelSelector).runnableInformer(0));
            }
        }
    }

    private static <T extends HasMetadata, L extends KubernetesResourceList<T>, R extends Resource<T>> FilterWatchListDeletable<T, L, R> filtered(
            FilterWatchListDeletable<T, L, R> op, String labelSelector) {
        return labelSelector == null || labelSelector.isBlank() ? op : op.withLabelSelector(labelSelector);
    }

    /** Registers handlers; call before {@link #start()}. Handlers run on informer threads. */
    public ResourceCache<T> onEvent(Consumer<T> added, BiConsumer<T, T> updated, Consumer<T> deleted) {
        ResourceEventHandler<T> h = new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                added.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                written.computeIfPresent(ObjectKey.of(newObj), (k, w) -> newer(w, newObj) ? w : null);
                updated.accept(oldObj, newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                written.remove(ObjectKey.of(obj));
                deleted.accept(obj);
            }
        };
        informers.forEach(i -> i.addEventHandler(h));
        return this;
    }

    /** Indexes objects by the uid of their controller owner, for {@link #controlledBy(String)}; call before start. */
    public ResourceCache<T> indexByController() {
        informers.forEach(i -> i.addIndexers(Map.of(CONTROLLER_INDEX, ResourceCache::controllerUids)));
        return this;
    }

    /** The cached objects whose controller owner has this uid (needs {@link #indexByController()}). */
    public List<T> controlledBy(String uid) {
        List<T> out = new ArrayList<>();
        for (SharedIndexInformer<T> i : informers) {
            out.addAll(i.getIndexer().byIndex(CONTROLLER_INDEX, uid));
        }
        return out;
    }

    private static List<String> controllerUids(HasMetadata o) {
        if (o.getMetadata().getOwnerReferences() == null) {
            return List.of();
        }
        return o.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()) && r.getUid() != null)
                .map(r -> r.getUid()).toList();
    }

    /** Starts watching; completes once every informer has listed its objects. */
    public Future<Void> start() {
        informers.forEach(i -> i.exceptionHandler(ResourceCache::retryAfterException));
        CompletableFuture<?>[] started = informers.stream()
                .map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new);
        return Future.fromCompletionStage(CompletableFuture.allOf(started)).mapEmpty();
    }

    /**
     * Whether an informer tries again after a failure. fabric8's default gives up on a failed first list, so an API
     * server that is slow, restarting or briefly refusing at the manager's start (a timeout, a 5xx, a 429) made the
     * whole manager exit; client-go's reflectors keep listing with a backoff instead, and so do we (fabric8 logs each
     * retry and backs off exponentially). Once started, fabric8's own default rule stands unchanged. A first list
     * whose answer cannot be read as the kind is not retried: it would fail the same way forever.
     */
    static boolean retryAfterException(boolean started, Throwable failure) {
        if (started) {
            return !(failure instanceof WatcherException);
        }
        return !ExceptionHandler.isDeserializationException(failure);
    }

    public void stop() {
        informers.forEach(SharedIndexInformer::stop);
    }

    public T get(ObjectKey key) {
        T cached = null;
        for (SharedIndexInformer<T> i : informers) {
            cached = i.getStore().getByKey(key.namespace() + "/" + key.name());
            if (cached != null) {
                break;
            }
        }
        T mine = written.get(key);
        if (mine != null && (cached == null || newer(mine, cached))) {
            return mine;
        }
        return cached;
    }

    public List<T> list(String namespace) {
        List<T> out = new ArrayList<>();
        for (SharedIndexInformer<T> i : informers) {
            out.addAll(i.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace));
        }
        return out;
    }

    public List<T> list() {
        List<T> out = new ArrayList<>();
        for (SharedIndexInformer<T> i : informers) {
            out.addAll(i.getStore().list());
        }
        return out;
    }

    /** Remembers an object this process just wrote (as the API returned it). */
    public void wrote(T obj) {
        if (obj != null && obj.getMetadata() != null && obj.getMetadata().getResourceVersion() != null) {
            written.put(ObjectKey.of(obj), obj);
        }
    }

    public void forgetWritten(ObjectKey key) {
        written.remove(key);
    }

    /** resourceVersions are opaque, but every API server in practice issues increasing integers (etcd revisions). */
    static boolean newer(HasMetadata a, HasMetadata b) {
        try {
            return Long.parseLong(a.getMetadata().getResourceVersion()) > Long.parseLong(b.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
