package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One open watch: which objects it sees, and its events in the order the store made them. Events are queued from
 * whichever thread wrote to the store (in the store's order) and written out on the connection's own event loop,
 * so that a write made on that loop cannot overtake one queued earlier from another thread.
 */
final class SandboxWatch {

    /** Events a client may fall behind by before the watch is closed (the client then lists again). */
    static final int MAX_QUEUED = 20_000;

    private final String kind;
    private final String apiVersion;
    private final boolean bookmarks;
    private final String group;
    private final String version;
    private final String resource;
    private final String namespace;
    private final String name;
    private final Predicate<Map<String, String>> labels;
    private final Predicate<JsonObject> fields;

    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile Context context;
    private volatile Consumer<String> writer;
    private volatile Runnable ender;
    private volatile boolean endAfterDrain;
    private volatile boolean ended;
    private final List<Runnable> endActions = new CopyOnWriteArrayList<>();

    /**
     * @param kind the watched kind, for BOOKMARK events
     * @throws IllegalArgumentException if the path's label or field selector cannot be parsed
     */
    SandboxWatch(ApiPath path, String kind) {
        this.kind = kind;
        this.apiVersion = path.apiVersion();
        this.bookmarks = "true".equals(path.query().get("allowWatchBookmarks"));
        this.group = path.group();
        this.version = path.version();
        this.resource = path.resource();
        this.namespace = path.namespace();
        this.name = path.name();
        String labelSelector = path.query().get("labelSelector");
        String fieldSelector = path.query().get("fieldSelector");
        this.labels = labelSelector == null || labelSelector.isBlank() ? l -> true
                : Selectors.parseLabelSelector(labelSelector);
        this.fields = fieldSelector == null || fieldSelector.isBlank() ? o -> true
                : Selectors.parseFieldSelector(fieldSelector);
    }

    String kind() {
        return kind;
    }

    String apiVersion() {
        return apiVersion;
    }

    /** Whether the client asked for BOOKMARK events ({@code allowWatchBookmarks=true}). */
    boolean allowsBookmarks() {
        return bookmarks;
    }

    /** Whether changes to objects of this resource type can concern this watch (cheap, before any parsing). */
    boolean watchesType(String group, String version, String resource) {
        return this.resource.equals(resource) && this.group.equals(group) && this.version.equals(version);
    }

    /** Whether {@code object} (of the watched type) is one this watch sees. */
    boolean sees(JsonObject object) {
        if (object == null) {
            return false;
        }
        JsonObject metadata = object.getJsonObject("metadata", new JsonObject());
        if (namespace != null && !namespace.equals(metadata.getString("namespace"))) {
            return false;
        }
        if (name != null && !name.equals(metadata.getString("name"))) {
            return false;
        }
        return labels.test(Selectors.labelsOf(object)) && fields.test(object);
    }

    /** Queues one watch event line ({@code {"type":...,"object":...}}). */
    void offer(String line) {
        if (ended) {
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED) {
            // a client this far behind would hold the store's history in memory; a real API server drops it too
            end();
            return;
        }
        queue.add(line);
        scheduleDrain();
    }

    /** Sends what is queued, then ends the stream (an ERROR event for a watch that cannot start). */
    void endAfterQueued() {
        endAfterDrain = true;
        scheduleDrain();
    }

    /** Starts writing to the client: {@code writer} and {@code ender} are called on {@code context} only. */
    void attach(Context context, Consumer<String> writer, Runnable ender) {
        this.writer = writer;
        this.ender = ender;
        this.context = context;
        if (ended) { // ended before the connection was ready (end() could not reach it then)
            context.runOnContext(v -> ender.run());
        } else {
            scheduleDrain();
        }
    }

    /** Adds an action run once when the watch ends, whoever ends it. */
    void onEnd(Runnable action) {
        endActions.add(action);
    }

    boolean ended() {
        return ended;
    }

    /** Ends the watch (client gone, timeout, overflow); idempotent. */
    synchronized void end() {
        if (ended) {
            return;
        }
        ended = true;
        endActions.forEach(Runnable::run);
        Context c = context;
        if (c != null) {
            c.runOnContext(v -> ender.run());
        }
    }

    private void scheduleDrain() {
        Context c = context;
        if (c != null && drainScheduled.compareAndSet(false, true)) {
            c.runOnContext(v -> drain());
        }
    }

    private void drain() {
        drainScheduled.set(false);
        for (String line; (line = queue.poll()) != null; ) {
            queued.decrementAndGet();
            if (!ended) {
                writer.accept(line);
            }
        }
        if (endAfterDrain && queue.isEmpty()) {
            end();
        }
    }

    static String event(String type, String objectJson) {
        return "{\"type\":\"" + type + "\",\"object\":" + objectJson + "}";
    }
}
