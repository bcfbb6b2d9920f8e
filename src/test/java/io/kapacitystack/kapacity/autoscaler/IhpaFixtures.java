package io.kapacitystack.kapacity.autoscaler;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Builders for IHPAs and profiles in planner tests. */
final class IhpaFixtures {

    private IhpaFixtures() {
    }

    static IhpaPlanner planner() {
        Map<PortraitProvider.Type, PortraitProviderEvaluator> e = new EnumMap<>(PortraitProvider.Type.class);
        e.put(PortraitProvider.Type.Static, new StaticPortraitEvaluator());
        e.put(PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator());
        return new IhpaPlanner(new PortraitSelector(e));
    }

    static IntelligentHorizontalPodAutoscaler ihpa(int min, int max, PortraitProvider... providers) {
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").withGeneration(1L).withUid("u1").build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        spec.scaleTargetRef = new CrossVersionObjectReference("apps/v1", "StatefulSet", "web");
        spec.minReplicas = min;
        spec.maxReplicas = max;
        spec.portraitProviders = new ArrayList<>(List.of(providers));
        ihpa.setSpec(spec);
        return ihpa;
    }

    static PortraitProvider staticProvider(int priority, int replicas) {
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Static;
        p.priority = priority;
        p._static = new PortraitProvider.Static(replicas);
        return p;
    }

    static PortraitProvider cronProvider(int priority, ReplicaCron... crons) {
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Cron;
        p.priority = priority;
        p.cron = new PortraitProvider.Cron(new ArrayList<>(List.of(crons)));
        return p;
    }

    static ReplicaCron cron(String name, String start, String end, int replicas) {
        return new ReplicaCron(name, null, start, end, replicas);
    }

    static void scaleDownGray(IntelligentHorizontalPodAutoscaler ihpa, PodState state, int interval, int percent, Integer observation) {
        if (ihpa.getSpec().behavior == null) {
            ihpa.getSpec().behavior = new IntelligentHorizontalPodAutoscalerBehavior();
        }
        ihpa.getSpec().behavior.scaleDown = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleDown.grayStrategy = new GrayStrategy(state, interval, percent, observation);
    }

    /** A profile whose controller has put the pods in the states it asks for, long ago. */
    static ReplicaProfile rp(ReplicaProfileSpec spec) {
        return parkedAt(spec, java.time.Instant.parse("2000-01-01T00:00:00Z"));
    }

    /** A profile whose pods came to match its spec at {@code when} (its Ensured condition turned True then). */
    static ReplicaProfile parkedAt(ReplicaProfileSpec spec, java.time.Instant when) {
        ReplicaProfile rp = rp(spec, spec.online(), spec.cutoff(), spec.standby());
        io.kapacitystack.kapacity.api.v1alpha1.Conditions.set(rp.getStatus().conditions, "Ensured", true, 1L,
                "ReplicaProfileEnsured", "current replica profile is ensured", when);
        return rp;
    }

    /** A profile whose pods are observed in these numbers. */
    static ReplicaProfile rp(ReplicaProfileSpec spec, int online, int cutoff, int standby) {
        ReplicaProfile rp = new ReplicaProfile();
        rp.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("default").withGeneration(1L).build());
        rp.setSpec(spec);
        ReplicaProfileStatus status = new ReplicaProfileStatus();
        status.onlineReplicas = online == 0 ? null : online;
        status.cutoffReplicas = cutoff == 0 ? null : cutoff;
        status.standbyReplicas = standby == 0 ? null : standby;
        rp.setStatus(status);
        return rp;
    }
}
