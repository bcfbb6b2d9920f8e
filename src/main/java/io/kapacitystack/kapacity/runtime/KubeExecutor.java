package io.kapacitystack.kapacity.runtime;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs blocking fabric8 calls off the event loop, on a dedicated worker pool, at most {@code qps} per second with
 * bursts of {@code burst} (the manager's --kube-api-qps / --kube-api-burst). The limiter waits with a Vert.x timer,
 * so a saturated limiter delays calls without holding any thread.
 */
public final class KubeExecutor implements AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final double qps;
    private final double burst;
    private double tokens;
    private long lastRefillNanos;

    public KubeExecutor(Vertx vertx, double qps, int burst, int poolSize) {
        this.vertx = vertx;
        // A pool of its own (unique name): a shared pool would be closed under a manager started while another stops.
        this.workers = vertx.createSharedWorkerExecutor("kube-api-" + INSTANCES.incrementAndGet(), poolSize);
        this.qps = qps;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.lastRefillNanos = System.nanoTime();
    }

    public <T> Future<T> call(Callable<T> blockingCall) {
        long waitNanos = reserve();
        if (waitNanos <= 0) {
            return workers.executeBlocking(blockingCall, false);
        }
        Promise<T> p = Promise.promise();
        vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> workers.executeBlocking(blockingCall, false).onComplete(p));
        return p.future();
    }

    /** Takes one token, returning how long the caller must wait for it (0 if it was available). */
    private synchronized long reserve() {
        if (qps <= 0 || Double.isInfinite(qps)) {
            return 0;
        }
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastRefillNanos) / 1e9 * qps);
        lastRefillNanos = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / qps * 1e9);
    }

    @Override
    public void close() {
        workers.close();
    }
}
