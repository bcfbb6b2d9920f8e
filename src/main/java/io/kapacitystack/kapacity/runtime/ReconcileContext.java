package io.kapacitystack.kapacity.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * One reconciliation: which object, which attempt, and a log prefix that correlates its lines.
 *
 * @param id      the controller's running number of this reconcile (in the log prefix)
 * @param attempt 0 for a first try, n for the n-th retry after failures
 * @param now     clock time when this reconcile started; planners use it as "now" so one reconcile sees one instant
 */
public record ReconcileContext(String controller, ObjectKey key, long id, int attempt, Instant now) {

    public void info(String format, Object... args) {
        Logger log = log();
        if (log.isInfoEnabled()) {
            log.info(prefix() + format, args);
        }
    }

    public void debug(String format, Object... args) {
        Logger log = log();
        if (log.isDebugEnabled()) {
            log.debug(prefix() + format, args);
        }
    }

    public void warn(String format, Object... args) {
        log().warn(prefix() + format, args);
    }

    /** The controller's logger (SLF4J keeps one per name). */
    private Logger log() {
        return LoggerFactory.getLogger("kapacity." + controller);
    }

    private String prefix() {
        return "[" + key + " #" + id + (attempt > 0 ? " retry " + attempt : "") + "] ";
    }
}
