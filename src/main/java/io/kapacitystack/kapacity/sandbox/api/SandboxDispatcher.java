package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static io.kapacitystack.kapacity.sandbox.api.StoreRequests.gracePeriodSeconds;
import static io.kapacitystack.kapacity.sandbox.api.StoreRequests.request;

/**
 * fabric8's CRUD mock store with what a real kube-apiserver adds on top, so kubectl and controllers behave:
 * <ul>
 *   <li>timestamps (creation, deletion) from the injected {@link Clock}, not the wall clock;</li>
 *   <li>CRD schema defaulting, pruning and validation (422 with apiserver-style messages);</li>
 *   <li>status subresource semantics for built-in kinds (spec writes keep status, create clears it);</li>
 *   <li>all patch types computed here (JSON, merge, a simplified strategic merge, server-side apply as merge);</li>
 *   <li>the {@code /scale} subresource returning real {@code autoscaling/v1 Scale} objects;</li>
 *   <li>graceful pod deletion (pods carry {@link #KUBELET_FINALIZER}; a delete marks them Terminating and the
 *       kubelet emulation removes them later) and namespace deletion cascading to its objects;</li>
 *   <li>set-based label selectors and arbitrary field selectors on lists;</li>
 *   <li>mutating admission steps on create ({@link AdmissionStep}) and change notifications.</li>
 * </ul>
 */
public final class SandboxDispatcher extends KubernetesCrudDispatcher {

    /** Held by every pod until the kubelet emulation has "stopped its containers". */
    public static final String KUBELET_FINALIZER = "sandbox.kapacitystack.io/kubelet";

    /** Held by a Terminating namespace until its contents are gone (the namespace controller's "kubernetes"). */
    public static final String NAMESPACE_FINALIZER = "kubernetes";

    /** Whether an object was removed since the last garbage collection. */
    private volatile boolean removedSinceCollection = true;

    /** Built-in kinds that have a status subresource (spec writes must not change status). */
    private static final Set<String> BUILTIN_STATUS_RESOURCES = Set.of("pods", "deployments", "statefulsets",
            "replicasets", "daemonsets", "jobs", "cronjobs", "services", "ingresses", "horizontalpodautoscalers",
            "replicationcontrollers", "poddisruptionbudgets");

    private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final Clock clock;
    private final CustomResourceRegistry crds;
    private final Duration podTerminationGrace;
    private final List<AdmissionStep> admission = new CopyOnWriteArrayList<>();
    private final List<Consumer<ApiPath>> changeListeners = new CopyOnWriteArrayList<>();
    private final List<StoredObjectListener> objectListeners = new CopyOnWriteArrayList<>();
    private final ScaleSubresource scale = new ScaleSubresource(this);
    private final Random names = new Random();
    private final WatchHub watches;
    private final ObjectIndex index = new ObjectIndex();

    public SandboxDispatcher(Clock clock, CustomResourceRegistry crds, Duration podTerminationGrace) {
        this(clock, crds, podTerminationGrace, WatchHub.DEFAULT_HISTORY, WatchHub.DEFAULT_HISTORY_BYTES);
    }

    /** @param watchHistory changes kept for watches that start from a resourceVersion */
    SandboxDispatcher(Clock clock, CustomResourceRegistry crds, Duration podTerminationGrace, int watchHistory) {
        this(clock, crds, podTerminationGrace, watchHistory, WatchHub.DEFAULT_HISTORY_BYTES);
    }

    /**
     * @param watchHistory      changes kept for watches that start from a resourceVersion
     * @param watchHistoryBytes bytes of object JSON those changes may hold
     */
    SandboxDispatcher(Clock clock, CustomResourceRegistry crds, Duration podTerminationGrace, int watchHistory,
                      long watchHistoryBytes) {
        this.clock = clock;
        this.crds = crds;
        this.podTerminationGrace = podTerminationGrace;
        this.watches = new WatchHub(watchHistory, watchHistoryBytes);
    }

    public List<AdmissionStep> admission() {
        return admission;
    }

    public void addChangeListener(Consumer<ApiPath> listener) {
        changeListeners.add(listener);
    }

