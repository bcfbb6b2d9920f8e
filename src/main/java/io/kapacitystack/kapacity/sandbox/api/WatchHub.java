package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Supplier;

/**
 * The sandbox API's watches, with a window of recent changes so a watch can start from a resourceVersion as on a
 * real API server. fabric8's store only streams what happens after a watch opens, so a client that lists, then
 * watches from the list's resourceVersion, missed whatever happened in between: {@code kubectl delete} waited
 * forever for a deletion that completed before its watch opened. Here a watch from resourceVersion N first gets
 * every change after N, then the live ones; one from a resourceVersion older than the window gets
 * {@code 410 Expired}, as from the API server, and its client lists again.
 *
 * <p>Changes are recorded and watches opened under this hub's monitor, and the store changes its map only inside
 * it too ({@link SandboxDispatcher#processEvent}), so a watch's start (its snapshot or replay) and the live stream
 * neither overlap nor leave a gap.
 */
final class WatchHub {

    /** Changes kept for watches that start from a resourceVersion (the API server's watch cache is of this order). */
    static final int DEFAULT_HISTORY = 4_096;

    /**
     * Bytes of object JSON the window may hold (before and after states together). Bounded by bytes as well as by
     * count: 4,096 deletions of 3 MiB objects would otherwise keep 12 GiB alive; the oldest changes go first, and a
     * watch from a version they held gets 410 Expired and lists again, as from the API server's watch cache.
     */
    static final long DEFAULT_HISTORY_BYTES = 64L * 1024 * 1024;

    /** One write to the store: the object before (null when created) and after (null when deleted). */
    private record Change(long resourceVersion, String group, String version, String resource, String before,
                          String after) {
        /** What the change holds in memory (two bytes a char: Java strings of non-Latin-1 text). */
        long bytes() {
            return 2L * ((before == null ? 0 : before.length()) + (after == null ? 0 : after.length()));
        }
    }

    private final int capacity;
    private final long maxBytes;
    private long bytes;
    private final ArrayDeque<Change> history = new ArrayDeque<>();
    private final Set<SandboxWatch> open = new CopyOnWriteArraySet<>();
    /** The newest resourceVersion whose change has left the window (0: none has). */
    private long forgottenThrough;
    private long newest;

    WatchHub(int capacity, long maxBytes) {
        this.capacity = Math.max(1, capacity);
        this.maxBytes = Math.max(1, maxBytes);
    }

    /**
     * Records a change and sends it to the watches that see it. {@code resourceVersion} is the one the change
     * gave the object (a deletion gets a new one, as on a real API server).
     */
    synchronized void record(ApiPath path, long resourceVersion, String before, String after) {
        Change change = new Change(resourceVersion, path.group(), path.version(), path.resource(), before, after);
        history.addLast(change);
        bytes += change.bytes();
        newest = Math.max(newest, resourceVersion);
        // the newest change stays even alone over the budget: live watches get it from here right now
        while (history.size() > capacity || (bytes > maxBytes && history.size() > 1)) {
            Change forgotten = history.removeFirst();
            bytes -= forgotten.bytes();
            forgottenThrough = Math.max(forgottenThrough, forgotten.resourceVersion());
        }
        Parsed parsed = null;
        for (SandboxWatch watch : open) {
            if (watch.watchesType(change.group(), change.version(), change.resource())) {
                parsed = parsed == null ? new Parsed(change) : parsed;
                deliver(watch, parsed);
            }
        }
    }

