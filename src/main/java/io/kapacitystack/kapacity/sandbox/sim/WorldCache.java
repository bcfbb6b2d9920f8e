package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulator's copy of the objects it reads, kept exactly current by the embedded API's write path
 * ({@link io.kapacitystack.kapacity.sandbox.api.SandboxDispatcher#addObjectListener}) instead of being listed again on
 * every pass: what an informer's cache is to a real controller, without its lag (the store calls in before a write is
 * answered, so the simulator reads its own writes). Objects are kept as served JSON and decoded once per version,
 * when first read; {@link #snapshot()} is reused until something changes.
 */
final class WorldCache {

    /** The kinds the simulator reads, by API group and resource. */
    enum Kind {
        PODS("", "pods", Pod.class),
        STATEFULSETS("apps", "statefulsets", StatefulSet.class),
        DEPLOYMENTS("apps", "deployments", Deployment.class),
        REPLICASETS("apps", "replicasets", ReplicaSet.class),
        SERVICES("", "services", Service.class),
        INGRESSES("networking.k8s.io", "ingresses", Ingress.class),
        JOBS("batch", "jobs", Job.class),
        CRONJOBS("batch", "cronjobs", CronJob.class),
        REPLICATIONCONTROLLERS("", "replicationcontrollers", ReplicationController.class);

        final String group;
        final String resource;
        final Class<? extends HasMetadata> type;

        Kind(String group, String resource, Class<? extends HasMetadata> type) {
            this.group = group;
            this.resource = resource;
            this.type = type;
        }

        static Kind of(ApiPath path) {
            for (Kind kind : values()) {
                if (kind.group.equals(path.group()) && kind.resource.equals(path.resource())) {
                    return kind;
                }
            }
            return null;
        }

        static Kind of(HasMetadata object) {
            for (Kind kind : values()) {
                if (kind.type.isInstance(object)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("not a kind the simulator reads: " + object.getClass());
        }
    }

    /** One object as stored: its JSON and what the simulator indexes it by. */
    static final class Entry {
        final String json;
        final String namespace;
        final String uid;
        /** The uid of its controller owner, or null. */
        final String controllerUid;
        private volatile HasMetadata decoded;

        private Entry(String json, JsonObject parsed) {
            this.json = json;
            JsonObject metadata = parsed.getJsonObject("metadata", new JsonObject());
            this.namespace = metadata.getString("namespace", "");
            this.uid = metadata.getString("uid", "");
            String owner = null;
            for (Object ref : metadata.getJsonArray("ownerReferences", new JsonArray())) {
                if (ref instanceof JsonObject r && Boolean.TRUE.equals(r.getBoolean("controller"))) {
                    owner = r.getString("uid");
                    break;
                }
            }
            this.controllerUid = owner;
        }
    }

    /** A change of one cached object, told to the simulator so it can queue the work the change causes. */
    @FunctionalInterface
    interface ChangeListener {
        /** @param before null when created; @param after null when removed */
        void changed(Kind kind, String key, Entry before, Entry after);
    }

    private final KubernetesSerialization serialization;
    private final Map<Kind, Map<String, Entry>> byKind = new EnumMap<>(Kind.class);
    /** Objects that may own others, by uid: the work their dependents' changes cause. */
    private final Map<String, Work> ownersByUid = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> serviceKeysByNamespace = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();
    private final ChangeListener listener;
    private volatile World snapshot;
    private volatile long snapshotVersion = -1;

    WorldCache(KubernetesSerialization serialization, ChangeListener listener) {
        this.serialization = serialization;
        this.listener = listener;
        for (Kind kind : Kind.values()) {
            byKind.put(kind, new ConcurrentHashMap<>());
        }
    }

    static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    /** What the store tells: called in the store's order, from the API's threads. */
    void stored(ApiPath path, String before, String after) {
        Kind kind = Kind.of(path);
        String state = after != null ? after : before;
        if (kind == null || state == null) {
            return;
        }
        // the path of a create names the collection only: the object's own metadata names it
        JsonObject parsed = new JsonObject(state);
        JsonObject metadata = parsed.getJsonObject("metadata", new JsonObject());
        String key = key(metadata.getString("namespace", ""), metadata.getString("name", ""));
        Map<String, Entry> objects = byKind.get(kind);
        Entry old;
        Entry now = after == null ? null : new Entry(after, parsed);
        synchronized (this) {
            old = now == null ? objects.remove(key) : objects.put(key, now);
            index(kind, key, old, now);
            version.incrementAndGet();
        }
        listener.changed(kind, key, old, now);
    }

    /** Seeds one object listed before the store's changes reached this cache (those already here are newer). */
    void seed(HasMetadata object) {
        Kind kind = Kind.of(object);
        String key = key(object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace(),
                object.getMetadata().getName());
        String json = serialization.asJson(object);
        Entry entry = new Entry(json, new JsonObject(json));
        synchronized (this) {
            if (byKind.get(kind).putIfAbsent(key, entry) == null) {
                index(kind, key, null, entry);
                version.incrementAndGet();
            }
        }
    }

    private void index(Kind kind, String key, Entry old, Entry now) {
        if (old != null && (now == null || !old.uid.equals(now.uid))) {
            ownersByUid.remove(old.uid);
        }
        if (now != null && kind != Kind.PODS && kind != Kind.SERVICES && kind != Kind.INGRESSES) {
            ownersByUid.put(now.uid, new Work(kind, key));
        }
        if (kind == Kind.SERVICES) {
            String namespace = (now != null ? now : old).namespace;
            if (now != null) {
                serviceKeysByNamespace.computeIfAbsent(namespace, ns -> ConcurrentHashMap.newKeySet()).add(key);
            } else {
                serviceKeysByNamespace.getOrDefault(namespace, Set.of()).remove(key);
            }
        }
    }

    /** The work item of the owner with this uid, or null. */
    Work owner(String uid) {
        return uid == null ? null : ownersByUid.get(uid);
    }

    /** The Services of a namespace, as work items. */
    List<Work> servicesIn(String namespace) {
        List<Work> out = new ArrayList<>();
        for (String key : serviceKeysByNamespace.getOrDefault(namespace, Set.of())) {
            out.add(new Work(Kind.SERVICES, key));
        }
        return out;
    }

    /** Every cached object, as work items (a full resync). */
    List<Work> all() {
        List<Work> out = new ArrayList<>();
        byKind.forEach((kind, objects) -> objects.keySet().forEach(key -> out.add(new Work(kind, key))));
        return out;
    }

    /** A private copy of one object, free to change; null if it is gone. */
    <T extends HasMetadata> T fresh(Kind kind, String key, Class<T> type) {
        Entry entry = byKind.get(kind).get(key);
        return entry == null ? null : type.cast(serialization.unmarshal(entry.json, kind.type));
    }

    /**
     * Everything now, as a shared snapshot (the same instance until something changes). Built without holding up
     * the store: a change made while it is built may show in it or not, and makes the next call build again.
     */
    World snapshot() {
        long current = version.get();
        World last = snapshot;
        if (last != null && snapshotVersion == current) {
            return last;
        }
        World built = new World(list(Kind.PODS), list(Kind.STATEFULSETS), list(Kind.DEPLOYMENTS),
                list(Kind.REPLICASETS), list(Kind.SERVICES), list(Kind.INGRESSES), list(Kind.JOBS),
                list(Kind.CRONJOBS), list(Kind.REPLICATIONCONTROLLERS));
        synchronized (this) {
            snapshot = built;
            snapshotVersion = current;
        }
        return built;
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> List<T> list(Kind kind) {
        List<T> out = new ArrayList<>();
        for (Entry entry : byKind.get(kind).values()) {
            HasMetadata object = entry.decoded;
            if (object == null) {
                entry.decoded = object = serialization.unmarshal(entry.json, kind.type);
            }
            out.add((T) object);
        }
        return out;
    }

    /** One unit of the simulator's work: an object of a kind, by {@code namespace/name}. */
    record Work(Kind kind, String key) {

        static Work of(HasMetadata object) {
            String ns = object.getMetadata().getNamespace();
            return new Work(Kind.of(object), WorldCache.key(ns == null ? "" : ns, object.getMetadata().getName()));
        }
    }
}