    /**
     * What an in-process cache needs to stay exactly current: each stored object's state before and after a write, as
     * served (what a GET answers), in the store's order (called inside the write, before its answer is sent, so a
     * writer that reads its cache afterwards sees its own write).
     */
    @FunctionalInterface
    public interface StoredObjectListener {
        /** @param before null when created; @param after null when removed */
        void stored(ApiPath path, String before, String after);
    }

    /** Adds a listener called for every stored change in order (keep it quick: the store waits for it). */
    public void addObjectListener(StoredObjectListener listener) {
        objectListeners.add(listener);
    }

    CustomResourceRegistry crds() {
        return crds;
    }

    Clock clock() {
        return clock;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        ApiPath path = ApiPath.parse(request.getPath());
        if (path == null) {
            return ApiStatus.response(404, "NotFound", "the server could not find the requested resource");
        }
        String body = request.getBody() == null ? "" : request.getUtf8Body();
        try {
            if ("scale".equals(path.subresource())) {
                return scale.handle(request.method(), path, body, request.getHeader("Content-Type"));
            }
            if ("resize".equals(path.subresource())) {
                // In-place pod resize (Kubernetes 1.33+): a patch of the pod's container resources.
                if (!path.isPods() || request.method() != HttpMethod.PATCH) {
                    return ApiStatus.response(405, "MethodNotAllowed", "resize supports PATCH of pods only");
                }
                return finish(path, request.method(), patch(ApiPath.parse(path.objectPath()), body, request.getHeader("Content-Type")));
            }
            MockResponse response = switch (request.method()) {
                case GET -> path.isWatch() ? ApiStatus.response(400, "BadRequest",
                        "watches are opened with openWatch, not dispatched")
                        : path.isCollection() ? list(path) : handleGet(request.getPath());
                case POST -> create(path, body);
                case PUT -> put(path, new JsonObject(body));
                case PATCH -> patch(path, body, request.getHeader("Content-Type"));
                case DELETE -> delete(path, body);
                default -> ApiStatus.response(405, "MethodNotAllowed", "method not allowed");
            };
            return Generationless.strip(path, finish(path, request.method(), response));
        } catch (InvalidObjectException e) {
            return e.response();
        } catch (DecodeException | IllegalArgumentException | UnsupportedOperationException | ClassCastException e) {
            // ClassCastException: a field of the wrong JSON type in the body (kube-apiserver's decoder says 400 too)
            return ApiStatus.response(400, "BadRequest", String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            return ApiStatus.internalError(e);
        }
    }

    // ---- reads ------------------------------------------------------------------------------------------

    private MockResponse list(ApiPath path) {
        String labelSelector = path.query().get("labelSelector");
        String fieldSelector = path.query().get("fieldSelector");
        MockResponse all = super.handleGet(path.collectionPath());
        if (all.code() != 200) {
            return all;
        }
        Predicate<Map<String, String>> labels = labelSelector == null ? l -> true
                : Selectors.parseLabelSelector(labelSelector);
        Predicate<JsonObject> fields = fieldSelector == null ? o -> true : Selectors.parseFieldSelector(fieldSelector);
        JsonObject list = new JsonObject(all.getBody().readUtf8());
        JsonArray kept = new JsonArray();
        for (Object item : list.getJsonArray("items", new JsonArray())) {
            JsonObject obj = (JsonObject) item;
            if (labels.test(Selectors.labelsOf(obj)) && fields.test(obj)) {
                kept.add(obj);
            }
        }
        // The store answers with a generic "List"; typed clients (kubectl describe's event lookup decodes an
        // EventList) want "<Kind>List", as the API server sends.
        String itemKind = list.getJsonArray("items", new JsonArray()).isEmpty() ? null
                : ((JsonObject) list.getJsonArray("items").getValue(0)).getString("kind");
        if ("List".equals(list.getString("kind")) && itemKind != null) {
            list.put("kind", itemKind + "List");
        }
        return ApiStatus.json(200, list.put("items", kept));
    }

    /**
     * Opens a watch on {@code path} ({@code ?watch=true} with its selectors and resourceVersion; see
     * {@link WatchHub#open}) of objects of {@code kind}.
     *
     * @throws IllegalArgumentException for a bad selector or resourceVersion
     */
    SandboxWatch openWatch(ApiPath path, String kind) {
        return watches.open(path, () -> {
            AttributeSet type = attributeExtractor.fromPath(path.collectionPath());
            List<String> objects = new ArrayList<>();
            synchronized (map) {
                map.forEach((key, object) -> {
                    if (key.matches(type)) {
                        objects.add(object);
                    }
                });
            }
            return objects;
        }, kind);
    }

    /** A BOOKMARK to every watch that allows them. */
    void bookmarkWatches() {
        watches.bookmarkAll();
    }

    /** Ends every open watch. */
    void endWatches() {
        watches.endAll();
    }

    int openWatches() {
        return watches.openWatches();
    }

    /** Bytes the watch history holds. */
    long watchHistoryBytes() {
        return watches.historyBytes();
    }

    private static long parseResourceVersion(JsonObject object) {
        try {
            return Long.parseLong(object.getJsonObject("metadata", new JsonObject()).getString("resourceVersion", "0"));
        } catch (NumberFormatException | ClassCastException e) {
            return 0;
        }
    }

    /** The stored object at {@code objectPath}, or null. */
    JsonObject read(String objectPath) {
        MockResponse r = handleGet(objectPath);
        return r.code() == 200 && r.getBody() != null ? new JsonObject(r.getBody().readUtf8()) : null;
    }

    /** One named object from the index (see {@link ObjectIndex}); collections and watches as fabric8 answers them. */
    @Override
    public MockResponse handleGet(String path) {
        AttributeSet query = attributeExtractor.fromPath(path);
        if (!ObjectIndex.answers(query) || path.contains("watch=")) {
            return super.handleGet(path);
        }
        ObjectIndex.Entry entry = index.find(query);
        return entry == null ? new MockResponse().setResponseCode(404) : new MockResponse().setResponseCode(200).setBody(entry.json());
    }

    /** What fabric8's create, update and delete look an object up with: the index, for a named object. */
    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
        if (!ObjectIndex.answers(attributes)) {
            return super.findResource(attributes);
        }
        ObjectIndex.Entry entry = index.find(attributes);
        return entry == null ? null : Map.entry(entry.attributes(), entry.json());
    }

