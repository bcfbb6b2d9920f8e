package io.kapacitystack.kapacity.reliability.properties;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.Gray;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.autoscaler.GrayPlanner;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmResult;
import io.kapacitystack.kapacity.horizontalportrait.HorizontalPortraitPlanner;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.portrait.CronPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.StaticPortraitEvaluator;
import io.kapacitystack.kapacity.replicaprofile.PodStates;
import io.kapacitystack.kapacity.replicaprofile.ReplicaProfilePlan;
import io.kapacitystack.kapacity.replicaprofile.ReplicaProfilePlanner;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.HP_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.IHPA_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.JSON;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.RP_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.admit;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every planner decides from its arguments alone: two equal inputs (built independently from the same generated
 * objects, with the same clock reading) give equal plans, and planning leaves its inputs as they were. This is what
 * lets a restarted or newly elected controller recompute the same step instead of taking another.
 */
class PlannersAreDeterministicPropertyTest {

    private static final IhpaPlanner IHPA_PLANNER = new IhpaPlanner(new PortraitSelector(Map.of(
            PortraitProvider.Type.Static, new StaticPortraitEvaluator(),
            PortraitProvider.Type.Cron, new CronPortraitProviderEvaluator())));
    private static final HorizontalPortraitPlanner HP_PLANNER = new HorizontalPortraitPlanner((a, b) -> Objects.equals(
            JSON.convertValue(a, Map.class), JSON.convertValue(b, Map.class)));

    @Provide
    Arbitrary<JsonObject> ihpas() {
        return KapacityArbitraries.ihpas().filter(o -> admit(IHPA_SCHEMA, o).isEmpty());
    }

    @Provide
    Arbitrary<JsonObject> profiles() {
        return KapacityArbitraries.replicaProfiles().filter(o -> o == null || admit(RP_SCHEMA, o).isEmpty());
    }

    @Provide
    Arbitrary<JsonObject> someProfile() {
        return KapacityArbitraries.replicaProfiles().filter(o -> o != null && admit(RP_SCHEMA, o).isEmpty());
    }

    @Provide
    Arbitrary<JsonObject> portraits() {
        return Combinators.combine(SchemaArbitraries.of(HP_SCHEMA.getJsonObject("properties").getJsonObject("spec"), "spec"),
                KapacityArbitraries.portraitStatuses()).as((spec, status) -> {
                    JsonObject hp = new JsonObject().put("apiVersion", "autoscaling.kapacitystack.io/v1alpha1")
                            .put("kind", "HorizontalPortrait").put("metadata", new JsonObject().put("name", "web-predictive")
                                    .put("namespace", "default").put("generation", 2))
                            .put("spec", spec);
                    if (status != null) {
                        hp.put("status", status);
                    }
                    return hp;
                }).filter(o -> admit(HP_SCHEMA, o).isEmpty());
    }

    @Provide
    Arbitrary<Instant> instants() {
        return KapacityArbitraries.instants();
    }

    /** Pods of a StatefulSet: ordinal, phase, readiness, state label, deletion cost. */
    @Provide
    Arbitrary<List<JsonObject>> pods() {
        return Combinators.combine(Arbitraries.integers().between(0, 12), Arbitraries.of("Running", "Pending", "Failed"),
                        Arbitraries.of(true, false), Arbitraries.of("Cutoff", "Standby", "Online", "x").injectNull(0.5),
                        Arbitraries.of("-1000", "0", "7", "abc").injectNull(0.7))
                .as((ordinal, phase, ready, state, cost) -> new JsonObject().put("ordinal", ordinal).put("phase", phase)
                        .put("ready", ready).put("state", state).put("cost", cost))
                .list().ofMaxSize(12).uniqueElements(o -> o.getInteger("ordinal"));
    }

    @Property(tries = 150)
    void theIhpaPlannerIsAFunctionOfItsInputs(@ForAll("ihpas") JsonObject ihpa, @ForAll("profiles") JsonObject rp,
                                             @ForAll("instants") Instant now) {
        Supplier<String> plan = () -> {
            IntelligentHorizontalPodAutoscaler object;
            ReplicaProfile profile;
            try {
                object = KapacityArbitraries.ihpa(ihpa);
                profile = rp == null ? null : KapacityArbitraries.replicaProfile(rp);
            } catch (KubeObjects.InvalidObjectException e) {
                return "unreadable: " + e.getMessage();
            }
            String before = JSON.asJson(object) + JSON.asJson(profile);
            IhpaPlan p = IHPA_PLANNER.plan(object, profile, null, now);
            assertEquals(before, JSON.asJson(object) + JSON.asJson(profile), "planning changed its inputs");
            return JSON.asJson(List.of(p.status(), String.valueOf(p.rpAction()), String.valueOf(JSON.asJson(p.rpSpec())),
                    p.events(), String.valueOf(p.wakeAt()), String.valueOf(p.retryableError())));
        };
        assertEquals(plan.get(), plan.get());
    }

