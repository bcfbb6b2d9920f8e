package io.kapacitystack.kapacity.horizontalportrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.MockClusterExtension;
import io.kapacitystack.kapacity.testing.Pods;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The metrics' current values reach the portrait's status, but a change of those values alone is written at most
 * once a minute: with the replica recommendation unchanged, a sync 15 s later leaves the stored values as they were,
 * and the first sync a minute after the last write brings them up to date.
 */
@ExtendWith(MockClusterExtension.class)
class CurrentMetricsMockClusterIT {

    private static final String NS = "metrics";
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private Vertx vertx;
    private MockCluster cluster;
    private volatile double cores = 0.05;

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        cluster.namespace(NS);
        cluster.applyExample("nginx-statefulset.yaml", NS);
        cluster.client.pods().inNamespace(NS).resource(Pods.running(NS, "nginx-0", "nginx", "100m",
                T0.minus(Duration.ofHours(1)))).create();
    }

    @Test
    void metricValuesAloneAreWrittenAtMostOnceAMinute() {
        ManualClock clock = new ManualClock(vertx, T0);
        var manager = cluster.startManager(clock);
        manager.useMetrics(new MetricsProvider() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery query) {
                return Future.succeededFuture(List.of(new Sample(clock.now().toEpochMilli(), cores,
                        Map.of("pod", "nginx-0", "namespace", NS), Duration.ofMinutes(1))));
            }

            @Override
            public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
                return Future.failedFuture(MetricsException.unsupported("range"));
            }
        });
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
                  algorithm: {type: KubeHPA}
                """, NS);
        awaitCurrent("50% (50m)");
        assertEquals("50%", metrics().get(0).target);
        assertEquals(1, portrait().getStatus().portraitData._static.replicas);

        // 52 %: within the tolerance, the same recommendation; the new value waits
        cores = 0.052;
        for (int i = 1; i <= 3; i++) {
            sync(clock);
            assertEquals("50% (50m)", metrics().get(0).current, "not rewritten " + 15 * i + " s after the last write");
        }
        sync(clock);
        awaitCurrent("52% (52m)");
        assertEquals(1, portrait().getStatus().portraitData._static.replicas);
    }

    /** Moves the clock one sync period on and waits for that sync to finish. */
    private void sync(ManualClock clock) {
        String series = "controller_runtime_reconcile_total{controller=\"horizontalportrait\",result=\"success\"}";
        long before = cluster.metrics.counter(series);
        clock.advance(Duration.ofSeconds(15));
        Await.until("a sync", () -> cluster.metrics.counter(series) > before);
    }

    private void awaitCurrent(String current) {
        Await.until("current " + current, () -> {
            List<HorizontalPortraitStatus.CurrentMetric> m = metrics();
            return m != null && !m.isEmpty() && current.equals(m.get(0).current);
        });
    }

    private List<HorizontalPortraitStatus.CurrentMetric> metrics() {
        HorizontalPortrait hp = portrait();
        return hp == null || hp.getStatus() == null ? null : hp.getStatus().currentMetrics;
    }

    private HorizontalPortrait portrait() {
        return cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName("nginx-reactive").get();
    }
}