    // ---- writes -----------------------------------------------------------------------------------------

    private MockResponse create(ApiPath path, String body) {
        if (path.namespace() != null && terminating(path.namespace())) {
            return ApiStatus.response(403, "Forbidden", "unable to create new content in namespace " + path.namespace()
                    + " because it is being terminated");
        }
        JsonObject object = new JsonObject(body);
        JsonObject metadata = object.getJsonObject("metadata");
        if (metadata == null) {
            object.put("metadata", metadata = new JsonObject());
        }
        if (metadata.getString("name", "").isEmpty() && !metadata.getString("generateName", "").isEmpty()) {
            metadata.put("name", metadata.getString("generateName") + randomSuffix());
        }
        String name = metadata.getValue("name") instanceof String n ? n : null;
        List<ApiStatus.FieldError> nameErrors = ObjectNames.validate(path, name);
        if (!nameErrors.isEmpty()) {
            return ApiStatus.invalid(path.group(), object.getValue("kind") instanceof String k ? k : path.resource(),
                    name == null ? "" : name, nameErrors);
        }
        for (AdmissionStep step : admission) {
            step.mutate(path, object);
        }
        if (path.isPods()) {
            JsonArray finalizers = metadata.getJsonArray("finalizers", new JsonArray());
            if (!finalizers.contains(KUBELET_FINALIZER)) {
                metadata.put("finalizers", finalizers.add(KUBELET_FINALIZER));
            }
        }
        return super.handleCreate(request(HttpMethod.POST, path.collectionPath(), object.encode(), null));
    }

