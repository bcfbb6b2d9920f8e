package io.kapacitystack.kapacity.reactive;

import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.kapacitystack.kapacity.reactive.ReactiveFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsBatcherTest {

    /** Answers every query with a promise the test completes. */
    private static class Pending implements MetricsProvider {
        final List<MetricQuery> queries = new CopyOnWriteArrayList<>();
        final List<Promise<List<Sample>>> answers = new CopyOnWriteArrayList<>();

        @Override
        public Future<List<Sample>> queryLatest(MetricQuery query) {
            queries.add(query);
            Promise<List<Sample>> p = Promise.promise();
            answers.add(p);
            return p.future();
        }

        @Override
        public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
            throw new UnsupportedOperationException();
        }
    }

    private static Sample sample(String pod, double v) {
        return new Sample(NOW.toEpochMilli(), v, Map.of("pod", pod), Duration.ofMinutes(1));
    }

    @Test
    void concurrentRequestsShareOneNamespaceWideQueryAndAreFilteredPerCaller() {
        Pending provider = new Pending();
        MetricsBatcher b = new MetricsBatcher(provider, Duration.ofSeconds(1));
        Future<List<Sample>> web = b.latest("default", "cpu", "", Set.of("web-0", "web-1"), NOW);
        Future<List<Sample>> api = b.latest("default", "cpu", "", Set.of("api-0"), NOW.plusMillis(200));
        Future<List<Sample>> other = b.latest("other", "cpu", "", Set.of("x"), NOW);
        Future<List<Sample>> mem = b.latest("default", "memory", "", Set.of("web-0"), NOW);
        assertEquals(3, provider.queries.size());
        assertEquals(new MetricQuery.PodResource("default", "", Selector.everything(), "cpu"), provider.queries.get(0));
        assertFalse(web.isComplete());
        provider.answers.get(0).complete(List.of(sample("web-0", 1), sample("web-1", 2), sample("api-0", 3), sample("db-0", 4)));
        assertEquals(List.of(sample("web-0", 1), sample("web-1", 2)), web.result());
        assertEquals(List.of(sample("api-0", 3)), api.result());
        assertFalse(other.isComplete());
        assertFalse(mem.isComplete());
        // still fresh: answered from the shared result without a query
        assertEquals(List.of(sample("web-1", 2)), b.latest("default", "cpu", "", Set.of("web-1"), NOW.plusMillis(999)).result());
        assertEquals(3, b.providerQueries());
        assertEquals(5, b.requests());
    }

    @Test
    void freshnessIsJudgedByTheCallersNow() {
        Pending provider = new Pending();
        MetricsBatcher b = new MetricsBatcher(provider, Duration.ofSeconds(1));
        b.latest("default", "cpu", "", Set.of("a"), NOW);
        provider.answers.get(0).complete(List.of(sample("a", 1)));
        b.latest("default", "cpu", "", Set.of("a"), NOW.plusMillis(500));
        assertEquals(1, provider.queries.size());
        Future<List<Sample>> later = b.latest("default", "cpu", "", Set.of("a"), NOW.plusSeconds(1));
        assertEquals(2, provider.queries.size());
        provider.answers.get(1).complete(List.of(sample("a", 9)));
        assertEquals(List.of(sample("a", 9)), later.result());
        // a zero window still coalesces requests while the query is in flight
        MetricsBatcher none = new MetricsBatcher(provider, Duration.ZERO);
        none.latest("default", "cpu", "", Set.of("a"), NOW);
        none.latest("default", "cpu", "", Set.of("a"), NOW);
        assertEquals(3, provider.queries.size());
        provider.answers.get(2).complete(List.of());
        none.latest("default", "cpu", "", Set.of("a"), NOW);
        assertEquals(4, provider.queries.size());
    }

    @Test
    void failuresAreSharedByWaitersButNotKept() {
        Pending provider = new Pending();
        MetricsBatcher b = new MetricsBatcher(provider, Duration.ofSeconds(10));
        Future<List<Sample>> one = b.latest("default", "cpu", "", Set.of("a"), NOW);
        Future<List<Sample>> two = b.latest("default", "cpu", "", Set.of("a"), NOW);
        provider.answers.get(0).fail(new MetricsException(MetricsException.Kind.UNAVAILABLE, "prometheus down"));
        assertEquals("prometheus down", one.cause().getMessage());
        assertEquals("prometheus down", two.cause().getMessage());
        b.latest("default", "cpu", "", Set.of("a"), NOW.plusMillis(1));
        assertEquals(2, provider.queries.size());
    }

    @Test
    void aProviderThrowingIsAFailedFuture() {
        MetricsBatcher b = new MetricsBatcher(new Pending() {
            @Override
            public Future<List<Sample>> queryLatest(MetricQuery query) {
                throw new IllegalStateException("boom");
            }
        });
        Future<List<Sample>> f = b.latest("default", "cpu", "", Set.of("a"), NOW);
        assertTrue(f.failed());
        assertEquals("boom", f.cause().getMessage());
    }

    @Test
    void containerQueriesAreKeyedByContainer() {
        Pending provider = new Pending();
        MetricsBatcher b = new MetricsBatcher(provider);
        b.latest("default", "cpu", "app", Set.of("a"), NOW);
        b.latest("default", "cpu", "sidecar", Set.of("a"), NOW);
        b.latest("default", "cpu", "app", Set.of("b"), NOW);
        assertEquals(List.of(
                new MetricQuery.ContainerResource("default", "", Selector.everything(), "cpu", "app"),
                new MetricQuery.ContainerResource("default", "", Selector.everything(), "cpu", "sidecar")), provider.queries);
    }
}
