package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An answer the provider completes later (as the Prometheus provider does, after Prometheus answers) leaves the
 * server in one write: headers, message and trailers together, not the trailers in a write of their own.
 */
class GrpcAnswerWritesIT {

    private static final int CALLS = 40;

    @Test
    void aLaterAnswerLeavesInOneWrite() throws Exception {
        // The server alone on one event loop of its own Vert.x, so that thread's write calls are the server's.
        Vertx serverVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Vertx clientVertx = Vertx.vertx();
        List<Long> serverWrites = new ArrayList<>();
        FakeProvider provider = new FakeProvider();
        provider.latest = q -> {
            serverWrites.add(writeCallsOfThisThread());
            Promise<List<Sample>> answer = Promise.promise();
            serverVertx.setTimer(1, id -> answer.complete(List.of(new Sample(1_700_000_000_000L, 0.5,
                    Map.of("pod", "web-0"), null))));
            return answer.future();
        };
        GrpcMetricsServer server = new GrpcMetricsServer(1);
        GrpcTestClient raw = null;
        try {
            int port = await(server.start(serverVertx, provider, "127.0.0.1:0"));
            raw = new GrpcTestClient(clientVertx, port);
            ProviderServiceGrpcClient client = ProviderServiceGrpcClient.create(raw.client(), raw.address());
            Provider.QueryLatestRequest request = Provider.QueryLatestRequest.newBuilder().setQuery(Metric.Query.newBuilder()
                    .setType(Metric.QueryType.POD_RESOURCE).setPodResource(Metric.PodResourceQuery.newBuilder()
                            .setNamespace("b").setName("web-0").setResourceName("cpu"))).build();
            for (int i = 0; i < CALLS; i++) {
                Provider.QueryLatestResponse response = await(client.queryLatest(request));
                assertEquals(1, response.getSamplesCount());
            }
            // between two calls reaching the provider the server wrote exactly the first call's answer
            long writes = serverWrites.get(CALLS - 1) - serverWrites.get(0);
            assertTrue(writes <= CALLS - 1 + 2, "the server made " + writes + " write calls for " + (CALLS - 1)
                    + " answers (the trailers flushed on their own?)");
            assertTrue(writes >= CALLS - 1, "fewer write calls than answers: " + writes);
        } finally {
            if (raw != null) {
                raw.close();
            }
            await(server.close());
            await(clientVertx.close());
            await(serverVertx.close());
        }
    }

    /** The calling thread's write system calls so far (Linux's per-thread I/O accounting). */
    private static long writeCallsOfThisThread() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/io"))) {
                if (line.startsWith("syscw:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (Exception e) {
            throw new AssertionError("this test needs Linux's /proc/thread-self/io", e);
        }
        throw new AssertionError("no syscw in /proc/thread-self/io");
    }
}
