package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.reactive.KubeHpaParams;
import io.kapacitystack.kapacity.reactive.ReplicaCalculationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The backtest: builds the policies a user asks for and replays the trace through them ({@link BacktestEngine}).
 * {@code hpa} is the reactive generator with the given behavior (Kubernetes' default behavior without one);
 * {@code predictive} an IHPA whose one provider is the predictive portrait; {@code predictive+hpa} an IHPA with the
 * reactive and the predictive portrait at equal priority; {@code cron} the user's IHPA as written.
 */
public final class Backtest {

    public static final String HPA = "hpa";
    public static final String PREDICTIVE = "predictive";
    public static final String PREDICTIVE_HPA = "predictive+hpa";
    public static final String CRON = "cron";
    public static final List<String> POLICIES = List.of(BacktestEngine.ORACLE, HPA, PREDICTIVE, PREDICTIVE_HPA, CRON);

    /**
     * @param policies  names among {@link #POLICIES}, in the order to report them
     * @param behavior  the HPA's autoscaling/v2 behavior, null for Kubernetes' default
     * @param job       the predictive job's schedule and settings
     * @param ihpa      the IHPA of the {@code cron} policy, or null
     * @param warmup    the beginning of the trace that feeds the history but is not scored
     */
    public record Options(List<String> policies, HorizontalPodAutoscalerBehavior behavior, PredictiveSettings job,
                          IntelligentHorizontalPodAutoscaler ihpa, Duration warmup) {
    }

    /** The runs, oracle first when asked for, and where scoring began. */
    public record Result(Trace trace, Workload workload, List<PolicyRun> runs, long scoredFrom) {
        public PolicyRun run(String policy) {
            for (PolicyRun r : runs) {
                if (r.policy().equals(policy)) {
                    return r;
                }
            }
            return null;
        }
    }

    private Backtest() {
    }

    /** @throws IllegalArgumentException for an unknown policy, {@code cron} without an IHPA, or an IHPA the planner refuses */
    public static Result run(Trace trace, Workload workload, Options o) {
        long scoreFrom = trace.start() + o.warmup().toSeconds();
        if (scoreFrom >= trace.end()) {
            throw new IllegalArgumentException("--warmup " + o.warmup() + " leaves nothing of the trace to score");
        }
        if (o.policies().isEmpty()) {
            throw new IllegalArgumentException("--policies names no policy");
        }
        try (SharedForecasts forecasts = new SharedForecasts(trace, o.job())) {
            return run(trace, workload, o, scoreFrom, forecasts);
        }
    }

    private static Result run(Trace trace, Workload workload, Options o, long scoreFrom, SharedForecasts forecasts) {
        List<Policy> policies = new ArrayList<>();
        boolean oracle = false;
        for (String name : o.policies()) {
            switch (name) {
                case BacktestEngine.ORACLE -> oracle = true;
                case HPA -> policies.add(new HpaPolicy(HPA, new ReactiveDecider(reactiveParams(kubeHpa(o.behavior())),
                        workload.targetUtilization(), workload.minReplicas(), workload.maxReplicas())));
                case PREDICTIVE -> policies.add(ihpaPolicy(PREDICTIVE, generated(workload, false, o.behavior()), workload, o, scoreFrom, forecasts));
                case PREDICTIVE_HPA -> policies.add(ihpaPolicy(PREDICTIVE_HPA, generated(workload, true, o.behavior()), workload, o, scoreFrom, forecasts));
                case CRON -> {
                    if (o.ihpa() == null) {
                        throw new IllegalArgumentException("policy cron needs --ihpa FILE");
                    }
                    policies.add(ihpaPolicy(CRON, copyOf(o.ihpa()), workload, o, scoreFrom, forecasts));
                }
                default -> throw new IllegalArgumentException("unknown policy \"" + name + "\"; known: "
                        + String.join(", ", POLICIES));
            }
        }
        if (Set.copyOf(o.policies()).size() != o.policies().size()) {
            throw new IllegalArgumentException("--policies names a policy twice");
        }
        return new Result(trace, workload, BacktestEngine.run(trace, workload, oracle, policies, scoreFrom), scoreFrom);
    }

    private static IhpaPolicy ihpaPolicy(String name, IntelligentHorizontalPodAutoscaler ihpa, Workload w, Options o,
                                         long scoreFrom, SharedForecasts forecasts) {
        List<String> problems = IhpaPlanner.validate(ihpa.getSpec());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the IHPA of policy " + name + " is invalid: " + String.join("; ", problems));
        }
        return new IhpaPolicy(name, ihpa, w.targetUtilization(), p -> reactiveParams(p.dynamic.algorithm),
                p -> new PredictiveJob(o.job(), forecasts.join(), scoreFrom - o.job().interval().toSeconds()));
    }

    private static KubeHpaParams reactiveParams(PortraitAlgorithm a) {
        try {
            return KubeHpaParams.of(a);
        } catch (ReplicaCalculationException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    static PortraitAlgorithm kubeHpa(HorizontalPodAutoscalerBehavior behavior) {
        PortraitAlgorithm a = new PortraitAlgorithm();
        a.type = "KubeHPA";
        a.kubeHPA = new PortraitAlgorithm.KubeHPA();
        // an empty behavior is Kubernetes' default behavior (HpaBehavior fills in the defaults)
        a.kubeHPA.behavior = behavior == null ? new HorizontalPodAutoscalerBehavior() : behavior;
        return a;
    }

    /** The IHPA of {@code predictive} (and with the reactive portrait beside it, of {@code predictive+hpa}). */
    static IntelligentHorizontalPodAutoscaler generated(Workload w, boolean withReactive,
                                                       HorizontalPodAutoscalerBehavior behavior) {
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withName("backtest").withNamespace("backtest").build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        spec.scaleTargetRef = new CrossVersionObjectReference("apps/v1", "Deployment", "backtest");
        spec.minReplicas = w.minReplicas();
        spec.maxReplicas = w.maxReplicas();
        spec.portraitProviders = new ArrayList<>();
        if (withReactive) {
            spec.portraitProviders.add(dynamic("Reactive", kubeHpa(behavior)));
        }
        PortraitAlgorithm job = new PortraitAlgorithm();
        job.type = "ExternalJob";
        job.externalJob = new PortraitAlgorithm.ExternalJob();
        spec.portraitProviders.add(dynamic("Predictive", job));
        ihpa.setSpec(spec);
        return ihpa;
    }

    private static PortraitProvider dynamic(String type, PortraitAlgorithm algorithm) {
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Dynamic;
        p.priority = 0;
        p.dynamic = new PortraitSpec();
        p.dynamic.portraitType = type;
        p.dynamic.algorithm = algorithm;
        return p;
    }

    private static IntelligentHorizontalPodAutoscaler copyOf(IntelligentHorizontalPodAutoscaler ihpa) {
        IntelligentHorizontalPodAutoscaler c = new IntelligentHorizontalPodAutoscaler();
        c.setMetadata(ihpa.getMetadata() == null || ihpa.getMetadata().getName() == null
                ? new ObjectMetaBuilder().withName("backtest").withNamespace("backtest").build()
                : new ObjectMetaBuilder().withName(ihpa.getMetadata().getName())
                .withNamespace(ihpa.getMetadata().getNamespace() == null ? "backtest" : ihpa.getMetadata().getNamespace()).build());
        c.setSpec(ihpa.getSpec());
        return c;
    }
}
