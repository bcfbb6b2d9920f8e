package io.kapacitystack.kapacity.metrics.metricsapi;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics-API provider against the sandbox's metrics.k8s.io PodMetrics. */
class MetricsApiProviderIT {

    @Test
    void podAndContainerResourcesFromPodMetrics() throws Exception {
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-11-23T08:00:00Z"));
        SandboxCluster cluster = SandboxCluster.start(vertx, clock, SandboxOptions.defaults()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        KubeExecutor executor = new KubeExecutor(vertx, 100, 100, 2);
        try {
            String sts = Files.readString(Path.of("k8s-examples/nginx-statefulset.yaml")).replace("  labels:\n    app: nginx\nspec:\n  podManagementPolicy",
                    "  labels:\n    app: nginx\n  annotations:\n    sandbox.kapacitystack.io/traffic: \"constant 300\"\nspec:\n  podManagementPolicy");
            cluster.applyYaml("m", sts).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Await.until("nginx-0 running", Duration.ofSeconds(30), () -> {
                clock.advance(Duration.ofSeconds(1));
                var p = cluster.client().pods().inNamespace("m").withName("nginx-0").get();
                return p != null && "Running".equals(p.getStatus().getPhase());
            });
            MetricsApiProvider provider = new MetricsApiProvider(cluster.client(), executor);

            // PodMetrics appear once the simulator has measured the running pod
            Await.until("PodMetrics for nginx-0", Duration.ofSeconds(30), () -> {
                try {
                    return !get(provider, new MetricQuery.PodResource("m", "", Selector.parse("app=nginx"), "cpu")).isEmpty();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Sample> cpu = get(provider, new MetricQuery.PodResource("m", "", Selector.parse("app=nginx"), "cpu"));
            assertEquals(1, cpu.size(), cpu.toString());
            assertEquals("nginx-0", cpu.get(0).labels().get("pod"));
            assertTrue(cpu.get(0).value() > 0, "CPU in cores from the simulated load: " + cpu);
            List<Sample> byName = get(provider, new MetricQuery.PodResource("m", "nginx-0", null, "memory"));
            assertTrue(byName.get(0).value() > 1_000_000, "memory in bytes: " + byName);
            List<Sample> container = get(provider, new MetricQuery.ContainerResource("m", "", Selector.parse("app=nginx"), "cpu", "nginx"));
            assertEquals(cpu.get(0).value(), container.get(0).value(), 1e-9);

            MetricsException missing = failure(provider, new MetricQuery.ContainerResource("m", "", Selector.parse("app=nginx"), "cpu", "sidecar"));
            assertEquals(MetricsException.Kind.NOT_FOUND, missing.kind());
            assertEquals("container \"sidecar\" not present in metrics of pod \"m/nginx-0\"", missing.getMessage());
            MetricsException workload = failure(provider, new MetricQuery.WorkloadResource(new GroupKind("apps", "StatefulSet"), "m", "nginx", "cpu", false));
            assertEquals(MetricsException.Kind.UNSUPPORTED, workload.kind());
            ExecutionException range = assertThrows(ExecutionException.class, () -> provider.query(
                    new MetricQuery.PodResource("m", "nginx-0", null, "cpu"), clock.now().minusSeconds(600), clock.now(), Duration.ofMinutes(1))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals("MetricsAPI does not support this operation", range.getCause().getMessage());
        } finally {
            executor.close();
            cluster.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close();
        }
    }

    private static List<Sample> get(MetricsApiProvider p, MetricQuery q) throws Exception {
        return p.queryLatest(q).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static MetricsException failure(MetricsApiProvider p, MetricQuery q) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(p, q));
        return assertInstanceOf(MetricsException.class, e.getCause());
    }
}
