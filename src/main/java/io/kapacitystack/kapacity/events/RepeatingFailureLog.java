package io.kapacitystack.kapacity.events;

import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.ReconcileContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Logs a failure that repeats on every sync of one object once per change: at WARN when it starts or its message
 * changes, at DEBUG while it stays the same, and once at INFO when the object recovers. A broken provider synced
 * every 15 s would otherwise write a WARN line every 15 s forever and bury everything else in the log.
 * Thread-safe; remembers at most {@value #MAX_OBJECTS} objects (the least recently failing are forgotten, which at
 * worst logs one more WARN).
 */
public final class RepeatingFailureLog {

    /** How one failure or recovery is logged. */
    public enum Level { WARN, DEBUG, INFO, NONE }

    static final int MAX_OBJECTS = 10_000;

    private final Map<ObjectKey, String> failing = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectKey, String> eldest) {
            return size() > MAX_OBJECTS;
        }
    };

    /** The level for this failure of {@code key}: WARN if it is new or says something new, DEBUG if it repeats. */
    public synchronized Level failed(ObjectKey key, String message) {
        String previous = failing.put(key, message);
        return message.equals(previous) ? Level.DEBUG : Level.WARN;
    }

    /** INFO if {@code key} was failing (it is forgotten), NONE if it was not. */
    public synchronized Level recovered(ObjectKey key) {
        return failing.remove(key) != null ? Level.INFO : Level.NONE;
    }

    /** The object is gone: nothing of it is kept. */
    public synchronized void forget(ObjectKey key) {
        failing.remove(key);
    }

    /** Logs {@code message} on the reconcile's logger at the level {@link #failed(ObjectKey, String)} gives. */
    public void failed(ReconcileContext ctx, String message) {
        if (failed(ctx.key(), message) == Level.WARN) {
            ctx.warn("{}", message);
        } else {
            ctx.debug("{} (unchanged since it was logged at WARN)", message);
        }
    }

    /** Logs at INFO that the failure of the reconcile's object is over, if there was one. */
    public void recovered(ReconcileContext ctx) {
        String was;
        synchronized (this) {
            was = failing.get(ctx.key());
        }
        if (recovered(ctx.key()) == Level.INFO) {
            ctx.info("recovered from: {}", was);
        }
    }
}
