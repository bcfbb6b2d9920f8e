package io.kapacitystack.kapacity.reliability.properties;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.autoscaler.PortraitSync;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.portrait.PortraitEvaluators;
import io.kapacitystack.kapacity.sandbox.api.ApiStatus.FieldError;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.HP_CONTEXT;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.HP_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.IHPA_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.JSON;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.RP_SCHEMA;
import static io.kapacitystack.kapacity.reliability.properties.KapacityArbitraries.admit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For any IHPA the CRD schema accepts (generated from the chart's CRD: every provider type with valid and edge
 * values, behaviors, gray strategies, metric specs, stability checkers, an earlier status), with any
 * ReplicaProfile, portrait status, instant and target answer, the IHPA reconcile's decisions end with a
 * {@code ScalingActive} condition for the object's generation and a status the API server accepts, and never throw.
 *
 * <p>The reconcile's steps run here as the reconciler runs them, without its I/O: admission by the API server's
 * schema rules (the sandbox's validator), the reconcilers' base conversion (whose only failure, an
 * {@code InvalidObjectException}, becomes {@code InvalidSpec} through the base's error hook), the Dynamic providers'
 * portrait sync ({@code PortraitSync}, whose writes must be accepted by the HorizontalPortrait schema), then the
 * planner with the real evaluators (Dynamic ones read a {@code ResourceCache} holding the generated portraits). The
 * writes a plan asks for (status, ReplicaProfile spec) are checked against the CRD schemas, as the API server would.
 * The mock-cluster path (a manager per try) costs a second a try; {@code BadInputMockClusterIT} covers that the
 * reconciler turns these decisions into writes.
 */
class AcceptedIhpaPropertyTest {

    /** Never connected: it only backs the portrait cache, whose read-your-writes overlay holds the generated portraits. */
    private static final KubernetesClient OFFLINE = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build()).build();

    @AfterContainer
    static void closeClient() {
        OFFLINE.close();
    }

    @Provide
    Arbitrary<JsonObject> ihpas() {
        return KapacityArbitraries.ihpas();
    }

    @Provide
    Arbitrary<JsonObject> profiles() {
        return KapacityArbitraries.replicaProfiles();
    }

    @Provide
    Arbitrary<JsonObject> portraitStatuses() {
        return KapacityArbitraries.portraitStatuses();
    }

    @Provide
    Arbitrary<Instant> instants() {
        return KapacityArbitraries.instants();
    }

    @Provide
    Arbitrary<String> targetErrors() {
        return KapacityArbitraries.targetErrors();
    }

    @Property(tries = 1000)
    void anyAcceptedIhpaEndsWithAConditionAndAStatusTheApiAccepts(
            @ForAll("ihpas") JsonObject object, @ForAll("profiles") JsonObject profile,
            @ForAll("portraitStatuses") JsonObject portraitStatus, @ForAll("targetErrors") String targetError,
            @ForAll("instants") Instant now) {
        List<FieldError> refused = admit(IHPA_SCHEMA, object);
        Statistics.label("admission").collect(refused.isEmpty() ? "accepted" : "refused");
        if (!refused.isEmpty()) {
            refused.forEach(e -> assertFalse(e.field().isBlank(), "a refusal names its field: " + e));
            return;
        }
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = KapacityArbitraries.ihpa(object);
        } catch (KubeObjects.InvalidObjectException e) {
            // the base reports it through its error hook: InvalidSpec with this message
            Statistics.label("outcome").collect("unreadable");
            assertFalse(e.getMessage().isBlank());
            return;
        }
        ReplicaProfile rp = profile == null || !admit(RP_SCHEMA, profile).isEmpty() ? null : KapacityArbitraries.replicaProfile(profile);
        ResourceCache<GenericKubernetesResource> portraits = portraitsOf(ihpa, portraitStatus);

        syncPortraitsWritesOnlyWhatTheApiAccepts(ihpa, portraits);
        IhpaPlan plan = new IhpaPlanner(PortraitEvaluators.selector(portraits, JSON)).plan(ihpa, rp, targetError, now);

        Condition active = Conditions.find(plan.status().conditions, SCALING_ACTIVE);
        assertNotNull(active, "a ScalingActive condition");
        Statistics.label("outcome").collect(active.getReason());
        assertEquals(ihpa.getMetadata().getGeneration(), active.getObservedGeneration());
        assertFalse(active.getMessage().isBlank());
        if ("False".equals(active.getStatus()) && !"ScalingPaused".equals(active.getReason())) {
            assertTrue(plan.events().stream().anyMatch(e -> e.type() == PlannedEvent.Type.Warning
                    && e.reason().equals(active.getReason())), "a failure comes with its Warning event: " + plan.events());
        }
        assertAccepted(IHPA_SCHEMA, new JsonObject().put("status", new JsonObject(JSON.asJson(plan.status()))), "status");
        if (plan.rpAction() == IhpaPlan.RpAction.CREATE || plan.rpAction() == IhpaPlan.RpAction.UPDATE) {
            assertAccepted(RP_SCHEMA, new JsonObject().put("spec", new JsonObject(JSON.asJson(plan.rpSpec()))), "ReplicaProfile spec");
            Condition gray = Conditions.find(plan.status().conditions, GRAY_PROGRESSING);
            boolean waiting = gray != null && "WaitingForGrayPods".equals(gray.getReason());
            IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec();
            if (!spec.isPaused() && !waiting) {
                int total = plan.rpSpec().online() + plan.rpSpec().cutoff() + plan.rpSpec().standby();
                assertTrue(plan.rpSpec().online() >= spec.minReplicas && total <= spec.maxReplicas,
                        "the profile stays within [" + spec.minReplicas + ", " + spec.maxReplicas + "]: " + plan.rpSpec());
            }
        }
        assertTrue(plan.wakeAt() == null || !plan.wakeAt().isBefore(now),
                "the wake-up " + plan.wakeAt() + " is not before now " + now + " (it would spin)");
    }

    /** The schema-driven generator is worth its name: most generated IHPAs are ones the API server stores. */
    @Example
    void mostGeneratedIhpasAreAcceptedByTheSchema() {
        List<JsonObject> sample = KapacityArbitraries.ihpas().sampleStream().limit(200).toList();
        long accepted = sample.stream().filter(o -> admit(IHPA_SCHEMA, o.copy()).isEmpty()).count();
        assertTrue(accepted >= 150, accepted + " of 200 accepted");
        assertTrue(sample.stream().anyMatch(o -> o.encode().contains("\"Dynamic\"")), "Dynamic providers are generated");
        assertTrue(sample.stream().anyMatch(o -> o.encode().contains("\"grayStrategy\"")), "gray strategies are generated");
        assertTrue(sample.stream().anyMatch(o -> o.encode().contains("\"metrics\"")), "metric specs are generated");
    }

    private static void syncPortraitsWritesOnlyWhatTheApiAccepts(IntelligentHorizontalPodAutoscaler ihpa,
                                                                ResourceCache<GenericKubernetesResource> portraits) {
        if (ihpa.getSpec().isPaused()) {
            return;
        }
        PortraitSync sync = new PortraitSync(spec -> JSON.convertValue(spec, Map.class));
        List<String> warnings = new ArrayList<>();
        Map<String, HorizontalPortraitSpec> desired = sync.desired(ihpa, warnings);
        PortraitSync.Plan plan = sync.plan(ihpa, desired, warnings, portraits.list());
        List<HorizontalPortraitSpec> written = new ArrayList<>(plan.create());
        written.addAll(plan.replace().values());
        for (HorizontalPortraitSpec spec : written) {
            assertAccepted(HP_SCHEMA, new JsonObject().put("spec", new JsonObject(JSON.asJson(spec))), "HorizontalPortrait spec");
        }
    }

    /** The cache of HorizontalPortraits as the portrait controller would have filled it: one per Dynamic provider. */
    private static ResourceCache<GenericKubernetesResource> portraitsOf(IntelligentHorizontalPodAutoscaler ihpa, JsonObject status) {
        ResourceCache<GenericKubernetesResource> cache = new ResourceCache<>(OFFLINE.genericKubernetesResources(HP_CONTEXT), List.of(), null);
        if (status == null || !admit(HP_SCHEMA, new JsonObject().put("status", status)).isEmpty()) {
            return cache;
        }
        for (PortraitProvider p : ihpa.getSpec().portraitProviders) {
            if (p.type == PortraitProvider.Type.Dynamic && p.dynamic != null && p.dynamic.portraitType != null) {
                JsonObject hp = new JsonObject().put("apiVersion", "autoscaling.kapacitystack.io/v1alpha1").put("kind", "HorizontalPortrait")
                        .put("metadata", new JsonObject().put("name", DynamicPortraitProviderEvaluator.portraitName(ihpa, p.dynamic.portraitType))
                                .put("namespace", ihpa.getMetadata().getNamespace()).put("resourceVersion", "3"))
                        .put("status", status);
                cache.wrote(KapacityArbitraries.raw(hp));
            }
        }
        return cache;
    }

    private static void assertAccepted(JsonObject schema, JsonObject object, String what) {
        List<FieldError> errors = admit(schema, object);
        assertTrue(errors.isEmpty(), "the API server would refuse the " + what + " write: " + errors + " in " + object.encode());
    }
}