    /** Every patch type is computed here and stored with an update, so all of them get the same treatment. */
    private MockResponse patch(ApiPath path, String body, String contentType) {
        String type = contentType == null ? Patches.JSON_PATCH : contentType.split(";")[0].trim();
        JsonObject current = read(path.objectPath());
        if (Patches.APPLY_PATCH.equals(type)) {
            JsonObject intent = new JsonObject(Serialization.asJson(Serialization.unmarshal(body, Map.class)));
            if (current == null) {
                return create(path.withName(null), intent.encode());
            }
            return put(path, (JsonObject) Patches.strategicMerge(current, intent));
        }
        if (current == null) {
            return ApiStatus.notFound(path);
        }
        if (Patches.STRATEGIC_MERGE_PATCH.equals(type) && !isBuiltin(path)) {
            // as kube-apiserver: custom resources have no patch strategies (kubectl patch needs --type merge or json)
            return ApiStatus.response(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                    + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                    + "application/apply-patch+yaml");
        }
        return put(path, Patches.apply(type, current, body));
    }

    private MockResponse put(ApiPath path, JsonObject updated) {
        String expected = updated.getJsonObject("metadata", new JsonObject()).getString("resourceVersion", "");
        if (!expected.isEmpty()) {
            // optimistic concurrency for every write, the status subresource too (a stale status write won before)
            JsonObject current = read(path.objectPath());
            String stored = current == null ? null : current.getJsonObject("metadata", new JsonObject()).getString("resourceVersion");
            if (stored != null && !stored.equals(expected)) {
                return ApiStatus.conflict(path.group(), path.resource(), path.name());
            }
        }
        String target = "status".equals(path.subresource()) ? path.objectPath() + "/status" : path.objectPath();
        return super.handleUpdate(request(HttpMethod.PUT, target, updated.encode(), null));
    }

    /** Stores {@code object} at its path (used by the scale subresource). */
    MockResponse write(ApiPath path, JsonObject object) {
        return put(path, object);
    }

    private MockResponse delete(ApiPath path, String body) {
        if (path.isCollection()) {
            return ApiStatus.response(405, "MethodNotAllowed", "deletecollection is not supported by the sandbox");
        }
        if (path.isPods() && gracePeriodSeconds(path, body) == 0) {
            forgetKubeletFinalizer(path);
        }
        if (path.group().isEmpty() && "namespaces".equals(path.resource()) && path.namespace() == null
                && path.name() != null && read(path.objectPath()) != null) {
            // as the namespace controller: Terminating while its contents go (their finalizers honoured), then gone
            markTerminating(path);
            deleteNamespaceContents(path.name());
            removedSinceCollection = true; // an empty namespace is released by the next collection
        }
        return super.handleDelete(path.objectPath());
    }

    /** The kubelet emulation (or a forced delete) lets a Terminating pod go. */
    public void forgetKubeletFinalizer(ApiPath podPath) {
        dropFinalizer(podPath.objectPath(), KUBELET_FINALIZER);
    }

    /** Removes one of the sandbox's own finalizers (an object marked for deletion then goes). */
    private void dropFinalizer(String objectPath, String finalizer) {
        JsonObject object = read(objectPath);
        if (object == null) {
            return;
        }
        JsonArray finalizers = object.getJsonObject("metadata").getJsonArray("finalizers", new JsonArray());
        if (finalizers.remove(finalizer)) {
            object.getJsonObject("metadata").remove("resourceVersion");
            super.handleUpdate(request(HttpMethod.PUT, objectPath, object.encode(), null));
        }
    }

    private void markTerminating(ApiPath namespacePath) {
        JsonObject ns = read(namespacePath.objectPath());
        JsonObject metadata = ns.getJsonObject("metadata");
        JsonArray finalizers = metadata.getJsonArray("finalizers", new JsonArray());
        if (!finalizers.contains(NAMESPACE_FINALIZER)) {
            metadata.put("finalizers", finalizers.add(NAMESPACE_FINALIZER));
        }
        ns.put("status", new JsonObject().put("phase", "Terminating"));
        metadata.remove("resourceVersion");
        super.handleUpdate(request(HttpMethod.PUT, namespacePath.objectPath(), ns.encode(), null));
    }

    private boolean terminating(String namespace) {
        JsonObject ns = read("/api/v1/namespaces/" + namespace);
        return ns != null && ns.getJsonObject("metadata", new JsonObject()).containsKey("deletionTimestamp");
    }

