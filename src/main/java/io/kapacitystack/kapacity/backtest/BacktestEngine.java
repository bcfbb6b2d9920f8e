package io.kapacitystack.kapacity.backtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Replays a trace through policies on a simulated clock. Each policy runs on its own copy of the workload: it decides
 * at its ticks and wake-ups seeing only the past ({@link PolicyView}); new pods serve after the startup delay. The
 * {@code oracle} is not simulated: it has, at every instant, the replicas the demand of that instant needs, started
 * ahead of time. Pure: no I/O, no wall clock; the policies run in parallel, one per core.
 */
public final class BacktestEngine {

    public static final String ORACLE = "oracle";

    private BacktestEngine() {
    }

    /**
     * @param scoreFrom epoch second from which the figures are counted (a warm-up before it feeds the policies'
     *                  history but is not scored); the trace start to score everything
     */
    static List<PolicyRun> run(Trace trace, Workload workload, boolean oracle, List<Policy> policies, long scoreFrom) {
        List<PolicyRun> runs = new ArrayList<>();
        if (oracle) {
            StepSeries steps = oracle(trace, workload);
            runs.add(new PolicyRun(ORACLE, steps, steps, score(trace, workload, steps, steps, scoreFrom), null));
        }
        // the policies are independent: each runs on a core of its own (a policy object is used by one thread only)
        int threads = Math.max(1, Math.min(policies.size(), Runtime.getRuntime().availableProcessors()));
        if (threads == 1) {
            for (Policy p : policies) {
                runs.add(simulate(trace, workload, p, scoreFrom));
            }
            return runs;
        }
        ExecutorService pool = daemonPool(threads, "backtest");
        try {
            List<Future<PolicyRun>> futures = new ArrayList<>();
            for (Policy p : policies) {
                futures.add(pool.submit(() -> simulate(trace, workload, p, scoreFrom)));
            }
            for (Future<PolicyRun> f : futures) {
                runs.add(result(f));
            }
            return runs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A fixed pool of daemon threads (a backtest left behind never keeps the JVM up). */
    static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The value of a task of this backtest, its runtime exception rethrown as it was. */
    static <T> T result(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    static StepSeries oracle(Trace trace, Workload w) {
        StepSeries s = new StepSeries();
        for (int i = 0; i < trace.size(); i++) {
            s.set(trace.time(i), w.replicasFor(trace.value(i)));
        }
        return s;
    }

    static PolicyRun simulate(Trace trace, Workload w, Policy policy, long scoreFrom) {
        long start = trace.start();
        long end = trace.end();
        long startup = w.podStartup().toSeconds();
        SimulatedPods pods = new SimulatedPods(w.initialReplicas(), start, startup);
        int[] readyAtSample = new int[trace.size()];
        PolicyView view = new PolicyView(trace, w, pods, readyAtSample);
        StepSeries desired = new StepSeries();
        StepSeries ready = new StepSeries();
        desired.set(start, w.initialReplicas());
        ready.set(start, pods.readyAt(start));
        int current = w.initialReplicas();
        long tick = Math.max(1, policy.tickSeconds());
        long nextTick = Math.floorDiv(start + tick - 1, tick) * tick;
        long last = start;
        int filled = 0;
        while (true) {
            long wake = policy.wakeAt();
            long t = wake > last && wake < nextTick ? wake : nextTick;
            if (t >= end) {
                break;
            }
            recordReadiness(pods, ready, last, t);
            while (filled < trace.size() && trace.time(filled) < t) {
                readyAtSample[filled] = pods.readyAt(trace.time(filled));
                filled++;
            }
            view.moveTo(t, current, filled);
            int d = Math.max(0, Math.min(Workload.MAX_REPLICAS, policy.decide(t, view)));
            pods.scaleTo(d, t);
            current = d;
            desired.set(t, d);
            ready.set(t, pods.readyAt(t));
            last = t;
            if (t == nextTick) {
                nextTick += tick;
            }
        }
        recordReadiness(pods, ready, last, end);
        return new PolicyRun(policy.name(), desired, ready, score(trace, w, desired, ready, scoreFrom), note(policy));
    }

    private static String note(Policy p) {
        if (p instanceof IhpaPolicy ihpa) {
            StringBuilder b = new StringBuilder();
            for (var e : ihpa.jobs().entrySet()) {
                PredictiveJob j = e.getValue();
                if (j.refusals() > 0) {
                    b.append(String.format(Locale.ROOT, "%s job: %d of %d runs refused (last: %s)",
                            e.getKey(), j.refusals(), j.runs(), j.lastRefusal()));
                }
            }
            return b.length() == 0 ? null : b.toString();
        }
        return null;
    }

    /** Steps of the ready count for pods becoming ready in ({@code from}, {@code to}). */
    private static void recordReadiness(SimulatedPods pods, StepSeries ready, long from, long to) {
        for (int i = pods.readyAt(from); i < pods.count() && pods.readySince(i) < to; i++) {
            ready.set(pods.readySince(i), i + 1);
        }
    }

    /** The figures over the known demand from {@code scoreFrom} on. */
    static Scores score(Trace trace, Workload w, StepSeries desired, StepSeries ready, long scoreFrom) {
        double replicaSeconds = 0;
        double underSeconds = 0;
        double unserved = 0;
        double demandTotal = 0;
        double served = 0;
        double capacity = 0;
        long known = 0;
        for (int i = 0; i < trace.size(); i++) {
            long a = Math.max(trace.time(i), scoreFrom);
            long b = trace.holdEnd(i);
            double v = trace.value(i);
            long x = a;
            while (x < b) {
                long y = Math.min(b, Math.min(nextChange(desired, x), nextChange(ready, x)));
                long dt = y - x;
                int d = desired.at(x);
                double cap = w.capacity(ready.at(x));
                replicaSeconds += (double) d * dt;
                known += dt;
                demandTotal += v * dt;
                if (v > cap) {
                    underSeconds += dt;
                    unserved += (v - cap) * dt;
                }
                served += Math.min(v, cap) * dt;
                capacity += cap * dt;
                x = y;
            }
        }
        long end = trace.end();
        return new Scores(replicaSeconds / 3600.0, underSeconds / 60.0, known == 0 ? 0 : underSeconds / known,
                demandTotal == 0 ? 0 : unserved / demandTotal, capacity == 0 ? 0 : served / capacity,
                desired.changesWithin(Math.max(scoreFrom, trace.start() + 1), end), known / 60.0);
    }

    /** The first change of {@code s} after {@code t}. */
    private static long nextChange(StepSeries s, long t) {
        int lo = 0;
        int hi = s.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (s.time(mid) <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < s.size() ? s.time(lo) : Long.MAX_VALUE;
    }
}
