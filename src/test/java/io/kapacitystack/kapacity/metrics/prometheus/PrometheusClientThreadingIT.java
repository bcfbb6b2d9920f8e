package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrometheusClient} called from every kind of thread (test thread, plain threads, Vert.x workers, event
 * loops), one at a time and all at once, against a server answering small vectors in one write and day-long
 * matrices in several chunks: every call completes with the whole answer. A version that sent requests from
 * non-Vert.x threads through a client shared with event loops left an occasional request hanging (seen in
 * RealPrometheusIT, and once here); every exchange now runs on an event loop with that loop's own client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusClientThreadingIT {

    private static final int POINTS = 1441;

    private final Vertx vertx = Vertx.vertx();
    private HttpServer server;
    private String url;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeAll
    void start() {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < POINTS; i++) {
            values.append(i == 0 ? "" : ",").append("[").append(1763769600 + i * 60).append(",\"")
                    .append(0.1 * i).append("\"]");
        }
        String body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
                + "{\"pod\":\"web-0\"},\"values\":[" + values + "]}]}}";
        int half = body.length() / 2;
        String vector = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
                + "{\"pod\":\"web-0\"},\"value\":[1763769600,\"0.25\"]}]}}";
        server = Await.result(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            requests.incrementAndGet();
            if (req.path().equals("/api/v1/query")) { // small: head, body and end in one packet
                req.response().putHeader("Content-Type", "application/json").end(vector);
                return;
            }
            // in two writes, so the answer arrives in more than one chunk
            req.response().setChunked(true).putHeader("Content-Type", "application/json");
            req.response().write(body.substring(0, half));
            vertx.setTimer(1, id -> req.response().end(body.substring(half)));
        })).listen(0, "127.0.0.1"), Duration.ofSeconds(10));
        url = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterAll
    void stop() {
        Await.result(vertx.close(), Duration.ofSeconds(10));
    }

    private Future<Integer> points(PrometheusClient c) {
        return c.queryRange("up", Instant.ofEpochSecond(1763769600), Instant.ofEpochSecond(1763769600 + 86400),
                Duration.ofMinutes(1)).map(series -> series.get(0).points().size());
    }

    private Future<Integer> latest(PrometheusClient c) {
        return c.query("up", Instant.ofEpochSecond(1763769600)).map(series -> series.get(0).points().size());
    }

    @Test
    void smallAnswersToCallsFromEveryKindOfThreadAllComplete() {
        allAnswer(1, this::latest, 200, 20);
    }

    @Test
    void sequentialCallsFromThisThreadWithPausesComplete() throws Exception {
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(20));
        try {
            for (int i = 0; i < 30; i++) {
                assertEquals(1, Await.result(latest(c), Duration.ofSeconds(10)));
                Thread.sleep(20); // an idle gap between calls (test thread, not an event loop): connections sit idle and are reused
                assertEquals(POINTS, Await.result(points(c), Duration.ofSeconds(10)));
            }
        } finally {
            c.close();
        }
    }

    @Test
    void callsFromEveryKindOfThreadAllComplete() {
        allAnswer(POINTS, this::points, 100, 0);
        assertTrue(requests.get() >= 400, "requests " + requests.get());
    }

    /** Every call of {@link #fromEveryKindOfThread} on a new client answers {@code expected}. */
    private void allAnswer(int expected, Function<PrometheusClient, Future<Integer>> call, int rounds,
                           int waitEvery) {
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(20));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> calls = fromEveryKindOfThread(() -> call.apply(c), pool, rounds, waitEvery);
            Await.result(Future.all(calls), Duration.ofSeconds(60));
            for (Future<Integer> f : calls) {
                assertEquals(expected, f.result());
            }
        } finally {
            pool.shutdownNow();
            c.close();
        }
    }

    /**
     * {@code rounds} times the call from this thread, a plain thread, a Vert.x worker and an event loop; every
     * {@code waitEvery}-th round (0: never) waits for this thread's call before going on, so calls also come one at
     * a time.
     */
    private List<Future<Integer>> fromEveryKindOfThread(Supplier<Future<Integer>> call, ExecutorService pool, int rounds,
                                                        int waitEvery) {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Future<Integer> here = call.get();
            calls.add(here);
            Promise<Integer> plain = Promise.promise();
            pool.execute(() -> call.get().onComplete(plain));
            calls.add(plain.future());
            calls.add(vertx.executeBlocking(() -> Await.result(call.get(), Duration.ofSeconds(30))));
            Promise<Integer> onLoop = Promise.promise();
            vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(onLoop));
            calls.add(onLoop.future());
            if (waitEvery > 0 && i % waitEvery == 0) {
                Await.result(here, Duration.ofSeconds(30));
            }
        }
        return calls;
    }

    @Test
    void aClosedClientFailsAsUnavailable() {
        PrometheusClient c = new PrometheusClient(vertx, url, Duration.ofSeconds(5));
        assertEquals(POINTS, Await.result(points(c), Duration.ofSeconds(10)));
        c.close();
        Future<Integer> after = points(c);
        Await.until("failed", () -> after.isComplete());
        assertTrue(after.failed());
        assertEquals(MetricsException.Kind.UNAVAILABLE, MetricsException.of(after.cause()).kind());
    }
}