    private void deleteNamespaceContents(String namespace) {
        List<String> paths = new ArrayList<>();
        synchronized (map) {
            for (AttributeSet key : map.keySet()) {
                if (namespace.equals(attribute(key, "namespace")) && attribute(key, "name") != null
                        && attribute(key, "plural") != null) {
                    paths.add(objectPath(key));
                }
            }
        }
        // pods terminate gracefully, as any deleted pod (the namespace waits for them)
        paths.forEach(super::handleDelete);
    }

    static String objectPath(AttributeSet key) {
        String api = attribute(key, "api");
        String version = attribute(key, "version");
        String namespace = attribute(key, "namespace");
        return (api == null ? "/api/" + version : "/apis/" + api + "/" + version)
                + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + attribute(key, "plural") + "/"
                + attribute(key, "name");
    }

    /**
     * The garbage collector's background propagation: an object whose every owner (by uid) is gone is deleted, as
     * kube-controller-manager does, e.g. an IHPA's ReplicaProfile after the IHPA. Finalizers are honoured: the object is
     * marked for deletion and goes when they are released. A Terminating namespace with nothing left in it goes too.
     * Scans the store only after something was removed.
     */
    public void collectGarbage() {
        if (!removedSinceCollection) {
            return;
        }
        removedSinceCollection = false;
        // parsed outside the store's lock: a copy is taken in one step, so the API keeps answering meanwhile (holding
        // the lock while parsing every object blocked its event loop for seconds at 10,000 workloads)
        List<Map.Entry<AttributeSet, String>> stored;
        synchronized (map) {
            stored = new ArrayList<>(map.entrySet());
        }
        GarbageScan garbage = GarbageScan.of(stored);
        for (String namespace : garbage.emptyTerminatingNamespaces()) {
            dropFinalizer("/api/v1/namespaces/" + namespace, NAMESPACE_FINALIZER);
        }
        for (String objectPath : garbage.orphans()) {
            ApiPath path = ApiPath.parse(objectPath);
            if (path != null) {
                delete(path, null);
            }
        }
    }

    static String attribute(AttributeSet set, String key) {
        var attribute = set.getAttribute(key);
        return attribute == null || attribute.getValues().isEmpty() ? null
                : String.valueOf(attribute.getValues().iterator().next());
    }

    // ---- the store's write path: every create/update/delete passes here ----------------------------------

    @Override
    public void processEvent(String rawPath, AttributeSet pathAttributes, AttributeSet oldAttributes,
                             GenericKubernetesResource resource, String newState) {
        ApiPath path = ApiPath.parse(rawPath);
        GenericKubernetesResource storedResource = resource;
        String existing = oldAttributes == null ? null : map.get(oldAttributes);
        long resourceVersion = 0;
        if (newState != null && path != null) {
            JsonObject object = new JsonObject(newState);
            normalize(path, object, existing == null ? null : new JsonObject(existing));
            newState = object.encode();
            storedResource = null; // attributes are re-extracted from the normalized state
            resourceVersion = parseResourceVersion(object);
            if (resourceVersion <= 0) {
                resourceVersion = requestResourceVersion();
            }
        } else if (newState == null) {
            // fabric8 removes an object without a new resourceVersion; a watch resuming from a version taken before
            // the removal must see it, so the removal gets one (as on the API server)
            resourceVersion = requestResourceVersion();
            removedSinceCollection = true;
        }
        synchronized (watches) {
            super.processEvent(rawPath, pathAttributes, oldAttributes, storedResource, newState);
            index.stored(oldAttributes, newState == null ? null : storedAttributes(pathAttributes, storedResource, newState), newState);
            if (path != null && !Objects.equals(existing, newState)) {
                String before = Generationless.strip(path, existing);
                String after = Generationless.strip(path, newState);
                watches.record(path, resourceVersion, before, after);
                for (StoredObjectListener listener : objectListeners) {
                    listener.stored(path, before, after);
                }
            }
        }
        if (path != null) {
            if ("apiextensions.k8s.io".equals(path.group()) && "customresourcedefinitions".equals(path.resource())) {
                syncCrd(path, oldAttributes, newState);
            }
            changeListeners.forEach(l -> l.accept(path));
        }
    }

