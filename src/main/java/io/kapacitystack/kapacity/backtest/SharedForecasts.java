package io.kapacitystack.kapacity.backtest;

import io.kapacitystack.kapacity.predictive.Predictor;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The predictive job's traffic forecasts of one backtest, computed once for every policy that runs the job. A
 * forecast depends on the demand before the run instant and on the job's settings only (not on the policy's pods),
 * and every policy replays the same demand, so {@code predictive} and {@code predictive+hpa} share it; the model
 * fitting is most of a backtest's cost (docs/benchmarks.md, "Backtest"). When the first run asks, the runs due until
 * the trace's end are forecast ahead, in order, on a worker pool of one thread per core. Each forecast is given the
 * samples taken strictly before its instant, as {@link PolicyView} gives them: sharing and prefetching change when it
 * is computed, never what it sees.
 */
final class SharedForecasts implements AutoCloseable {

    private final Trace trace;
    private final PredictiveSettings settings;
    private final Predictor predictor = new Predictor();
    private final Map<Long, CompletableFuture<Predictor.TrafficForecasts>> byRun = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> takers = new ConcurrentHashMap<>();
    private final AtomicInteger consumers = new AtomicInteger();
    private ExecutorService pool;

    SharedForecasts(Trace trace, PredictiveSettings settings) {
        this.trace = trace;
        this.settings = settings;
    }

    /** A job that will ask for each run's forecast (an entry is dropped once every job has taken it). */
    SharedForecasts join() {
        consumers.incrementAndGet();
        return this;
    }

    /** The forecasts of the run at {@code now}: the prefetched ones when {@code now} is a run instant. */
    Predictor.TrafficForecasts at(long now) {
        startPrefetch(now);
        CompletableFuture<Predictor.TrafficForecasts> f = byRun.get(now);
        if (f == null) {
            return compute(now);
        }
        try {
            return BacktestEngine.result(f);
        } finally {
            if (takers.computeIfAbsent(now, k -> new AtomicInteger()).incrementAndGet() >= consumers.get()) {
                byRun.remove(now);
                takers.remove(now);
            }
        }
    }

    private synchronized void startPrefetch(long first) {
        if (pool != null) {
            return;
        }
        pool = BacktestEngine.daemonPool(Math.max(1, Runtime.getRuntime().availableProcessors()), "backtest-forecast");
        for (long t = first; t < trace.end(); t = settings.nextRunFrom(t + 1)) {
            long run = t;
            byRun.put(run, CompletableFuture.supplyAsync(() -> compute(run), pool));
        }
    }

    /** The job's forecast at {@code now} from the demand samples taken before it (within the history length). */
    Predictor.TrafficForecasts compute(long now) {
        long historyStart = historyStart(now);
        int seen = trace.countBefore(now);
        int from = Math.min(seen, trace.countBefore(historyStart));
        Predictor.History demand = new Predictor.History(trace.timesUntil(from, seen), trace.valuesUntil(from, seen));
        return predictor.forecast(Map.of(PredictiveJob.SERIES, demand), Instant.ofEpochSecond(historyStart),
                Instant.ofEpochSecond(now), Instant.ofEpochSecond(settings.nextRunFrom(now + 1)), settings.predictor());
    }

    /** Where the history of the run at {@code now} begins. */
    long historyStart(long now) {
        return Math.max(trace.start(), now - settings.historyLength().toSeconds());
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
