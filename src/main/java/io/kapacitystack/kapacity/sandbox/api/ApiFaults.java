package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sandbox API's fault injection at run time: the installed {@link FaultPlan}, how many requests of each verb and
 * resource it has seen (the plan's {@code n}), what it injected, and stalls of the whole API. Tests configure it with
 * {@link #install(FaultPlan)} and {@link #stall(Duration)}; {@code sandbox --faults FILE} installs a file's plan.
 *
 * <p>The sandbox's own clients (simulator, sample loader: User-Agent {@value #EXEMPT_USER_AGENT}) are never faulted:
 * they stand in for kube-controller-manager and the kubelets, which are not what the faults test. Delays and stalls
 * are real time, like a watch's timeoutSeconds: they are about connections, not the simulated world.
 */
public final class ApiFaults {

    private static final Logger LOG = LoggerFactory.getLogger(ApiFaults.class);

    /** User-Agent of the sandbox's own client, whose requests are never faulted. */
    public static final String EXEMPT_USER_AGENT = "kapacity-sandbox";

    /** Requests held during a stall beyond this many are dropped (their connection closed). */
    static final int MAX_HELD = 10_000;

    private final Vertx vertx;
    private volatile FaultPlan plan = FaultPlan.none();
    private final Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();
    private final Set<SandboxWatch> faultableWatches = ConcurrentHashMap.newKeySet();
    private final List<Runnable> held = new ArrayList<>();
    private final List<Long> stallTimers = new ArrayList<>();
    private long stalledUntil = Long.MIN_VALUE; // System.nanoTime; guarded by this
    private boolean stalled;                    // guarded by this
    private int stallDepth;                     // overlapping stalls; guarded by this

    ApiFaults(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Replaces the plan: request counts and {@link #injected()} start again from 0, and the plan's stalls are
     * scheduled from now.
     */
    public synchronized void install(FaultPlan newPlan) {
        stallTimers.forEach(vertx::cancelTimer);
        stallTimers.clear();
        seen.clear();
        injected.clear();
        plan = newPlan;
        for (FaultPlan.Stall s : newPlan.stalls()) {
            long delay = Math.max(1, s.after().toMillis());
            stallTimers.add(vertx.setTimer(delay, id -> stall(s.length())));
        }
        LOG.info("sandbox API faults: {} rule(s), {} stall(s), seed {}", newPlan.rules().size(), newPlan.stalls().size(), newPlan.seed());
    }

    /** No more faults (a stall under way still ends when it was due to). */
    public void clear() {
        install(FaultPlan.none());
    }

    public FaultPlan plan() {
        return plan;
    }

    /**
     * Stalls the whole API for {@code length} (real time): faultable requests are held unanswered until it ends
     * (then served), and their open watches are dropped now.
     */
    public void stall(Duration length) {
        List<SandboxWatch> dropped;
        synchronized (this) {
            stalled = true;
            stallDepth++;
            stalledUntil = Math.max(stalledUntil, System.nanoTime() + length.toNanos());
            dropped = new ArrayList<>(faultableWatches);
        }
        count("stall");
        LOG.info("sandbox API faults: API stalled for {}", length);
        dropped.forEach(SandboxWatch::end);
        vertx.setTimer(Math.max(1, length.toMillis()), id -> endStall());
    }

    /** Drops every open watch of faultable clients now (they reopen, and meet the plan's watch faults then). */
    public void dropWatches() {
        new ArrayList<>(faultableWatches).forEach(SandboxWatch::end);
    }

    private void endStall() {
        List<Runnable> release;
        synchronized (this) {
            stallDepth--;
            if (stallDepth > 0) {
                return;
            }
            stalled = false;
            release = new ArrayList<>(held);
            held.clear();
        }
        LOG.info("sandbox API faults: stall over, serving {} held request(s)", release.size());
        release.forEach(Runnable::run);
    }

    public synchronized boolean stalled() {
        return stalled;
    }

    /**
     * During a stall: keeps {@code serve} until it ends and answers true; otherwise false. {@code drop} runs instead
     * when too many requests are held.
     */
    synchronized boolean holdIfStalled(Runnable serve, Runnable drop) {
        if (!stalled) {
            return false;
        }
        if (held.size() >= MAX_HELD) {
            drop.run();
        } else {
            held.add(serve);
        }
        return true;
    }

    boolean exempt(String userAgent) {
        return userAgent != null && userAgent.startsWith(EXEMPT_USER_AGENT);
    }

    /** Counts the request and returns the fault the plan gives it, or null. */
    FaultPlan.Rule decide(FaultPlan.Request request) {
        FaultPlan p = plan;
        if (p.rules().isEmpty()) {
            return null;
        }
        long n = seen.computeIfAbsent(request.verb() + " " + request.resource(), k -> new AtomicLong()).getAndIncrement();
        FaultPlan.Rule rule = p.decide(request, n);
        if (rule != null) {
            count(rule.kind().fileName());
        }
        return rule;
    }

    /** A watch of a faultable client: dropped when the API stalls. */
    void track(SandboxWatch watch) {
        faultableWatches.add(watch);
        watch.onEnd(() -> faultableWatches.remove(watch));
    }

    private void count(String what) {
        injected.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    /** How many of each fault were injected so far (by the file form's name, and {@code stall}). */
    public Map<String, Long> injected() {
        Map<String, Long> out = new TreeMap<>();
        injected.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The plan's verb and resource of a request to the API, or null for one it does not fault (discovery). */
    static FaultPlan.Request describe(HttpMethod method, ApiPath path) {
        String resource = path.subresource() == null || path.subresource().isEmpty()
                ? path.resource() : path.resource() + "/" + path.subresource();
        String verb = switch (method.name()) {
            case "GET" -> path.isWatch() ? "watch" : path.isCollection() ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> path.isCollection() ? "deletecollection" : "delete";
            default -> null;
        };
        if (verb == null || resource == null) {
            return null;
        }
        String from = path.query().get("resourceVersion");
        boolean resumes = verb.equals("watch") && from != null && !from.isEmpty() && !"0".equals(from)
                && !"true".equals(path.query().get("sendInitialEvents"));
        return new FaultPlan.Request(verb, resource, resumes);
    }
}
