package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ContainerResourceMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ExternalMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ObjectMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.PodsMetricSource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.gocompat.GoFormat;
import io.kapacitystack.kapacity.gocompat.GoStrings;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The Reactive portrait generator (Kapacity's pkg/portrait/generator/reactive/generator.go): the Kubernetes HPA
 * replica calculator over the HP's metrics, then
 * autoscaling/v2 behavior. The returned future never fails for bad input or metric errors: those are reported in
 * {@link ReactiveOutcome#error()} and the conditions.
 *
 * <p>I/O is only the metrics queries (asynchronous) and the pod cache read; the arithmetic is in the pure
 * {@link ReplicaCalculator} and {@link BehaviorNormalizer}. Pod-resource queries are batched per namespace by a
 * {@link MetricsBatcher} unless batching is turned off.
 */
public final class ReactiveGenerator {

    private final MetricAdapter metrics;
    private final MetricsBatcher batcher;
    private final Function<String, List<Pod>> podsInNamespace;
    private final ConcurrentHashMap<ObjectKey, BehaviorHistory> histories = new ConcurrentHashMap<>();

    /** Batching on, with {@link MetricsBatcher#DEFAULT_FRESHNESS}. */
    public ReactiveGenerator(MetricsProvider metrics, ResourceCache<Pod> pods) {
        this(metrics, pods, new MetricsBatcher(metrics));
    }

    /** @param batcher shared pod-resource query batcher; null turns batching off (one query per metric and HP) */
    public ReactiveGenerator(MetricsProvider metrics, ResourceCache<Pod> pods, MetricsBatcher batcher) {
        this(metrics, pods::list, batcher);
    }

    ReactiveGenerator(MetricsProvider metrics, Function<String, List<Pod>> podsInNamespace, MetricsBatcher batcher) {
        this.metrics = new MetricAdapter(metrics, batcher);
        this.batcher = batcher;
        this.podsInNamespace = podsInNamespace;
    }

    /** The batcher in use, or null when batching is off. */
    public MetricsBatcher batcher() {
        return batcher;
    }

    /**
     * @param bounds the owning IHPA's min/max replicas, or null when the HP has no IHPA owner
     */
    public Future<ReactiveOutcome> generate(HorizontalPortrait hp, ScaleInfo scale, ReplicaBounds bounds, Instant now) {
        try {
            return doGenerate(hp, scale, bounds, now);
        } catch (RuntimeException e) {
            return Future.succeededFuture(failure("internal error: " + e, KubeHpaParams.DEFAULT_SYNC_PERIOD,
                    List.of(new HpaCondition(HpaCondition.SCALING_ACTIVE, false, "InternalError", String.valueOf(e)))));
        }
    }

    /** Drops the behavior history of a deleted HP. */
    public void forget(ObjectKey hp) {
        histories.remove(hp);
    }

    /** Number of HPs with behavior history (memory check). */
    public int historySize() {
        return histories.size();
    }

    // ---- generation ----

    private Future<ReactiveOutcome> doGenerate(HorizontalPortrait hp, ScaleInfo scale, ReplicaBounds bounds, Instant now) {
        PortraitAlgorithm algorithm = hp.getSpec() == null ? null : hp.getSpec().algorithm;
        KubeHpaParams params;
        try {
            params = KubeHpaParams.of(algorithm);
        } catch (ReplicaCalculationException e) {
            return Future.succeededFuture(failure(e.getMessage(), KubeHpaParams.DEFAULT_SYNC_PERIOD,
                    List.of(new HpaCondition(HpaCondition.SCALING_ACTIVE, false, "InvalidAlgorithm",
                            "the reactive generator cannot run: " + e.getMessage()))));
        }
        HpaCondition gotScale = new HpaCondition(HpaCondition.ABLE_TO_SCALE, true, "SucceededGetScale",
                BehaviorNormalizer.SUCCEEDED_GET_SCALE);
        String selectorText = scale.selector == null ? "" : scale.selector;
        Selector selector;
        try {
            if (selectorText.isEmpty()) {
                throw new IllegalArgumentException("selector should not be empty");
            }
            selector = Selector.parse(selectorText);
        } catch (IllegalArgumentException e) {
            String msg = "failed to parse label selector " + GoStrings.quote(selectorText) + " of target's current scale: " + e.getMessage();
            String condition = selectorText.isEmpty() ? "the HPA target's scale is missing a selector"
                    : "couldn't convert selector into a corresponding internal selector object: " + e.getMessage();
            return Future.succeededFuture(failure(msg, params.syncPeriod(),
                    List.of(gotScale, new HpaCondition(HpaCondition.SCALING_ACTIVE, false, "InvalidSelector", condition))));
        }

        if (bounds != null && (scale.specReplicas > bounds.max() || scale.specReplicas < bounds.min())) {
            return Future.succeededFuture(intoBounds(hp, scale, bounds, params, gotScale, now));
        }
        String namespace = hp.getMetadata().getNamespace();
        List<Pod> pods = new ArrayList<>();
        for (Pod p : podsInNamespace.apply(namespace)) {
            if (selector.matches(p.getMetadata().getLabels())) {
                pods.add(p);
            }
        }
        ReplicaCalculator calc = new ReplicaCalculator(params.tolerances(), params.cpuInitializationPeriod(),
                params.initialReadinessDelay());
        List<MetricSpec> specs = hp.getSpec().metrics == null ? List.of() : hp.getSpec().metrics;
        List<Future<Proposal>> proposals = new ArrayList<>();
        for (MetricSpec m : specs) {
            proposals.add(proposal(m, calc, scale, namespace, selector, pods, now));
        }
        return Future.join(proposals).transform(ignored -> {
            List<Proposal> done = new ArrayList<>();
            for (Future<Proposal> f : proposals) {
                done.add(f.succeeded() ? f.result()
                        : Proposal.failed("FailedGetMetric", "unexpected failure: " + f.cause()));
            }
            return Future.succeededFuture(decide(hp, done, specs.size(), scale, bounds, params, gotScale, now));
        });
    }

    /**
     * A workload outside [min, max] is brought inside before any metric is read, as the HPA does ("Current number of
     * replicas above Spec.MaxReplicas"): a metric that cannot be read must not leave it outside.
     */
    private ReactiveOutcome intoBounds(HorizontalPortrait hp, ScaleInfo scale, ReplicaBounds bounds,
                                       KubeHpaParams params, HpaCondition gotScale, Instant now) {
        boolean above = scale.specReplicas > bounds.max();
        int replicas = above ? bounds.max() : bounds.min();
        if (params.behavior() != null) {
            BehaviorHistory history = histories.computeIfAbsent(ObjectKey.of(hp), k -> new BehaviorHistory());
            synchronized (history) {
                history.recordScale(params.behavior(), scale.specReplicas, replicas, now);
            }
        }
        HpaCondition limited = above
                ? new HpaCondition(HpaCondition.SCALING_LIMITED, true, "TooManyReplicas",
                "the desired replica count is more than the maximum replica count")
                : new HpaCondition(HpaCondition.SCALING_LIMITED, true, "TooFewReplicas",
                "the desired replica count is less than the minimum replica count");
        return new ReactiveOutcome(replicas, null, List.of(gotScale, limited), params.syncPeriod(), List.of());
    }

    /**
     * Scale to zero (upstream's HPAScaleToZero): only an IHPA with {@code minReplicas: 0} and at least one Object or
     * External metric (whose value is read without pods, so it can wake the workload) lets the proposal reach 0;
     * otherwise the proposal has Kapacity's floor of 1.
     */
    static boolean mayScaleToZero(ReplicaBounds bounds, List<MetricSpec> specs) {
        if (bounds == null || bounds.min() != 0 || specs == null) {
            return false;
        }
        return specs.stream().anyMatch(m -> "Object".equals(m.type) || "External".equals(m.type));
    }

    private ReactiveOutcome decide(HorizontalPortrait hp, List<Proposal> proposals, int metricCount, ScaleInfo scale,
                                   ReplicaBounds bounds, KubeHpaParams params, HpaCondition gotScale, Instant now) {
        int replicas = mayScaleToZero(bounds, hp.getSpec().metrics) ? 0 : 1;
        String bestMetric = null;
        int bestReplicas = 0;
        int invalid = 0;
        Proposal firstInvalid = null;
        List<ReactiveOutcome.MetricReading> readings = new ArrayList<>();
        for (int i = 0; i < proposals.size(); i++) {
            Proposal p = proposals.get(i);
            readings.add(p.reading != null ? p.reading : new ReactiveOutcome.MetricReading(
                    describe(hp, i), "<unknown>", ""));
        }
        for (Proposal p : proposals) {
            if (p.error != null) {
                if (firstInvalid == null) {
                    firstInvalid = p;
                }
                invalid++;
                continue;
            }
            if (bestMetric == null || p.replicas > bestReplicas) {
                bestMetric = p.metricName;
                bestReplicas = p.replicas;
            }
            replicas = Math.max(replicas, p.replicas);
        }
        if (invalid == metricCount || (invalid > 0 && replicas < scale.specReplicas)) {
            String first = firstInvalid == null ? "no metrics configured" : firstInvalid.error;
            String msg = "invalid metrics (" + invalid + " invalid out of " + metricCount + "), first error is: " + first;
            HpaCondition active = firstInvalid == null
                    ? new HpaCondition(HpaCondition.SCALING_ACTIVE, false, "InvalidMetricSourceType",
                    "the HPA was unable to compute the replica count: no metrics configured")
                    : new HpaCondition(HpaCondition.SCALING_ACTIVE, false, firstInvalid.reason,
                    "the HPA was unable to compute the replica count: " + firstInvalid.error);
            return new ReactiveOutcome(null, msg, List.of(gotScale, active), params.syncPeriod(), List.copyOf(readings));
        }
        HpaCondition active = new HpaCondition(HpaCondition.SCALING_ACTIVE, true, "ValidMetricFound",
                "the HPA was able to successfully calculate a replica count from " + bestMetric);
        int min = bounds == null ? 1 : bounds.min();
        int max = bounds == null ? Integer.MAX_VALUE : bounds.max();
        BehaviorNormalizer.Normalized n;
        if (params.behavior() == null) {
            n = bounds == null
                    ? new BehaviorNormalizer.Normalized(replicas, gotScale, null)
                    : BehaviorNormalizer.clampOnly(replicas, min, max);
        } else {
            BehaviorHistory history = histories.computeIfAbsent(ObjectKey.of(hp), k -> new BehaviorHistory());
            synchronized (history) {
                n = BehaviorNormalizer.normalize(history, params.behavior(), scale.specReplicas, replicas, min, max, now);
            }
        }
        List<HpaCondition> conditions = new ArrayList<>();
        conditions.add(n.ableToScale());
        conditions.add(active);
        if (n.scalingLimited() != null) {
            conditions.add(n.scalingLimited());
        } else {
            conditions.add(new HpaCondition(HpaCondition.SCALING_LIMITED, false, "DesiredWithinRange",
                    "the desired count is within the acceptable range"));
        }
        return new ReactiveOutcome(n.replicas(), null, List.copyOf(conditions), params.syncPeriod(), List.copyOf(readings));
    }

    /** A name for a metric that could not be read: its type and what it names. */
    private static String describe(HorizontalPortrait hp, int index) {
        List<MetricSpec> specs = hp.getSpec().metrics;
        if (specs == null || index >= specs.size()) {
            return "metric " + index;
        }
        MetricSpec m = specs.get(index);
        String type = m.type == null ? "" : m.type;
        switch (type) {
            case "Resource":
                return (m.resource == null ? "" : m.resource.getName() + " ") + "resource";
            case "ContainerResource":
                return (m.containerResource == null ? "" : m.containerResource.getName() + " ") + "container resource";
            case "Pods":
                return "pods metric" + (m.pods == null || m.pods.getMetric() == null ? "" : " " + m.pods.getMetric().getName());
            case "Object":
                return "object metric" + (m.object == null || m.object.getMetric() == null ? "" : " " + m.object.getMetric().getName());
            case "External":
                return "external metric" + (m.external == null || m.external.getMetric() == null ? "" : " " + m.external.getMetric().getName());
            default:
                return type + " metric";
        }
    }

    private static ReactiveOutcome failure(String error, Duration syncPeriod, List<HpaCondition> conditions) {
        return new ReactiveOutcome(null, error, List.copyOf(conditions), syncPeriod);
    }

    // ---- one metric ----

    private static final class Proposal {
        final int replicas;
        final String metricName;
        final String reason;
        final String error;
        ReactiveOutcome.MetricReading reading;

        private Proposal(int replicas, String metricName, String reason, String error) {
            this.replicas = replicas;
            this.metricName = metricName;
            this.reason = reason;
            this.error = error;
        }

        static Proposal ok(int replicas, String metricName) {
            return new Proposal(replicas, metricName, null, null);
        }

        static Proposal failed(String reason, String error) {
            return new Proposal(0, null, reason, error);
        }
    }

    private Future<Proposal> proposal(MetricSpec m, ReplicaCalculator calc, ScaleInfo scale, String namespace,
                                      Selector selector, List<Pod> pods, Instant now) {
        String type = m.type == null ? "" : m.type;
        switch (type) {
            case "Resource": {
                ResourceMetricSource r = m.resource;
                if (r == null) {
                    return done(Proposal.failed("FailedGetResourceMetric", "invalid resource metric source: missing \"resource\""));
                }
                return resource(calc, scale, namespace, selector, pods, now, r.getName(), "", r.getTarget(),
                        "FailedGetResourceMetric", "resource");
            }
            case "ContainerResource": {
                ContainerResourceMetricSource r = m.containerResource;
                if (r == null) {
                    return done(Proposal.failed("FailedGetContainerResourceMetric",
                            "invalid container resource metric source: missing \"containerResource\""));
                }
                return resource(calc, scale, namespace, selector, pods, now, r.getName(),
                        r.getContainer() == null ? "" : r.getContainer(), r.getTarget(),
                        "FailedGetContainerResourceMetric", "container resource");
            }
            case "Pods":
                return pods(m.pods, calc, scale, namespace, selector, pods, now);
            case "Object":
                return object(m.object, calc, scale, namespace, pods);
            case "External":
                return external(m.external, calc, scale, namespace, pods);
            default:
                return done(Proposal.failed("InvalidMetricSourceType", "unsupported metric source type " + GoStrings.quote(type)));
        }
    }

    private Future<Proposal> resource(ReplicaCalculator calc, ScaleInfo scale, String namespace, Selector selector,
                                      List<Pod> pods, Instant now, String resource, String container,
                                      MetricTarget target, String reason, String kindLabel) {
        String res = resource == null ? "" : resource;
        if (target != null && target.getAverageValue() != null) {
            long targetMilli = ReplicaCalculator.milli(target.getAverageValue());
            String prefix = "failed to get " + res + " usage: ";
            return metrics.resourceMetric(res, namespace, selector, container, names(pods), now).transform(ar -> {
                if (ar.failed()) {
                    return done(Proposal.failed(reason, prefix + "unable to get metrics for resource " + res + ": "
                            + ar.cause().getMessage()));
                }
                return calculated(reason, prefix, res + " " + kindLabel, target.getAverageValue().toString(), calc,
                        () -> calc.rawResourceReplicas(scale.specReplicas, targetMilli, res, pods, ar.result(), now));
            });
        }
        if (target != null && target.getAverageUtilization() != null) {
            int targetUtilization = target.getAverageUtilization();
            String prefix = "failed to get " + res + " utilization: ";
            return metrics.resourceMetric(res, namespace, selector, container, names(pods), now).transform(ar -> {
                if (ar.failed()) {
                    return done(Proposal.failed(reason, prefix + "unable to get metrics for resource " + res + ": "
                            + ar.cause().getMessage()));
                }
                return calculated(reason, prefix, res + " " + kindLabel + " utilization (percentage of request)",
                        targetUtilization + "%", calc,
                        () -> calc.resourceUtilizationReplicas(scale.specReplicas, targetUtilization, res, container,
                                pods, ar.result(), now));
            });
        }
        String what = container.isEmpty() ? "resource" : "container resource";
        return done(Proposal.failed(reason, "invalid " + what + " metric source: neither an average utilization target "
                + "nor an average value (usage) target was set"));
    }

    private Future<Proposal> pods(PodsMetricSource source, ReplicaCalculator calc, ScaleInfo scale, String namespace,
                                  Selector selector, List<Pod> pods, Instant now) {
        String reason = "FailedGetPodsMetric";
        if (source == null || source.getMetric() == null) {
            return done(Proposal.failed(reason, "invalid pods metric source: missing \"pods.metric\""));
        }
        if (source.getTarget() == null || source.getTarget().getAverageValue() == null) {
            // upstream dereferences the missing target and panics
            return done(Proposal.failed(reason, "invalid pods metric source: no average value target was set"));
        }
        String name = source.getMetric().getName();
        return withMetricSelector(reason, source.getMetric().getSelector(), metricSelector -> {
            long target = ReplicaCalculator.milli(source.getTarget().getAverageValue());
            return metrics.podsMetric(name, namespace, selector, metricSelector).transform(ar -> {
                String prefix = "failed to get pods metric: ";
                if (ar.failed()) {
                    return done(Proposal.failed(reason, prefix + "unable to get metric " + name + ": " + ar.cause().getMessage()));
                }
                return calculated(reason, prefix, "pods metric " + name, source.getTarget().getAverageValue().toString(), calc,
                        () -> calc.podsMetricReplicas(scale.specReplicas, target, pods, ar.result(), now));
            });
        });
    }

    private Future<Proposal> object(ObjectMetricSource source, ReplicaCalculator calc, ScaleInfo scale,
                                    String namespace, List<Pod> pods) {
        String reason = "FailedGetObjectMetric";
        if (source == null || source.getMetric() == null || source.getDescribedObject() == null) {
            return done(Proposal.failed(reason, "invalid object metric source: missing \"object.metric\" or \"object.describedObject\""));
        }
        MetricTarget target = source.getTarget();
        boolean value = target != null && "Value".equals(target.getType()) && target.getValue() != null;
        boolean average = target != null && "AverageValue".equals(target.getType()) && target.getAverageValue() != null;
        if (!value && !average) {
            return done(Proposal.failed(reason, "invalid object metric source: neither a value target nor an average value target was set"));
        }
        String name = source.getMetric().getName();
        return withMetricSelector(reason, source.getMetric().getSelector(), metricSelector -> {
            CrossVersionObjectReference ref = source.getDescribedObject();
            GroupKind gk = new GroupKind(group(ref.getApiVersion()), ref.getKind());
            String prefix = "failed to get object metric: ";
            String metricName = ref.getKind() + " metric " + name;
            return metrics.objectMetric(name, namespace, gk, ref.getName(), metricSelector).transform(ar -> {
                if (ar.failed()) {
                    // upstream's format arguments are out of order; the text is reproduced as it comes out
                    return done(Proposal.failed(reason, prefix + "unable to get metric " + name + ": " + ref.getKind()
                            + " on " + namespace + " " + ref.getName() + "/" + ar.cause().getMessage()));
                }
                long usage = ar.result();
                if (value) {
                    long t = ReplicaCalculator.milli(target.getValue());
                    return calculated(reason, prefix, metricName, target.getValue().toString(), calc,
                            () -> calc.objectValueReplicas(scale.specReplicas, usage, t, pods));
                }
                long t = ReplicaCalculator.milli(target.getAverageValue());
                // upstream (v1.25) names this case "external metric ..." in ValidMetricFound; kept
                String averageName = "external metric " + name + "(" + GoFormat.labelSelector(source.getMetric().getSelector()) + ")";
                return calculated(reason, prefix, averageName, target.getAverageValue() + " (avg)", calc,
                        () -> calc.objectAverageValueReplicas(scale.statusReplicas, usage, t));
            });
        });
    }

    private Future<Proposal> external(ExternalMetricSource source, ReplicaCalculator calc, ScaleInfo scale,
                                      String namespace, List<Pod> pods) {
        String reason = "FailedGetExternalMetric";
        if (source == null || source.getMetric() == null) {
            return done(Proposal.failed(reason, "invalid external metric source: missing \"external.metric\""));
        }
        MetricTarget target = source.getTarget();
        Quantity averageValue = target == null ? null : target.getAverageValue();
        Quantity value = target == null ? null : target.getValue();
        if (averageValue == null && value == null) {
            return done(Proposal.failed(reason, "invalid external metric source: neither a value target nor an average value target was set"));
        }
        String name = source.getMetric().getName();
        LabelSelector rawSelector = source.getMetric().getSelector();
        return withMetricSelector(reason, rawSelector, metricSelector -> {
            String prefix = "failed to get external metric: ";
            String metricName = "external metric " + name + "(" + GoFormat.labelSelector(rawSelector) + ")";
            return metrics.externalMetric(name, namespace, metricSelector).transform(ar -> {
                if (ar.failed()) {
                    return done(Proposal.failed(reason, prefix + "unable to get external metric " + namespace + "/" + name
                            + "/" + GoFormat.labelSelector(rawSelector) + ": " + ar.cause().getMessage()));
                }
                List<Long> values = ar.result();
                if (averageValue != null) {
                    long t = ReplicaCalculator.milli(averageValue);
                    return calculated(reason, prefix, metricName, averageValue + " (avg)", calc,
                            () -> calc.externalAverageValueReplicas(scale.statusReplicas, values, t));
                }
                long t = ReplicaCalculator.milli(value);
                return calculated(reason, prefix, metricName, value.toString(), calc,
                        () -> calc.externalValueReplicas(scale.specReplicas, values, t, pods));
            });
        });
    }

    private interface Calculation {
        int replicas();
    }

    private static Future<Proposal> calculated(String reason, String prefix, String metricName, Calculation c) {
        return calculated(reason, prefix, metricName, null, null, c);
    }

    /** As above, remembering what the calculator saw against {@code target} for the portrait's status. */
    private static Future<Proposal> calculated(String reason, String prefix, String metricName, String target,
                                               ReplicaCalculator calc, Calculation c) {
        try {
            Proposal p = Proposal.ok(c.replicas(), metricName);
            if (calc != null) {
                p.reading = new ReactiveOutcome.MetricReading(metricName, calc.lastObserved(), target);
            }
            return done(p);
        } catch (ReplicaCalculationException e) {
            return done(Proposal.failed(reason, prefix + e.getMessage()));
        }
    }

    private static Future<Proposal> done(Proposal p) {
        return Future.succeededFuture(p);
    }

    private static Set<String> names(List<Pod> pods) {
        Set<String> names = new HashSet<>();
        for (Pod p : pods) {
            names.add(p.getMetadata().getName());
        }
        return names;
    }

    /** Parses a metric's label selector and goes on with it; one that does not parse fails as upstream words it. */
    private static Future<Proposal> withMetricSelector(String reason, LabelSelector raw,
                                                       Function<Selector, Future<Proposal>> next) {
        Selector parsed;
        try {
            parsed = metricSelector(raw);
        } catch (IllegalArgumentException e) {
            return done(Proposal.failed(reason, "failed to parse metric selector as label selector: " + e.getMessage()));
        }
        return next.apply(parsed);
    }

    private static Selector metricSelector(LabelSelector s) {
        if (s == null) {
            return null;
        }
        return Selector.parse(LabelSelectors.format(s));
    }

    private static String group(String apiVersion) {
        if (apiVersion == null) {
            return "";
        }
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** Algorithm type names. */
    static final class PortraitAlgorithmTypes {
        static final String KUBE_HPA = "KubeHPA";

        private PortraitAlgorithmTypes() {
        }
    }
}
