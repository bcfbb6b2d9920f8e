package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.Condition;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.manager.ClusterKubeLookup;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusMetricsProvider;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.Pods;
import io.kapacitystack.kapacity.testing.RealPrometheus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Reactive portrait against a real Prometheus: the test's exporter serves the CPU counters of two nginx pods
 * (100m requested each) at a rate the test moves; Prometheus scrapes it every second; the HorizontalPortrait
 * controller, reading through the Prometheus provider with Kapacity's default rules, follows with the Kubernetes
 * HPA arithmetic. Then Prometheus goes down: the condition says why and the last portrait is kept.
 */
class ReactivePrometheusIT {

    private static final String NS = "reactive";
    private Vertx vertx;
    private MockCluster cluster;
    private HttpServer exporter;
    private RealPrometheus prometheus;
    private PrometheusMetricsProvider provider;
    private volatile double coresPerPod = 0.05;
    private double counter;
    private long last = System.nanoTime();

    private synchronized String exposition() {
        long now = System.nanoTime();
        counter += coresPerPod * (now - last) / 1e9;
        last = now;
        StringBuilder sb = new StringBuilder("# TYPE container_cpu_usage_seconds_total counter\n");
        for (String pod : List.of("nginx-0", "nginx-1")) {
            sb.append("container_cpu_usage_seconds_total{namespace=\"").append(NS).append("\",pod=\"").append(pod)
                    .append("\",container=\"nginx\"} ").append(counter).append('\n');
        }
        return sb.toString();
    }

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        cluster = new MockCluster(vertx);
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
        cluster.client.apps().statefulSets().inNamespace(NS).withName("nginx").scale(2);
        for (String name : List.of("nginx-0", "nginx-1")) {
            cluster.client.pods().inNamespace(NS).resource(Pods.running(NS, name, "nginx", "100m", Instant.now().minus(Duration.ofHours(1)))).create();
        }
        exporter = Await.result(vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4").end(exposition())).listen(0, "127.0.0.1"),
                Duration.ofSeconds(10));
        prometheus = RealPrometheus.scraping("127.0.0.1:" + exporter.actualPort(), "/metrics");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (provider != null) {
            provider.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        cluster.close();
        vertx.close();
    }

    @Test
    void theReactivePortraitFollowsTheMetricAndSurvivesAnOutage() throws Exception {
        var manager = cluster.startManager(new SystemClock(vertx));
        provider = new PrometheusMetricsProvider(vertx, new SystemClock(vertx), PrometheusConfig.defaults(), prometheus.url(),
                new ClusterKubeLookup(cluster.client, manager.executor(), manager.podCache()),
                PrometheusMetricsProvider.DiscoveryOptions.defaults());
        manager.useMetrics(provider);
        cluster.apply("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata:
                  name: nginx-reactive
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Reactive
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
                  algorithm:
                    type: KubeHPA
                    kubeHPA: {syncPeriod: 1s, tolerance: "0.1", cpuInitializationPeriod: 5m, initialReadinessDelay: 30s}
                """, NS);

        // 50 % of the request on both pods: on target, the portrait keeps the current 2.
        awaitPortrait(2);
        // 150 %: three times the target, 2 pods -> 6.
        coresPerPod = 0.15;
        awaitPortrait(6);
        Condition active = condition("ScalingActive");
        assertEquals("ValidMetricFound", active.getReason(), active.getMessage());
        // The portrait reaches 6 once the rate window's average passes 125 %; the reported reading settles at 150 %
        // when the whole window is past the step (a reading taken at once can still be 139 %).
        Await.until("the reported reading at 150 %", Duration.ofSeconds(30),
                () -> portrait().getStatus().currentMetrics.get(0).current.matches("1[45][0-9]% \\(1[45][0-9]m\\)"));
        var reading = portrait().getStatus().currentMetrics.get(0);
        assertEquals("cpu resource utilization (percentage of request)", reading.metric);
        assertEquals("50%", reading.target);
        assertTrue(reading.current.matches("1[45][0-9]% \\(1[45][0-9]m\\)"), reading.current);
        assertEquals(6, portrait().getStatus().portraitData._static.replicas);
        // 25 %: half the target, 2 pods -> 1.
        coresPerPod = 0.025;
        awaitPortrait(1);

        // Prometheus down: the condition says the metric cannot be read, and the last portrait stays.
        prometheus.stop();
        Await.until("ScalingActive=False FailedGetResourceMetric", Duration.ofSeconds(30), () -> {
            Condition c = condition("ScalingActive");
            return c != null && "False".equals(c.getStatus()) && "FailedGetResourceMetric".equals(c.getReason());
        });
        Condition generated = condition("PortraitGenerated");
        assertEquals("FailedGeneratePortrait", generated.getReason(), generated.getMessage());
        assertEquals(1, portrait().getStatus().portraitData._static.replicas, "the old portrait is kept");
        assertEquals("<unknown>", portrait().getStatus().currentMetrics.get(0).current);
        Await.until("a Warning event about it", () -> cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> "nginx-reactive".equals(e.getInvolvedObject().getName()) && "FailedGeneratePortrait".equals(e.getReason())));
        assertEquals(true, manager.isRunning());
    }

    private void awaitPortrait(int replicas) {
        Await.until("the reactive portrait to say " + replicas, Duration.ofSeconds(45), () -> {
            HorizontalPortrait hp = portrait();
            return hp != null && hp.getStatus() != null && hp.getStatus().portraitData != null
                    && hp.getStatus().portraitData._static.replicas == replicas;
        });
    }

    private HorizontalPortrait portrait() {
        return cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName("nginx-reactive").get();
    }

    private Condition condition(String type) {
        HorizontalPortrait hp = portrait();
        return hp == null || hp.getStatus() == null ? null : Conditions.find(hp.getStatus().conditions, type);
    }
}
