package io.kapacitystack.kapacity.reactive;

import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Coalesces the latest pod-resource queries of many reactive generations (issue #5 item 6): every request for the
 * same (namespace, resource, container) made while a namespace-wide answer is in flight or younger than the
 * freshness window shares ONE provider query over all pods of the namespace ({@link Selector#everything()}); each
 * caller then keeps the samples of the pods it asked about. With N HPs in a namespace syncing together, that is one
 * query per namespace and metric per sync instead of N. Freshness is judged by the {@code now} the callers pass, never
 * by the wall clock. A failed query is not kept: the next request after it retries.
 */
public final class MetricsBatcher {

    public static final Duration DEFAULT_FRESHNESS = Duration.ofSeconds(1);
    private static final int SWEEP_ABOVE = 256;

    private record Key(String namespace, String resource, String container) {
    }

    private record Entry(Instant fetchedAt, Future<Answer> result) {
    }

    private final MetricsProvider provider;
    private final Duration freshness;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong providerQueries = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    public MetricsBatcher(MetricsProvider provider, Duration freshness) {
        if (freshness.isNegative()) {
            throw new IllegalArgumentException("freshness must not be negative: " + freshness);
        }
        this.provider = provider;
        this.freshness = freshness;
    }

    public MetricsBatcher(MetricsProvider provider) {
        this(provider, DEFAULT_FRESHNESS);
    }

    public Duration freshness() {
        return freshness;
    }

    /** How many queries this batcher has sent to the provider. */
    public long providerQueries() {
        return providerQueries.get();
    }

    /** How many requests it has answered (shared or not). */
    public long requests() {
        return requests.get();
    }

    /**
     * The latest {@code resource} samples (of {@code container} when non-empty) of the pods named in
     * {@code podNames}, from a namespace-wide query shared with other callers.
     */
    public Future<List<Sample>> latest(String namespace, String resource, String container, Set<String> podNames,
                                       Instant now) {
        return shared(namespace, resource, container, now).map(answer -> {
            List<Sample> mine = new ArrayList<>();
            if (podNames.size() * 4 < answer.all().size()) {
                for (String pod : podNames) {
                    List<Sample> s = answer.byPod().get(pod);
                    if (s != null) {
                        mine.addAll(s);
                    }
                }
            } else {
                for (Sample s : answer.all()) {
                    if (podNames.contains(s.labels().get("pod"))) {
                        mine.add(s);
                    }
                }
            }
            return mine;
        });
    }

    /** One namespace-wide answer, with its samples indexed by pod so each caller picks its own cheaply. */
    private record Answer(List<Sample> all, Map<String, List<Sample>> byPod) {
        static Answer of(List<Sample> all) {
            Map<String, List<Sample>> byPod = new HashMap<>();
            for (Sample s : all) {
                String pod = s.labels().get("pod");
                if (pod != null) {
                    byPod.computeIfAbsent(pod, k -> new ArrayList<>(1)).add(s);
                }
            }
            return new Answer(all, byPod);
        }
    }

    /** Every pod's latest {@code resource} samples in {@code namespace} (shared, see the class comment). */
    public Future<List<Sample>> namespaceLatest(String namespace, String resource, String container, Instant now) {
        return shared(namespace, resource, container, now).map(Answer::all);
    }

    private Future<Answer> shared(String namespace, String resource, String container, Instant now) {
        requests.incrementAndGet();
        Key key = new Key(namespace, resource, container == null ? "" : container);
        Promise<Answer>[] mine = newPromiseHolder();
        Entry entry = entries.compute(key, (k, old) -> {
            if (old != null && fresh(old, now)) {
                return old;
            }
            mine[0] = Promise.promise();
            return new Entry(now, mine[0].future());
        });
        if (mine[0] != null) {
            // this caller created the entry: it sends the one query (outside compute, which must not re-enter)
            providerQueries.incrementAndGet();
            Future<List<Sample>> sent;
            try {
                sent = provider.queryLatest(query(key));
            } catch (RuntimeException e) {
                sent = Future.failedFuture(e);
            }
            sent.onComplete(ar -> {
                if (ar.failed()) {
                    entries.remove(key, entry);
                }
            });
            sent.map(Answer::of).onComplete(mine[0]);
            sweep(now);
        }
        return entry.result();
    }

    private boolean fresh(Entry e, Instant now) {
        if (e.result().failed()) {
            return false;
        }
        return now.isBefore(e.fetchedAt().plus(freshness)) || (freshness.isZero() && !e.result().isComplete());
    }

    private void sweep(Instant now) {
        if (entries.size() > SWEEP_ABOVE) {
            entries.entrySet().removeIf(e -> e.getValue().result().isComplete() && !fresh(e.getValue(), now));
        }
    }

    private static MetricQuery query(Key k) {
        if (k.container().isEmpty()) {
            return new MetricQuery.PodResource(k.namespace(), "", Selector.everything(), k.resource());
        }
        return new MetricQuery.ContainerResource(k.namespace(), "", Selector.everything(), k.resource(), k.container());
    }

    @SuppressWarnings("unchecked")
    private static Promise<Answer>[] newPromiseHolder() {
        return (Promise<Answer>[]) new Promise[1];
    }
}
