package io.kapacitystack.kapacity.runtime;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A keyed work queue with its workers, in the manner of client-go's: a key waiting in the queue is there once however
 * often it was added; a key being reconciled is never reconciled again until that run ends (adds in the meantime mark
 * it dirty, and it runs once more afterwards); failures back off exponentially per key; a reconcile can ask to run
 * again at an exact clock instant. All state lives on one Vert.x context, so nothing here needs a lock.
 *
 * <p>Two guards keep one object from eating the controller: a wake-up that follows a wake-up (a reconcile started by
 * its own timer asking for another) comes no sooner than {@link #DEFAULT_WAKE_FLOOR} of the clock after the previous
 * one, so a plan whose next instant is always "now" (e.g. a cron {@code @every 1s} whose boundary the clock just
 * reached) cannot spin; and a failure that repeats with the same message is logged at WARN once, then at DEBUG,
 * and the recovery once at INFO. Reconciles started by watch events are never delayed: they follow real changes.
 */
public final class Controller {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    private static final long STOP_GRACE_MILLIS = 10_000;
    /** The least clock time between two timer wake-ups of one object (client-go has no such floor; see the class doc). */
    public static final Duration DEFAULT_WAKE_FLOOR = Duration.ofSeconds(1);

    private final String name;
    private final Vertx vertx;
    private final Clock clock;
    private final Reconciler reconciler;
    private final int concurrency;
    private final Duration baseBackoff;
    private final Duration maxBackoff;
    private final ControllerMetrics metrics;
    private final Context context;

    private final ArrayDeque<ObjectKey> queue = new ArrayDeque<>();
    private final Set<ObjectKey> queued = new HashSet<>();
    private final Set<ObjectKey> processing = new HashSet<>();
    private final Set<ObjectKey> dirty = new HashSet<>();
    private final Map<ObjectKey, Integer> failures = new HashMap<>();
    private final Map<ObjectKey, Wakeup> wakeups = new HashMap<>();
    /** Keys whose current run was started by their own timer, with the clock instant it fired at. */
    private final Map<ObjectKey, Instant> wokenByTimer = new HashMap<>();
    /** The last failure message logged at WARN per key (for log-once). */
    private final Map<ObjectKey, String> lastFailure = new HashMap<>();
    private Duration wakeFloor = DEFAULT_WAKE_FLOOR;
    private long reconcileIds;
    private boolean running;
    private Promise<Void> drained;

    public Controller(String name, Vertx vertx, Clock clock, Reconciler reconciler, int concurrency,
                      ControllerMetrics metrics) {
        this(name, vertx, clock, reconciler, concurrency, Duration.ofMillis(5), Duration.ofMinutes(5), metrics);
    }

    public Controller(String name, Vertx vertx, Clock clock, Reconciler reconciler, int concurrency,
                      Duration baseBackoff, Duration maxBackoff, ControllerMetrics metrics) {
        this.name = name;
        this.vertx = vertx;
        this.clock = clock;
        this.reconciler = reconciler;
        this.concurrency = Math.max(1, concurrency);
        this.baseBackoff = baseBackoff;
        this.maxBackoff = maxBackoff;
        this.metrics = metrics;
        this.context = vertx.getOrCreateContext();
    }

    public String name() {
        return name;
    }

    /** Changes the floor between two timer wake-ups of one object; call before {@link #start()}. */
    public Controller wakeFloor(Duration floor) {
        this.wakeFloor = floor;
        return this;
    }

    public void start() {
        context.runOnContext(v -> {
            running = true;
            dispatch();
        });
    }

    /** Stops taking new work and completes when the reconciles under way have ended. */
    public Future<Void> stop() {
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> {
            running = false;
            wakeups.values().forEach(w -> w.timer.cancel());
            wakeups.clear();
            if (processing.isEmpty()) {
                p.complete();
            } else {
                drained = p;
                // A reconcile stuck on an unanswered API call must not hold shutdown forever.
                vertx.setTimer(STOP_GRACE_MILLIS, id -> {
                    if (p.tryComplete()) {
                        LOG.warn("controller {} stopped with {} reconcile(s) still running", name, processing.size());
                    }
                });
            }
        });
        return p.future();
    }

    /** Thread-safe: may be called from informer threads. */
    public void enqueue(ObjectKey key) {
        context.runOnContext(v -> {
            // Something outside changed: the next wake-up this key asks for answers that change, not its own timer.
            wokenByTimer.remove(key);
            add(key);
        });
    }

    /** Thread-safe: reconcile {@code key} at the clock instant {@code when} (earliest request wins). */
    public void enqueueAt(ObjectKey key, Instant when) {
        context.runOnContext(v -> addAt(key, when));
    }

    /** Number of keys waiting (not counting those being reconciled); for metrics and tests. */
    public int depth() {
        return queued.size();
    }

    private void add(ObjectKey key) {
        if (processing.contains(key)) {
            dirty.add(key);
            return;
        }
        if (queued.add(key)) {
            queue.add(key);
            metrics.queueDepth(name, queued.size());
            dispatch();
        }
    }

    private void addAt(ObjectKey key, Instant when) {
        Wakeup existing = wakeups.get(key);
        if (existing != null && !existing.when.isAfter(when)) {
            return;
        }
        if (existing != null) {
            existing.timer.cancel();
        }
        Wakeup w = new Wakeup(when);
        wakeups.put(key, w);
        w.timer = clock.schedule(when, () -> context.runOnContext(v -> {
            if (wakeups.get(key) == w) {
                wakeups.remove(key);
                wokenByTimer.put(key, clock.now());
                add(key);
            }
        }));
    }

    private void dispatch() {
        while (running && processing.size() < concurrency && !queue.isEmpty()) {
            ObjectKey key = queue.poll();
            queued.remove(key);
            metrics.queueDepth(name, queued.size());
            processing.add(key);
            run(key);
        }
    }

    private void run(ObjectKey key) {
        int attempt = failures.getOrDefault(key, 0);
        ReconcileContext ctx = new ReconcileContext(name, key, ++reconcileIds, attempt, clock.now());
        long started = System.nanoTime();
        Future<ReconcileResult> result;
        try {
            result = reconciler.reconcile(ctx);
        } catch (RuntimeException e) {
            // A bug in one reconcile must not stop the controller: treat it as a failed attempt and retry.
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> context.runOnContext(v -> finish(key, ctx, ar.succeeded() ? ar.result() : null,
                ar.cause(), System.nanoTime() - started)));
    }

    private void finish(ObjectKey key, ReconcileContext ctx, ReconcileResult result, Throwable error, long nanos) {
        processing.remove(key);
        metrics.reconciled(name, error == null, nanos);
        if (error != null) {
            int n = failures.merge(key, 1, Integer::sum);
            Duration backoff = backoff(n);
            String message = describe(error);
            String previous = lastFailure.put(key, message);
            if (worthAWarning(error, n, message, previous)) {
                ctx.warn("reconcile failed (retry in {}): {}", backoff, message);
            } else {
                ctx.debug("reconcile failed again or lost a write race (attempt {}, retry in {}): {}", n, backoff, message);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("reconcile of " + key + " failed", error);
            }
            if (running) {
                // Backoff waits for the outside world (an API server, a missing object) and so runs on real time,
                // unlike wake-ups, which follow the (possibly simulated) clock.
                vertx.setTimer(Math.max(1, backoff.toMillis()), id -> {
                    if (running) {
                        add(key);
                    }
                });
            }
        } else {
            failures.remove(key);
            String failedWith = lastFailure.remove(key);
            if (failedWith != null) {
                ctx.info("reconcile succeeded again after: {}", failedWith);
            }
            Instant woken = wokenByTimer.remove(key);
            if (running && result != null && result.requeueAt() != null) {
                Instant when = result.requeueAt();
                if (woken != null && when.isBefore(woken.plus(wakeFloor))) {
                    when = woken.plus(wakeFloor);
                }
                addAt(key, when);
            }
        }
        if (dirty.remove(key) && running) {
            add(key);
        }
        if (!running && processing.isEmpty() && drained != null) {
            drained.tryComplete();
            drained = null;
        }
        dispatch();
    }

    private Duration backoff(int failures) {
        long millis = baseBackoff.toMillis();
        for (int i = 1; i < failures && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    /**
     * A failure is logged at WARN once per distinct message; an optimistic-concurrency conflict (often the
     * controller's own previous write not yet in the cache, which the retry that follows wins) only when it keeps
     * coming back, {@link #CONFLICTS_BEFORE_WARN} attempts in a row.
     */
    static boolean worthAWarning(Throwable error, int attempt, String message, String previousMessage) {
        if (isConflict(error)) {
            return attempt == CONFLICTS_BEFORE_WARN;
        }
        return !message.equals(previousMessage);
    }

    /** Consecutive conflicts of one object after which the failure is logged at WARN (once). */
    static final int CONFLICTS_BEFORE_WARN = 5;

    /**
     * One line: the API server's own message for a Kubernetes error (fabric8's text spans lines and prints the
     * whole Status object), otherwise the first line of the exception's message.
     */
    static String describe(Throwable e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getStatus().getMessage().lines().findFirst().orElse("") + " (HTTP " + k.getCode() + ")";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }

    /** An optimistic-concurrency conflict (HTTP 409), anywhere in the cause chain. */
    static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() == 409) {
                return true;
            }
        }
        return false;
    }

    private static final class Wakeup {
        final Instant when;
        Clock.Cancellable timer;

        Wakeup(Instant when) {
            this.when = when;
        }
    }
}