    @Property(tries = 150)
    void theReplicaProfilePlannerIsAFunctionOfItsInputs(@ForAll("someProfile") JsonObject rp, @ForAll("pods") List<JsonObject> pods,
                                                       @ForAll @IntRange(min = 0, max = 12) int workloadReplicas,
                                                       @ForAll("instants") Instant now) {
        Supplier<String> plan = () -> {
            ReplicaProfile profile;
            try {
                profile = KapacityArbitraries.replicaProfile(rp);
            } catch (KubeObjects.InvalidObjectException e) {
                return "unreadable: " + e.getMessage();
            }
            List<Pod> objects = pods.stream().map(PlannersAreDeterministicPropertyTest::pod).toList();
            String before = JSON.asJson(profile) + JSON.asJson(objects);
            ReplicaProfilePlan p = ReplicaProfilePlanner.plan(profile, new ScaleInfo(workloadReplicas, pods.size(), "app=web"),
                    PodStates.classify(objects), now);
            assertEquals(before, JSON.asJson(profile) + JSON.asJson(objects), "planning changed its inputs");
            Map<String, List<String>> moves = new LinkedHashMap<>();
            if (p.stateChange() != null) {
                for (PodState s : PodState.values()) {
                    moves.put(s.name(), p.stateChange().to(s).stream().map(x -> x.getMetadata().getName()).toList());
                }
            }
            return JSON.asJson(List.of(p.status(), String.valueOf(p.scaleTo()), p.events(), moves));
        };
        assertEquals(plan.get(), plan.get());
    }

    @Property(tries = 300)
    void theGrayPlannerIsAFunctionOfItsInputs(@ForAll("strategies") GrayStrategy strategy, @ForAll @IntRange(min = -1, max = 120) int percent,
                                             @ForAll("instants") Instant lastUpdate, @ForAll @IntRange(max = 20) int previous,
                                             @ForAll @IntRange(max = 20) int current, @ForAll("instants") Instant now) {
        Supplier<String> step = () -> {
            Gray gray = percent < 0 ? null : new Gray(percent, io.kapacitystack.kapacity.api.v1alpha1.KubeTime.format(lastUpdate));
            GrayStrategy copy = new GrayStrategy(strategy.grayState, strategy.changeIntervalSeconds, strategy.changePercent,
                    strategy.observationSeconds);
            GrayPlanner.Step s = GrayPlanner.step(copy, gray, previous, current, now);
            return JSON.asJson(List.of(String.valueOf(s.data), JSON.asJson(s.gray), String.valueOf(s.dueAt), s.finished));
        };
        assertEquals(step.get(), step.get());
    }

    @Provide
    Arbitrary<GrayStrategy> strategies() {
        return Combinators.combine(Arbitraries.of(PodState.values()), Arbitraries.integers().between(1, 600),
                        Arbitraries.integers().between(1, 100), Arbitraries.integers().between(0, 600).injectNull(0.3))
                .as((state, interval, change, observation) -> new GrayStrategy(state, interval, change, observation));
    }

    @Property(tries = 50)
    void theHorizontalPortraitPlannerIsAFunctionOfItsInputs(@ForAll("portraits") JsonObject hp, @ForAll("instants") Instant now,
                                                           @ForAll("series") String series) {
        Supplier<String> plan = () -> {
            HorizontalPortrait portrait;
            try {
                portrait = KubeObjects.convert(JSON, KapacityArbitraries.raw(hp), HorizontalPortrait.class);
            } catch (KubeObjects.InvalidObjectException e) {
                return "unreadable: " + e.getMessage();
            }
            String before = JSON.asJson(portrait);
            List<Object> plans = new ArrayList<>();
            plans.add(HP_PLANNER.failed(portrait, "FailedX", "it failed", now.plusSeconds(15), now));
            plans.add(HP_PLANNER.jobFailed(portrait, "the job failed", now));
            plans.add(HP_PLANNER.resultFailed(portrait, "no result", now));
            plans.add(HP_PLANNER.reactive(portrait, HorizontalPortraitPlanner.scaleUnreadable("gone"), null, now));
            try {
                plans.add(HP_PLANNER.timeSeries(portrait, AlgorithmResult.parse(Map.of("type", "TimeSeries", "timeSeries", series)), now));
            } catch (AlgorithmResult.InvalidResultException e) {
                plans.add(e.getMessage());
            }
            assertEquals(before, JSON.asJson(portrait), "planning changed its inputs");
            return JSON.asJson(plans);
        };
        assertEquals(plan.get(), plan.get());
    }

    @Provide
    Arbitrary<String> series() {
        long t0 = SchemaArbitraries.T0.getEpochSecond();
        return Arbitraries.maps(Arbitraries.longs().between(t0 - 3600, t0 + 7200), Arbitraries.integers().between(0, 30))
                .ofMaxSize(5).map(m -> new JsonObject(new LinkedHashMap<>(m.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey()), Map.Entry::getValue)))).encode());
    }

    private static Pod pod(JsonObject o) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("web-" + o.getInteger("ordinal")).withNamespace("default")
                .addToLabels("app", "web").endMetadata()
                .withNewStatus().withPhase(o.getString("phase"))
                .addNewCondition().withType("Ready").withStatus(o.getBoolean("ready") ? "True" : "False").endCondition().endStatus();
        if (o.getString("state") != null) {
            b.editMetadata().addToLabels(Constants.POD_STATE_LABEL, o.getString("state")).endMetadata();
        }
        if (o.getString("cost") != null) {
            b.editMetadata().addToAnnotations("controller.kubernetes.io/pod-deletion-cost", o.getString("cost")).endMetadata();
        }
        return b.build();
    }
}
