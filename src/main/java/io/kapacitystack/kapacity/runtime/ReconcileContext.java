package io.kapacitystack.kapacity.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/** One reconciliation: which object, which attempt, and a log prefix that correlates its lines. */
public final class ReconcileContext {

    private final String controller;
    private final ObjectKey key;
    private final long id;
    private final int attempt;
    private final Instant startedAt;
    private final Logger log;

    public ReconcileContext(String controller, ObjectKey key, long id, int attempt, Instant startedAt) {
        this.controller = controller;
        this.key = key;
        this.id = id;
        this.attempt = attempt;
        this.startedAt = startedAt;
        this.log = LoggerFactory.getLogger("kapacity." + controller);
    }

    public String controller() {
        return controller;
    }

    public ObjectKey key() {
        return key;
    }

    /** 0 for a first try, n for the n-th retry after failures. */
    public int attempt() {
        return attempt;
    }

    /** Clock time when this reconcile started; planners use it as "now" so one reconcile sees one instant. */
    public Instant now() {
        return startedAt;
    }

    public void info(String format, Object... args) {
        if (log.isInfoEnabled()) {
            log.info(prefix() + format, args);
        }
    }

    public void debug(String format, Object... args) {
        if (log.isDebugEnabled()) {
            log.debug(prefix() + format, args);
        }
    }

    public void warn(String format, Object... args) {
        log.warn(prefix() + format, args);
    }

    private String prefix() {
        return "[" + key + " #" + id + (attempt > 0 ? " retry " + attempt : "") + "] ";
    }
}
