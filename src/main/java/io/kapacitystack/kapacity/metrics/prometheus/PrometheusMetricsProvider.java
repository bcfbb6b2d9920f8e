package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.AnswerBudget;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.runtime.FileWatcher;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import io.kapacitystack.kapacity.metrics.MetricIdentifier;
import io.vertx.core.Promise;

/**
 * The default metrics provider (Kapacity's {@code pkg/metric/provider/prometheus/provider.go}): PromQL built from Kapacity's config, run against Prometheus' HTTP
 * API. Range queries are split into shards of at most {@link #MAX_POINTS_PER_SHARD} steps, run concurrently and
 * merged by label set. Object and External metrics are found by a background series discovery
 * ({@link #start()}); until its first success they are "not registered" / "not found".
 *
 * <p>Limitation: metric selectors ({@code metric.selector}) of Object/External/WorkloadExternal queries are
 * rejected with INVALID_ARGUMENT until {@code kube.LabelSelectors} exposes a selector's requirements (needed to
 * render them as PromQL label matchers).
 */
public final class PrometheusMetricsProvider implements MetricsProvider {

    public static final int MAX_POINTS_PER_SHARD = 11_000;

    /** How often {@link #withConfigFile} checks the metrics-config file for changes unless told otherwise. */
    public static final Duration DEFAULT_CONFIG_CHECK_INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetricsProvider.class);

    /**
     * Discovery timing ({@code --prometheus-metrics-relist-interval}, default 10m, and
     * {@code --prometheus-metrics-max-age}, default 0 = the relist interval).
     */
    public record DiscoveryOptions(Duration relistInterval, Duration maxAge) {
        public DiscoveryOptions {
            if (maxAge == null || maxAge.isZero()) {
                maxAge = relistInterval;
            }
        }

        public static DiscoveryOptions defaults() {
            return new DiscoveryOptions(Duration.ofMinutes(10), Duration.ZERO);
        }
    }

    private record Registered(PrometheusConfig.DiscoveryRule rule, String seriesName) {
    }

    private record ObjectMetricKey(String group, String resource, boolean namespaced, String metric) {
    }

    /** The config and its query builder, swapped together when the config file changes. */
    private record State(PrometheusConfig config, QueryBuilder builder) {
        State(PrometheusConfig config) {
            this(config, new QueryBuilder(config));
        }
    }

    private final Clock clock;
    private final PrometheusClient prometheus;
    private final KubeLookup kube;
    private final DiscoveryOptions discovery;
    private volatile State state;
    private volatile String lastConfigError;
    private volatile FileWatcher configWatcher;
    private volatile Map<String, Registered> externalRegistry = Map.of();
    private volatile Map<ObjectMetricKey, Registered> objectRegistry = Map.of();
    private volatile boolean discovered;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile Clock.Cancellable nextRound;

    public PrometheusMetricsProvider(Vertx vertx, Clock clock, PrometheusConfig config, String prometheusUrl,
                                     KubeLookup kube, DiscoveryOptions discovery) {
        this(vertx, clock, config, prometheusUrl, PrometheusClientOptions.none(), kube, discovery);
    }

    /** A provider connecting to Prometheus with the auth and TLS settings of {@code clientOptions}. */
    public PrometheusMetricsProvider(Vertx vertx, Clock clock, PrometheusConfig config, String prometheusUrl,
                                     PrometheusClientOptions clientOptions, KubeLookup kube,
                                     DiscoveryOptions discovery) {
        this(clock, config, new PrometheusClient(vertx, prometheusUrl, Duration.ofMinutes(2), clientOptions), kube,
                discovery);
    }

    /**
     * A provider whose metrics config is read from {@code configFile} now and again whenever its content changes
     * (checked every {@code checkInterval}, real time). A changed file that does not parse keeps the config in use
     * and is reported by {@link #lastConfigError()}; a good one replaces the config atomically and starts a series
     * discovery round with the new rules.
     *
     * @throws PrometheusConfig.ConfigException if the file does not parse now (message with the line number)
     * @throws UncheckedIOException if it cannot be read now
     */
    public static PrometheusMetricsProvider withConfigFile(Vertx vertx, Clock clock, Path configFile,
                                                           Duration checkInterval, String prometheusUrl,
                                                           PrometheusClientOptions clientOptions, KubeLookup kube,
                                                           DiscoveryOptions discovery) {
        byte[] content;
        try {
            content = Files.readAllBytes(configFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Prometheus metrics config " + configFile + ": " + e, e);
        }
        PrometheusConfig config = PrometheusConfig.parse(new String(content, StandardCharsets.UTF_8));
        PrometheusMetricsProvider p = new PrometheusMetricsProvider(vertx, clock, config, prometheusUrl,
                clientOptions, kube, discovery);
        p.configWatcher = FileWatcher.watch(vertx, configFile, checkInterval, Buffer.buffer(content),
                b -> p.reloadConfig(b.toString(StandardCharsets.UTF_8)),
                t -> p.configError("cannot read " + configFile + ": " + t.getMessage()));
        return p;
    }

    PrometheusMetricsProvider(Clock clock, PrometheusConfig config, PrometheusClient prometheus, KubeLookup kube,
                              DiscoveryOptions discovery) {
        this.clock = clock;
        this.prometheus = prometheus;
        this.kube = kube;
        this.discovery = discovery;
        this.state = new State(config);
    }

    // ---- config reload

    /** The config in use. */
    public PrometheusConfig config() {
        return state.config();
    }

    /**
     * Why the last reload of the config file failed (with the line number for a bad file), empty once a reload
     * succeeded or if none failed.
     */
    public Optional<String> lastConfigError() {
        return Optional.ofNullable(lastConfigError);
    }

    private void configError(String message) {
        lastConfigError = message;
        LOG.error("Prometheus metrics config not reloaded, keeping the config in use: {}", message);
    }

    /**
     * Replaces the config with {@code yaml} if it parses (and starts a discovery round with its rules); otherwise
     * keeps the config in use, records the error and returns false.
     */
    public boolean reloadConfig(String yaml) {
        PrometheusConfig next;
        try {
            next = PrometheusConfig.parse(yaml);
        } catch (PrometheusConfig.ConfigException | IllegalArgumentException e) {
            configError("invalid metrics config: " + e.getMessage());
            return false;
        }
        state = new State(next);
        lastConfigError = null;
        LOG.info("Prometheus metrics config reloaded");
        if (!closed && started) {
            discover().onFailure(t -> LOG.warn("prometheus series discovery after config reload failed: {}",
                    t.getMessage()));
        }
        return true;
    }

    // ---- discovery (Kapacity's pkg/metric/provider/prometheus/runnable.go and *_series_registry.go)

    /** Starts the background series discovery; the returned future completes after the first successful round. */
    public Future<Void> start() {
        Promise<Void> first = Promise.promise();
        started = true;
        round(Duration.ofSeconds(1), first);
        return first.future();
    }

    public boolean discovered() {
        return discovered;
    }

    public void close() {
        closed = true;
        FileWatcher w = configWatcher;
        if (w != null) {
            w.close();
        }
        Clock.Cancellable c = nextRound;
        if (c != null) {
            c.cancel();
        }
        prometheus.close();
    }

    private void round(Duration backoff, Promise<Void> first) {
        if (closed) {
            return;
        }
        discover().onComplete(ar -> {
            if (closed) {
                return;
            }
            if (ar.succeeded()) {
                discovered = true;
                first.tryComplete();
                nextRound = clock.schedule(discovery.relistInterval(), () -> round(Duration.ofSeconds(1), first));
            } else {
                LOG.warn("prometheus series discovery failed, retrying in {}: {}", backoff, ar.cause().getMessage());
                Duration next = backoff.multipliedBy(2).compareTo(discovery.relistInterval()) > 0
                        ? discovery.relistInterval() : backoff.multipliedBy(2);
                nextRound = clock.schedule(backoff, () -> round(next, first));
            }
        });
    }

    /** One discovery round: every distinct seriesQuery once, then both registries replaced atomically. */
    Future<Void> discover() {
        Instant now = clock.now();
        Instant from = now.minus(discovery.maxAge());
        PrometheusConfig config = state.config();
        Set<String> queries = new LinkedHashSet<>();
        config.rules().forEach(r -> queries.add(r.seriesQuery()));
        config.externalRules().forEach(r -> queries.add(r.seriesQuery()));
        Map<String, Future<List<Map<String, String>>>> calls = new LinkedHashMap<>();
        queries.forEach(q -> calls.put(q, prometheus.series(q, from, now)));
        return Future.all(new ArrayList<>(calls.values())).map(v -> {
            Map<ObjectMetricKey, Registered> objects = new HashMap<>();
            for (PrometheusConfig.DiscoveryRule rule : config.rules()) {
                for (Map<String, String> series : calls.get(rule.seriesQuery()).result()) {
                    String seriesName = series.getOrDefault("__name__", "");
                    if (!rule.seriesFilters().stream().allMatch(f -> f.accepts(seriesName))) {
                        continue;
                    }
                    rule.name().name(seriesName).ifPresent(metric -> {
                        boolean namespaced = series.keySet().stream().map(l -> rule.resources().resourceFor(l))
                                .anyMatch(r -> r.isPresent() && PrometheusConfig.sameResource(r.get().resource(),
                                        "namespace"));
                        for (String label : series.keySet()) {
                            rule.resources().resourceFor(label).ifPresent(gr -> {
                                String res = PrometheusConfig.singular(gr.resource());
                                boolean ns = namespaced && !Set.of("namespace", "node", "persistentvolume")
                                        .contains(res);
                                objects.put(new ObjectMetricKey(gr.group(), res, ns, metric),
                                        new Registered(rule, seriesName));
                            });
                        }
                    });
                }
            }
            Map<String, Registered> externals = new HashMap<>();
            for (PrometheusConfig.DiscoveryRule rule : config.externalRules()) {
                for (Map<String, String> series : calls.get(rule.seriesQuery()).result()) {
                    String seriesName = series.getOrDefault("__name__", "");
                    if (rule.seriesFilters().stream().allMatch(f -> f.accepts(seriesName))) {
                        rule.name().name(seriesName).ifPresent(metric ->
                                externals.put(metric, new Registered(rule, seriesName)));
                    }
                }
            }
            if (state.config() != config) {
                return null; // the config was reloaded meanwhile: the round started for it has the say
            }
            objectRegistry = Map.copyOf(objects);
            externalRegistry = Map.copyOf(externals);
            return null;
        });
    }

    // ---- queries

    private record Built(List<String> queries, Duration window) {
    }

    private static void noMetricSelector(MetricIdentifier m) {
        if (m.selector() != null && !m.selector().isEmpty()) {
            throw MetricsException.invalid("failed to build prom queries: metric selectors are not supported by "
                    + "the prometheus provider yet (metric %s, selector \"%s\")", m.name(), m.selector());
        }
    }

    private Future<Built> build(MetricQuery q) {
        State st = state;
        PrometheusConfig config = st.config();
        QueryBuilder builder = st.builder();
        try {
            Duration window = config.resourceRules().window().isZero() ? null : config.resourceRules().window();
            if (q instanceof MetricQuery.PodResource p) {
                builder.resourceRule(p.resourceName());
                return podNames(p.namespace(), p.name(), p.selector()).map(pods -> new Built(List.of(
                        builder.podResource(p.resourceName(), p.namespace(), pods, null)), window));
            }
            if (q instanceof MetricQuery.ContainerResource c) {
                builder.resourceRule(c.resourceName());
                return podNames(c.namespace(), c.name(), c.selector()).map(pods -> new Built(List.of(
                        builder.podResource(c.resourceName(), c.namespace(), pods, c.containerName())), window));
            }
            if (q instanceof MetricQuery.WorkloadResource w) {
                return Future.succeededFuture(new Built(List.of(builder.workloadResource(w.resourceName(),
                        w.groupKind(), w.namespace(), w.name(), null, w.readyPodsOnly())), window));
            }
            if (q instanceof MetricQuery.WorkloadContainerResource w) {
                return Future.succeededFuture(new Built(List.of(builder.workloadResource(w.resourceName(),
                        w.groupKind(), w.namespace(), w.name(), w.containerName(), w.readyPodsOnly())), window));
            }
            if (q instanceof MetricQuery.External e) {
                noMetricSelector(e.metric());
                Registered r = external(e.metric().name());
                return Future.succeededFuture(new Built(List.of(
                        builder.external(r.rule(), r.seriesName(), e.namespace(), null)), null));
            }
            if (q instanceof MetricQuery.WorkloadExternal e) {
                noMetricSelector(e.metric());
                Registered r = external(e.metric().name());
                String pattern = builder.podNamePattern(e.groupKind(), e.name());
                return Future.succeededFuture(new Built(List.of(
                        builder.external(r.rule(), r.seriesName(), e.namespace(), pattern)), null));
            }
            if (q instanceof MetricQuery.ObjectQuery o) {
                noMetricSelector(o.metric());
                return kube.resourceFor(o.groupKind())
                        .recover(t -> Future.failedFuture(MetricsException.invalid(
                                "failed to map kind \"%s\" to resource: %s", o.groupKind(), t.getMessage())))
                        .compose(gr -> {
                            Future<List<String>> names = o.name().isEmpty()
                                    ? kube.objectNames(o.groupKind(), o.namespace(), o.selector())
                                    : Future.succeededFuture(List.of(o.name()));
                            return names.map(n -> {
                                ObjectMetricKey key = new ObjectMetricKey(gr.group(), PrometheusConfig.singular(gr.resource()),
                                        !o.namespace().isEmpty(), o.metric().name());
                                Registered r = objectRegistry.get(key);
                                if (r == null) {
                                    throw MetricsException.notFound("failed to build prom queries: metric %s not "
                                            + "registered", key);
                                }
                                return new Built(List.of(builder.object(r.rule(), r.seriesName(), gr, o.namespace(),
                                        n, o.metric().name())), null);
                            });
                        });
            }
            return Future.failedFuture(MetricsException.unsupported("unsupported query type %s", q.type()));
        } catch (MetricsException e) {
            return Future.failedFuture(e);
        }
    }

    private Registered external(String metric) {
        Registered r = externalRegistry.get(metric);
        if (r == null) {
            throw MetricsException.notFound("failed to build prom queries: external metric \"%s\" not found", metric);
        }
        return r;
    }

    private Future<List<String>> podNames(String namespace, String name, Selector selector) {
        if (!name.isEmpty()) {
            return Future.succeededFuture(List.of(name));
        }
        if (selector == null) {
            return Future.failedFuture(MetricsException.invalid(
                    "failed to build prom queries: either name or selector should be specified in query"));
        }
        return kube.podNames(namespace, selector);
    }

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query) {
        return queryLatest(query, AnswerBudget.unlimited());
    }

    @Override
    public Future<List<Sample>> queryLatest(MetricQuery query, AnswerBudget budget) {
        Instant now = clock.now();
        return build(query).compose(b -> {
            List<Future<List<PrometheusClient.RawSeries>>> calls = new ArrayList<>();
            for (String q : b.queries()) {
                calls.add(prometheus.query(q, now, budget).recover(t -> Future.failedFuture(MetricsException.of(t)
                        .wrap("prom query failed with query \"" + q + "\" at " + now + ": "))));
            }
            return Future.all(calls).map(v -> {
                List<Sample> out = new ArrayList<>();
                for (Future<List<PrometheusClient.RawSeries>> f : calls) {
                    for (PrometheusClient.RawSeries s : f.result()) {
                        Point p = s.points().get(0);
                        out.add(new Sample(p.timestamp(), p.value(), s.labels(), b.window()));
                    }
                }
                return out;
            });
        });
    }

    /**
     * The shards of a range query, as Kapacity's {@code pkg/metric/provider/prometheus/provider.go} cuts them: at
     * most {@link #MAX_POINTS_PER_SHARD} steps each.
     */
    static List<Instant[]> shards(Instant start, Instant end, Duration step) {
        List<Instant[]> out = new ArrayList<>();
        Instant shardStart = start;
        while (!shardStart.isAfter(end)) {
            Instant shardEnd = shardStart.plus(step.multipliedBy(MAX_POINTS_PER_SHARD));
            boolean last = !shardEnd.isBefore(end);
            if (last) {
                shardEnd = end;
            }
            out.add(new Instant[] {shardStart, shardEnd});
            if (last) {
                break;
            }
            shardStart = shardEnd.plus(step);
        }
        return out;
    }

    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step) {
        return query(query, start, end, step, AnswerBudget.unlimited());
    }

    /** The shards of one query share {@code budget}: the first to pass it fails the query. */
    @Override
    public Future<List<Series>> query(MetricQuery query, Instant start, Instant end, Duration step,
                                      AnswerBudget budget) {
        if (start.isAfter(end)) {
            return Future.failedFuture(MetricsException.invalid("start %s is after end %s", start, end));
        }
        if (step.isZero() || step.isNegative()) {
            return Future.failedFuture(MetricsException.invalid("step %s must be positive", step));
        }
        return build(query).compose(b -> {
            List<Future<List<PrometheusClient.RawSeries>>> calls = new ArrayList<>();
            for (String q : b.queries()) {
                for (Instant[] shard : shards(start, end, step)) {
                    calls.add(prometheus.queryRange(q, shard[0], shard[1], step, budget));
                }
            }
            return Future.join(calls).transform(ar -> {
                List<String> errors = new ArrayList<>();
                for (Future<List<PrometheusClient.RawSeries>> f : calls) {
                    if (f.failed()) {
                        errors.add(f.cause().getMessage());
                    }
                }
                if (!errors.isEmpty()) {
                    MetricsException first = MetricsException.of(calls.stream().filter(Future::failed).findFirst()
                            .get().cause());
                    return Future.failedFuture(new MetricsException(first.kind(), "prom range query failed: "
                            + errors, first));
                }
                Map<Map<String, String>, List<Point>> merged = new LinkedHashMap<>();
                for (Future<List<PrometheusClient.RawSeries>> f : calls) {
                    for (PrometheusClient.RawSeries s : f.result()) {
                        merged.computeIfAbsent(s.labels(), k -> new ArrayList<>()).addAll(s.points());
                    }
                }
                List<Series> out = new ArrayList<>();
                merged.forEach((labels, points) -> out.add(new Series(points, labels, b.window())));
                return Future.succeededFuture(out);
            });
        });
    }
}
