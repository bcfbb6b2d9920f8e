package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxAppIT {

    @TempDir
    Path dir;

    @Test
    void defaultSamplesEachGetTheirOwnNamespaceAndTraffic() throws Exception {
        Vertx vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("k");
        // A fixed time inside the cron sample's first window, so both samples have a profile whatever the wall clock says.
        io.kapacitystack.kapacity.runtime.time.ManualClock clock =
                new io.kapacitystack.kapacity.runtime.time.ManualClock(vertx, java.time.Instant.parse("2026-11-23T08:05:00Z"));
        s.clock = clock;
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            app.loadSamples(vertx, SandboxCommand.samples("default")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            Kubectl kubectl = new Kubectl(s.kubeconfig);
            String ihpas = kubectl.ok("get", "ihpa", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}");
            assertTrue(ihpas.contains("cron-sample/cron-portrait-sample"), ihpas);
            assertTrue(ihpas.contains("gray-sample/gray-strategy-sample"), ihpas);
            Await.until("both samples to have a ReplicaProfile", Duration.ofSeconds(30),
                    () -> kubectl.ok("get", "rp", "-A", "--no-headers").trim().split("\n").length == 2);
            Await.until("the sample pods to run", Duration.ofSeconds(30), () -> {
                if (kubectl.ok("get", "pods", "-n", "cron-sample", "-o", "jsonpath={.items[*].status.phase}").contains("Running")) {
                    return true;
                }
                clock.advance(Duration.ofSeconds(1));
                return false;
            });
            WebClient web = WebClient.create(vertx);
            String metrics = web.get(app.httpPort(), "127.0.0.1", "/sandbox/metrics").send()
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).bodyAsString();
            assertTrue(metrics.contains("namespace=\"cron-sample\""), metrics);
            assertEquals("vshape 100", kubectl.ok("get", "sts", "nginx", "-n", "cron-sample", "-o",
                    "jsonpath={.metadata.annotations.sandbox\\.kapacitystack\\.io/traffic}"));
            String controllerMetrics = web.get(app.httpPort(), "127.0.0.1", "/metrics").send()
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).bodyAsString();
            assertTrue(controllerMetrics.contains("controller_runtime_reconcile_total{controller=\"intelligenthorizontalpodautoscaler\""), controllerMetrics);

            // The gRPC metrics service of the sandbox answers a predictive job's question: nginx's CPU right now.
            io.vertx.grpc.client.GrpcClient grpc = io.vertx.grpc.client.GrpcClient.client(vertx);
            io.kapacitystack.metric.ProviderServiceGrpcClient metricsClient = io.kapacitystack.metric.ProviderServiceGrpcClient.create(grpc,
                    io.vertx.core.net.SocketAddress.inetSocketAddress(app.grpcPort(), "127.0.0.1"));
            Await.until("nginx's CPU over gRPC", Duration.ofSeconds(20), () -> {
                try {
                    return metricsClient.queryLatest(io.kapacitystack.metric.Provider.QueryLatestRequest.newBuilder().setQuery(
                            io.kapacitystack.metric.Metric.Query.newBuilder().setType(io.kapacitystack.metric.Metric.QueryType.WORKLOAD_RESOURCE)
                                    .setWorkloadResource(io.kapacitystack.metric.Metric.WorkloadResourceQuery.newBuilder()
                                            .setGroupKind(io.kapacitystack.metric.Metric.GroupKind.newBuilder().setGroup("apps").setKind("StatefulSet"))
                                            .setNamespace("cron-sample").setName("nginx").setResourceName("cpu"))).build())
                            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).getSamplesCount() > 0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            grpc.close();
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close();
        }
    }

    @Test
    void aPortInUseNamesTheFlagToChange() throws Exception {
        Vertx vertx = Vertx.vertx();
        HttpServer taken = vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            SandboxApp.Settings s = new SandboxApp.Settings();
            s.port = taken.actualPort();
            s.kubeconfig = dir.resolve("k2");
            Throwable e = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture()
                    .handle((a, t) -> t).get(60, TimeUnit.SECONDS);
            assertTrue(e != null && e.getMessage().contains("already in use; choose another with --port"), String.valueOf(e));
            s.port = 0;
            s.grpcPort = taken.actualPort();
            Throwable grpcTaken = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture()
                    .handle((a, t) -> t).get(60, TimeUnit.SECONDS);
            assertTrue(grpcTaken != null && grpcTaken.getMessage().contains("--grpc-port"), String.valueOf(grpcTaken));
            s.grpcPort = 0;
            s.apiPort = taken.actualPort();
            Throwable api = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture()
                    .handle((a, t) -> t).get(60, TimeUnit.SECONDS);
            assertTrue(api != null && api.getMessage().contains("--api-port"), String.valueOf(api));
        } finally {
            vertx.close();
        }
    }

    @Test
    void sampleNamesAreChecked() {
        assertEquals(List.of("cron", "gray", "reactive", "predictive"), SandboxCommand.samples("default"));
        assertEquals(List.of(), SandboxCommand.samples("none"));
        assertEquals(List.of("gray"), SandboxCommand.samples("gray"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SandboxCommand.samples("cron,nope"));
        assertTrue(e.getMessage().contains("unknown sample \"nope\""));
    }

    @Test
    void theApiRateLimitIsPerSimulatedSecond() {
        Vertx vertx = Vertx.vertx();
        try {
            io.kapacitystack.kapacity.manager.ControllerManager.Settings fast = SandboxApp.managerSettings(
                    new io.kapacitystack.kapacity.runtime.time.ScaledClock(vertx, java.time.Instant.now(), 60), 9090);
            assertEquals(1200, fast.qps, 1e-9);
            assertEquals(1800, fast.burst);
            io.kapacitystack.kapacity.manager.ControllerManager.Settings manual = SandboxApp.managerSettings(
                    new io.kapacitystack.kapacity.runtime.time.ManualClock(vertx, java.time.Instant.now()), 9090);
            assertEquals(20, manual.qps, 1e-9);
            assertEquals(30, manual.burst);
        } finally {
            vertx.close();
        }
    }
}