    /** The key fabric8's {@code processEvent} stores {@code newState} under (computed the same way). */
    private AttributeSet storedAttributes(AttributeSet pathAttributes, GenericKubernetesResource resource, String newState) {
        AttributeSet attributes = resource != null ? ((KubernetesAttributesExtractor) attributeExtractor).extract(resource)
                : attributeExtractor.fromResource(newState);
        return attributes.containsKey(KubernetesAttributesExtractor.PLURAL) ? attributes : AttributeSet.merge(pathAttributes, attributes);
    }

    private void normalize(ApiPath path, JsonObject object, JsonObject old) {
        JsonObject metadata = object.getJsonObject("metadata");
        Instant now = clock.now();
        if (!"status".equals(path.subresource())) {
            BuiltinDefaults.apply(path, object);
        }
        if (old == null) {
            metadata.put("creationTimestamp", Timestamps.format(now));
            if (BUILTIN_STATUS_RESOURCES.contains(path.resource()) && isBuiltin(path)) {
                object.remove("status");
            }
            if (path.group().isEmpty() && "namespaces".equals(path.resource())) {
                object.put("status", new JsonObject().put("phase", "Active"));
            }
        } else {
            JsonObject oldMetadata = old.getJsonObject("metadata");
            if (metadata.containsKey("deletionTimestamp") && !oldMetadata.containsKey("deletionTimestamp")) {
                long grace = path.isPods() ? podTerminationGrace.toSeconds() : 0;
                metadata.put("deletionTimestamp", Timestamps.format(now.plusSeconds(grace)));
                metadata.put("deletionGracePeriodSeconds", grace);
            }
            if (!"status".equals(path.subresource()) && BUILTIN_STATUS_RESOURCES.contains(path.resource())
                    && isBuiltin(path)) {
                if (old.containsKey("status")) {
                    object.put("status", old.getValue("status"));
                } else {
                    object.remove("status");
                }
            }
        }
        crds.find(path.group(), path.version(), path.resource()).ifPresent(crd -> {
            var errors = SchemaValidator.defaultPruneAndValidate(crd.schema(), object);
            if (!errors.isEmpty()) {
                throw new InvalidObjectException(ApiStatus.invalid(crd.group(), crd.kind(),
                        metadata.getString("name"), errors));
            }
        });
    }

    private void syncCrd(ApiPath path, AttributeSet oldAttributes, String newState) {
        if (newState != null) {
            crds.register(new JsonObject(newState));
        } else if (path.name() != null) {
            crds.unregister(path.name());
        } else if (oldAttributes != null) {
            crds.unregister(attribute(oldAttributes, "name"));
        }
    }

    private boolean isBuiltin(ApiPath path) {
        return crds.find(path.group(), path.version(), path.resource()).isEmpty();
    }

    // ---- responses ----------------------------------------------------------------------------------------

    /** Writes answer with the stored object (with defaults and clock timestamps); 404s get a Status body. */
    private MockResponse finish(ApiPath path, HttpMethod method, MockResponse response) {
        if (response == null) {
            return ApiStatus.response(500, "InternalError", "no response");
        }
        if (response.code() == 404 && (response.getBody() == null || response.getBody().size() == 0)) {
            return ApiStatus.notFound(path);
        }
        if (method == HttpMethod.GET || method == HttpMethod.DELETE || response.code() >= 300
                || response.getBody() == null || response.getBody().size() == 0) {
            return response;
        }
        byte[] bytes = response.getBody().getBytes();
        try {
            JsonObject written = new JsonObject(new String(bytes, StandardCharsets.UTF_8));
            String name = written.getJsonObject("metadata", new JsonObject()).getString("name");
            JsonObject stored = name == null ? null : read(path.withName(name).objectPath());
            int code = method == HttpMethod.POST ? 201 : 200;
            return stored == null ? response : ApiStatus.json(code, stored);
        } catch (DecodeException | ClassCastException e) {
            return response;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private String randomSuffix() {
        StringBuilder sb = new StringBuilder();
        synchronized (names) {
            for (int i = 0; i < 5; i++) {
                sb.append(NAME_ALPHABET.charAt(names.nextInt(NAME_ALPHABET.length())));
            }
        }
        return sb.toString();
    }
}