    /**
     * Opens a watch. {@code resourceVersion} null, empty or "0": it starts with an ADDED event for every object it
     * sees now ({@code current}: the stored objects of the watched type); otherwise with the changes after that
     * version, or an ERROR 410 event if they are no longer all kept. {@code sendInitialEvents=true} (a streaming
     * list): the ADDED events of the current objects, then a BOOKMARK marking their end.
     *
     * @param current the stored objects of the watched type, read under this hub's monitor
     * @param kind    the watched kind (for the BOOKMARK's object)
     */
    synchronized SandboxWatch open(ApiPath path, Supplier<Collection<String>> current,
                                   String kind) {
        SandboxWatch watch = new SandboxWatch(path, kind);
        watch.onEnd(() -> open.remove(watch));
        String from = path.query().get("resourceVersion");
        boolean initialEvents = "true".equals(path.query().get("sendInitialEvents"));
        if (initialEvents || from == null || from.isEmpty() || "0".equals(from)) {
            for (String object : current.get()) {
                JsonObject o = parse(object);
                if (watch.sees(o)) {
                    watch.offer(SandboxWatch.event("ADDED", object));
                }
            }
            if (initialEvents) {
                // a streaming list (client-go's WatchList): the bookmark tells the client its initial state is complete
                watch.offer(bookmark(watch, true));
            }
        } else {
            long version;
            try {
                version = Long.parseLong(from);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid resourceVersion \"" + from + "\"");
            }
            if (version < forgottenThrough) {
                watch.offer(SandboxWatch.event("ERROR", new JsonObject().put("kind", "Status").put("apiVersion", "v1")
                        .put("metadata", new JsonObject()).put("status", "Failure")
                        .put("message", "too old resource version: " + version + " (" + forgottenThrough + ")")
                        .put("reason", "Expired").put("code", 410).encode()));
                watch.endAfterQueued();
                return watch;
            }
            for (Change change : history) {
                if (change.resourceVersion() > version
                        && watch.watchesType(change.group(), change.version(), change.resource())) {
                    deliver(watch, new Parsed(change));
                }
            }
        }
        if (!watch.ended()) {
            open.add(watch);
        }
        return watch;
    }

    /**
     * Sends a BOOKMARK with the newest resourceVersion to every watch that allows them, so that a client whose
     * watched objects have not changed for a while can still resume from a recent version after a reconnect (instead
     * of from one the window has forgotten, which costs it a 410 and a new list).
     */
    synchronized void bookmarkAll() {
        for (SandboxWatch watch : open) {
            if (watch.allowsBookmarks()) {
                watch.offer(bookmark(watch, false));
            }
        }
    }

    private String bookmark(SandboxWatch watch, boolean initialEventsEnd) {
        JsonObject metadata = new JsonObject().put("resourceVersion", String.valueOf(newest));
        if (initialEventsEnd) {
            metadata.put("annotations", new JsonObject().put("k8s.io/initial-events-end", "true"));
        }
        return SandboxWatch.event("BOOKMARK", new JsonObject().put("kind", watch.kind())
                .put("apiVersion", watch.apiVersion()).put("metadata", metadata).encode());
    }

    /** Bytes the kept changes hold (see {@link Change#bytes()}). */
    synchronized long historyBytes() {
        return bytes;
    }

    /** The newest resourceVersion recorded. */
    synchronized long newest() {
        return newest;
    }

    int openWatches() {
        return open.size();
    }

    /** Ends every watch (the server is stopping). */
    void endAll() {
        List<SandboxWatch> all = new ArrayList<>(open);
        all.forEach(SandboxWatch::end);
    }

    /** What a watch sees of a change: ADDED, MODIFIED or DELETED (also when an object stops matching it). */
    private static void deliver(SandboxWatch watch, Parsed change) {
        boolean before = watch.sees(change.before);
        boolean after = watch.sees(change.after);
        if (before && after) {
            watch.offer(SandboxWatch.event("MODIFIED", change.change.after()));
        } else if (after) {
            watch.offer(SandboxWatch.event("ADDED", change.change.after()));
        } else if (before) {
            // as the API server: the object's last state, or its new state when it merely left the selector
            watch.offer(SandboxWatch.event("DELETED", change.after != null ? change.change.after()
                    : change.deletedState()));
        }
    }

    /** A change with its objects parsed once for all the watches it is matched against. */
    private static final class Parsed {
        final Change change;
        final JsonObject before;
        final JsonObject after;

        Parsed(Change change) {
            this.change = change;
            this.before = parse(change.before());
            this.after = parse(change.after());
        }

        /** The deleted object carrying the deletion's resourceVersion. */
        String deletedState() {
            JsonObject copy = before.copy();
            JsonObject metadata = copy.getJsonObject("metadata");
            if (metadata != null) {
                metadata.put("resourceVersion", String.valueOf(change.resourceVersion()));
            }
            return copy.encode();
        }
    }

    private static JsonObject parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }
}
