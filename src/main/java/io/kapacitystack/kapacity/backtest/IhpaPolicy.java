package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider.Static;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.ProviderOutcome;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;
import io.kapacitystack.kapacity.reactive.KubeHpaParams;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * An IntelligentHorizontalPodAutoscaler on the simulated workload: its providers evaluated by the controller's own
 * evaluators and merged by {@link PortraitSelector}, its ReplicaProfile decided by {@link IhpaPlanner}; the workload
 * runs the profile's online replicas. Dynamic portraits are produced in memory: a {@code KubeHPA} algorithm by the
 * reactive generator's arithmetic ({@link ReactiveDecider}), any other (the predictive {@code ExternalJob}) by the
 * built-in predictive job ({@link PredictiveJob}).
 */
final class IhpaPolicy implements Policy {

    /** How often the IHPA is reconciled besides its own wake-ups (a portrait's status change wakes it in a cluster). */
    static final long RECONCILE_SECONDS = 15;

    private final String name;
    private final IntelligentHorizontalPodAutoscaler ihpa;
    private final IhpaPlanner planner;
    private final Map<String, ReactiveDecider> reactive = new HashMap<>();
    private final Map<String, PredictiveJob> predictive = new HashMap<>();
    private final Map<String, Long> nextReactive = new HashMap<>();
    private final Map<String, HorizontalPortraitStatus.PortraitData> portraits = new HashMap<>();
    private ReplicaProfile rp;
    private long wakeAt = Long.MAX_VALUE;
    private String lastError;

    /**
     * @param reactiveParams the reactive generator's parameters for a Dynamic provider's KubeHPA algorithm
     * @param jobs           a predictive job for each other Dynamic provider (by portrait type)
     */
    IhpaPolicy(String name, IntelligentHorizontalPodAutoscaler ihpa, double targetUtilization,
               Function<PortraitProvider, KubeHpaParams> reactiveParams,
               Function<PortraitProvider, PredictiveJob> jobs) {
        this.name = name;
        this.ihpa = ihpa;
        if (ihpa.getMetadata() == null) {
            ihpa.setMetadata(new ObjectMetaBuilder().withName("backtest").withNamespace("backtest").build());
        }
        ihpa.setStatus(null);
        int min = ihpa.getSpec().minReplicas == null ? 1 : ihpa.getSpec().minReplicas;
        int max = ihpa.getSpec().maxReplicas == null ? Integer.MAX_VALUE : ihpa.getSpec().maxReplicas;
        List<PortraitProvider> providers = ihpa.getSpec().portraitProviders == null ? List.of()
                : ihpa.getSpec().portraitProviders;
        for (PortraitProvider p : providers) {
            if (p != null && p.type == PortraitProvider.Type.Dynamic && p.dynamic != null && p.dynamic.portraitType != null
                    && p.dynamic.algorithm != null) {
                String type = p.dynamic.portraitType;
                if ("KubeHPA".equals(p.dynamic.algorithm.type)) {
                    reactive.put(type, new ReactiveDecider(reactiveParams.apply(p), targetUtilization, min, max));
                } else {
                    predictive.put(type, jobs.apply(p));
                }
            }
        }
        Map<PortraitProvider.Type, PortraitProviderEvaluator> evaluators = new EnumMap<>(PortraitProvider.Type.class);
        evaluators.put(PortraitProvider.Type.Static, new StaticPortraitEvaluator());
        evaluators.put(PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator());
        evaluators.put(PortraitProvider.Type.Dynamic, this::dynamic);
        this.planner = new IhpaPlanner(new PortraitSelector(evaluators));
    }

    /** The Dynamic provider's read side on the in-memory portraits, through the controller's own reading. */
    private ProviderOutcome dynamic(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider p, Instant now) {
        if (p.dynamic == null || p.dynamic.portraitType == null) {
            return ProviderOutcome.error("a Dynamic provider needs dynamic.portraitType");
        }
        HorizontalPortraitStatus.PortraitData data = portraits.get(p.dynamic.portraitType);
        if (data == null) {
            return ProviderOutcome.none(null);
        }
        return DynamicPortraitProviderEvaluator.valueOfData("Dynamic-" + p.dynamic.portraitType,
                DynamicPortraitProviderEvaluator.portraitName(ihpa, p.dynamic.portraitType), data, now);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long tickSeconds() {
        long tick = RECONCILE_SECONDS;
        for (ReactiveDecider d : reactive.values()) {
            tick = Math.min(tick, d.syncSeconds());
        }
        return tick;
    }

    @Override
    public long wakeAt() {
        return wakeAt;
    }

    @Override
    public int decide(long now, PolicyView view) {
        for (Map.Entry<String, ReactiveDecider> e : reactive.entrySet()) {
            long due = nextReactive.getOrDefault(e.getKey(), Long.MIN_VALUE);
            if (now >= due) {
                OptionalInt r = e.getValue().replicas(view);
                if (r.isPresent()) {
                    HorizontalPortraitStatus.PortraitData d = new HorizontalPortraitStatus.PortraitData();
                    d.type = HorizontalPortraitStatus.PortraitData.Type.Static;
                    d._static = new Static(r.getAsInt());
                    portraits.put(e.getKey(), d);
                }
                nextReactive.put(e.getKey(), now + e.getValue().syncSeconds());
            }
        }
        long nextJob = Long.MAX_VALUE;
        for (Map.Entry<String, PredictiveJob> e : predictive.entrySet()) {
            HorizontalPortraitStatus.PortraitData d = e.getValue().portrait(view);
            if (d != null) {
                portraits.put(e.getKey(), d);
            }
            nextJob = Math.min(nextJob, e.getValue().nextRun(now));
        }
        IhpaPlan plan = planner.plan(ihpa, rp, null, Instant.ofEpochSecond(now));
        ihpa.setStatus(plan.status());
        if (plan.rpAction() == IhpaPlan.RpAction.CREATE || plan.rpAction() == IhpaPlan.RpAction.UPDATE) {
            ReplicaProfile next = new ReplicaProfile();
            next.setMetadata(new ObjectMetaBuilder().withName(ihpa.getMetadata().getName())
                    .withNamespace(ihpa.getMetadata().getNamespace()).build());
            next.setSpec(plan.rpSpec());
            rp = next;
        } else if (plan.rpAction() == IhpaPlan.RpAction.DELETE) {
            rp = null;
        }
        lastError = plan.retryableError();
        long wake = plan.wakeAt() == null ? Long.MAX_VALUE : ceilSeconds(plan.wakeAt());
        wakeAt = Math.min(wake <= now ? Long.MAX_VALUE : wake, nextJob <= now ? Long.MAX_VALUE : nextJob);
        return rp == null ? view.desired() : rp.getSpec().online();
    }

    private static long ceilSeconds(Instant t) {
        return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
    }

    /** Predictive jobs of this IHPA (runs and refusals are reported). */
    Map<String, PredictiveJob> jobs() {
        return predictive;
    }

    String lastError() {
        return lastError;
    }
}
