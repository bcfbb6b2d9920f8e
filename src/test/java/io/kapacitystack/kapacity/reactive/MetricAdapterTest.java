package io.kapacitystack.kapacity.reactive;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kapacity's metrics client (spec §6.3.2): sample conversion and error texts, batched and not. */
class MetricAdapterTest {

    private static final Selector WEB = Selector.parse("app=web");

    private static Sample s(String pod, double v, Duration window) {
        return new Sample(NOW.toEpochMilli(), v, pod == null ? Map.of() : Map.of("pod", pod), window);
    }

    private static FixedMetrics answering(List<Sample> samples) {
        FixedMetrics m = new FixedMetrics();
        m.other = q -> Future.succeededFuture(samples);
        return m;
    }

    @Test
    void resourceSamplesAreConvertedAndBadOnesSkipped() {
        FixedMetrics m = new FixedMetrics();
        Map<String, String> labels = Map.of("app", "web");
        m.podValues.add(new FixedMetrics.PodValue("default", "a", labels, "cpu", "", 0.25, NOW, Duration.ofMinutes(1)));
        m.podValues.add(new FixedMetrics.PodValue("default", "b", labels, "cpu", "", Double.NaN, NOW, Duration.ofMinutes(1)));
        m.podValues.add(new FixedMetrics.PodValue("default", "c", labels, "cpu", "", -1, NOW, Duration.ofMinutes(1)));
        m.podValues.add(new FixedMetrics.PodValue("default", "d", labels, "cpu", "", 1, NOW, null)); // no window: skipped
        for (MetricsBatcher batcher : new MetricsBatcher[]{null, new MetricsBatcher(m)}) {
            Map<String, PodMetric> got = new MetricAdapter(m, batcher)
                    .resourceMetric("cpu", "default", WEB, "", Set.of("a", "b", "c", "d"), NOW).result();
            assertEquals(Map.of(
                    "a", new PodMetric(250, Instant.ofEpochMilli(NOW.toEpochMilli()), Duration.ofMinutes(1)),
                    "b", new PodMetric(0, NOW, Duration.ofMinutes(1)),
                    "c", new PodMetric(0, NOW, Duration.ofMinutes(1))), got);
        }
        // unbatched: the scale selector goes to the provider; batched: the namespace-wide query
        assertEquals(new MetricQuery.PodResource("default", "", WEB, "cpu"), m.queries.get(0));
        assertEquals(new MetricQuery.PodResource("default", "", Selector.everything(), "cpu"), m.queries.get(1));
    }

    @Test
    void resourceErrors() {
        FixedMetrics m = new FixedMetrics();
        MetricAdapter a = new MetricAdapter(m, null);
        assertEquals("unsupported resource \"ephemeral-storage\"",
                a.resourceMetric("ephemeral-storage", "default", WEB, "", Set.of(), NOW).cause().getMessage());
        assertEquals("no metrics returned from lastest pod resource metrics query",
                a.resourceMetric("cpu", "default", WEB, "", Set.of(), NOW).cause().getMessage());
        assertEquals("no metrics returned from lastest container resource metrics query",
                a.resourceMetric("memory", "default", WEB, "app", Set.of(), NOW).cause().getMessage());
        m.failure = MetricsException.invalid("container \"app\" not present in metrics of pod \"default/x\"");
        assertEquals("failed to query lastest container resource metrics: container \"app\" not present in metrics of pod \"default/x\"",
                a.resourceMetric("memory", "default", WEB, "app", Set.of(), NOW).cause().getMessage());
        assertTrue(a.resourceMetric("cpu", "default", WEB, "", Set.of(), NOW).cause() instanceof ReplicaCalculationException);
    }

    @Test
    void batchedContainerQueryFallsBackToTheCallersSelectorWhenTheNamespaceWideOneFails() {
        // metrics-api rejects a container query if any pod of the selection lacks the container
        FixedMetrics m = new FixedMetrics() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery query) {
                if (query instanceof MetricQuery.ContainerResource q && q.selector().isEmpty()) {
                    queries.add(query);
                    return Future.failedFuture(MetricsException.invalid("container \"app\" not present in metrics of pod \"default/db-0\""));
                }
                return super.queryLatest(query);
            }
        };
        m.podValues.add(new FixedMetrics.PodValue("default", "a", Map.of("app", "web"), "cpu", "app", 0.5, NOW, Duration.ofMinutes(1)));
        Map<String, PodMetric> got = new MetricAdapter(m, new MetricsBatcher(m))
                .resourceMetric("cpu", "default", WEB, "app", Set.of("a"), NOW).result();
        assertEquals(500, got.get("a").milli());
        assertEquals(2, m.queries.size());
    }

    @Test
    void podsMetric() {
        FixedMetrics m = answering(List.of(s("a", 1.5, null), s("b", Double.NaN, Duration.ofSeconds(30)), s(null, 7, null), s("c", -2, null)));
        Map<String, PodMetric> got = new MetricAdapter(m, null).podsMetric("qps", "default", WEB, Selector.parse("verb=GET")).result();
        assertEquals(Map.of(
                "a", new PodMetric(1500, NOW, Duration.ofMinutes(1)),
                "b", new PodMetric(0, NOW, Duration.ofSeconds(30)),
                "c", new PodMetric(-2000, NOW, Duration.ofMinutes(1))), got);
        assertEquals("no metrics returned from lastest pod metrics query",
                new MetricAdapter(answering(List.of()), null).podsMetric("qps", "default", WEB, null).cause().getMessage());
    }

    @Test
    void objectAndExternal() {
        FixedMetrics m = answering(List.of(s(null, 2.5, null), s(null, 4, null)));
        MetricAdapter a = new MetricAdapter(m, null);
        assertEquals(2500L, a.objectMetric("rps", "default", new GroupKind("networking.k8s.io", "Ingress"), "web", null).result());
        assertEquals(List.of(2500L, 4000L), a.externalMetric("queue", "default", null).result());
        MetricAdapter empty = new MetricAdapter(answering(List.of()), null);
        assertEquals("no metrics returned from lastest object metrics query",
                empty.objectMetric("rps", "default", new GroupKind("", "Service"), "web", null).cause().getMessage());
        assertEquals("no metrics returned from lastest external metrics query",
                empty.externalMetric("queue", "default", null).cause().getMessage());
        FixedMetrics down = new FixedMetrics();
        down.failure = new MetricsException(MetricsException.Kind.UNAVAILABLE, "down");
        assertEquals("failed to query lastest external metrics: down",
                new MetricAdapter(down, null).externalMetric("queue", "default", null).cause().getMessage());
        assertEquals("failed to query lastest object metrics: down",
                new MetricAdapter(down, null).objectMetric("q", "default", new GroupKind("", "Service"), "x", null).cause().getMessage());
        assertEquals("failed to query lastest pod metrics: down",
                new MetricAdapter(down, null).podsMetric("q", "default", WEB, null).cause().getMessage());
    }
}
