package io.kapacitystack.kapacity.reliability.properties;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.sandbox.api.ApiStatus.FieldError;
import io.kapacitystack.kapacity.sandbox.api.SchemaValidator;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.time.Instant;
import java.util.List;

/**
 * The Kapacity objects of the property tests, generated from the chart's CRDs ({@link SchemaArbitraries}), and the
 * API server's side of a write: the sandbox's schema validator (defaults, pruning, validation, as kube-apiserver does
 * for a structural schema), then the model's conversion, as the reconcilers' base does it.
 */
final class KapacityArbitraries {

    static final KubernetesSerialization JSON = new KubernetesSerialization();
    static final JsonObject IHPA_SCHEMA =
            SchemaArbitraries.crdSchema("intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io.yaml");
    static final JsonObject HP_SCHEMA = SchemaArbitraries.crdSchema("horizontalportraits.autoscaling.kapacitystack.io.yaml");
    static final JsonObject RP_SCHEMA = SchemaArbitraries.crdSchema("replicaprofiles.autoscaling.kapacitystack.io.yaml");

    private KapacityArbitraries() {
    }

    /**
     * IHPA objects as a user (spec) and an earlier controller (status, half the time) may have left them. Four times
     * in five minReplicas is made no more than maxReplicas and a Static provider is added, so that most tries get as
     * far as scaling (and its gray steps) instead of stopping at {@code InvalidSpec} or {@code NoValidPortraitValue}.
     */
    static Arbitrary<JsonObject> ihpas() {
        Arbitrary<JsonObject> any = object("autoscaling.kapacitystack.io/v1alpha1", "IntelligentHorizontalPodAutoscaler", IHPA_SCHEMA, 0.5);
        Arbitrary<Integer> staticReplicas = Arbitraries.integers().between(0, 14);
        return Combinators.combine(any, Arbitraries.integers().between(0, 4), staticReplicas).as((o, bias, replicas) -> {
            JsonObject spec = o.getJsonObject("spec");
            if (bias > 0) {
                int min = spec.getInteger("minReplicas");
                int max = spec.getInteger("maxReplicas");
                spec.put("minReplicas", Math.min(min, max)).put("maxReplicas", Math.max(min, max));
                spec.getJsonArray("portraitProviders").add(new JsonObject().put("type", "Static").put("priority", bias - 2)
                        .put("static", new JsonObject().put("replicas", replicas)));
            }
            return o;
        });
    }

    /** ReplicaProfiles (spec and status from the schema), or none (null) a third of the time. */
    static Arbitrary<JsonObject> replicaProfiles() {
        return object("autoscaling.kapacitystack.io/v1alpha1", "ReplicaProfile", RP_SCHEMA, 0.2).injectNull(0.33);
    }

    /** The status of a HorizontalPortrait (its portrait data), or none (null). */
    static Arbitrary<JsonObject> portraitStatuses() {
        return SchemaArbitraries.of(status(HP_SCHEMA), "status").map(o -> (JsonObject) o).injectNull(0.25);
    }

    /** Whole seconds within two hours of {@link SchemaArbitraries#T0}: the cron rules and stored times span them. */
    static Arbitrary<Instant> instants() {
        return Arbitraries.integers().between(-7200, 7200).map(s -> SchemaArbitraries.T0.plusSeconds(s));
    }

    /** Why the target cannot be scaled, or null (it can). */
    static Arbitrary<String> targetErrors() {
        return Arbitraries.of("statefulsets.apps \"web\" not found", "no /scale subresource for configmaps")
                .injectNull(0.8);
    }

    /** What the API server answers to a create of {@code object}: the errors, empty if it stores it (then defaulted and pruned). */
    static List<FieldError> admit(JsonObject schema, JsonObject object) {
        return SchemaValidator.defaultPruneAndValidate(schema, object);
    }

    static IntelligentHorizontalPodAutoscaler ihpa(JsonObject stored) {
        return KubeObjects.convert(JSON, raw(stored), IntelligentHorizontalPodAutoscaler.class);
    }

    static ReplicaProfile replicaProfile(JsonObject stored) {
        return KubeObjects.convert(JSON, raw(stored), ReplicaProfile.class);
    }

    static GenericKubernetesResource raw(JsonObject stored) {
        return JSON.unmarshal(stored.encode(), GenericKubernetesResource.class);
    }

    private static JsonObject status(JsonObject crdSchema) {
        return crdSchema.getJsonObject("properties").getJsonObject("status");
    }

    private static Arbitrary<JsonObject> object(String apiVersion, String kind, JsonObject schema, double withoutStatus) {
        JsonObject properties = schema.getJsonObject("properties");
        Arbitrary<Object> spec = SchemaArbitraries.of(properties.getJsonObject("spec"), "spec");
        Arbitrary<Object> status = SchemaArbitraries.of(properties.getJsonObject("status"), "status").injectNull(withoutStatus);
        Arbitrary<Long> generation = Arbitraries.longs().between(1, 4);
        return Combinators.combine(spec, status, generation).as((s, st, g) -> {
            JsonObject o = new JsonObject().put("apiVersion", apiVersion).put("kind", kind)
                    .put("metadata", new JsonObject().put("name", "web").put("namespace", "default").put("uid", "u-" + kind)
                            .put("generation", g).put("resourceVersion", "7").put("creationTimestamp", "2026-11-23T07:00:00Z"))
                    .put("spec", s);
            if (st != null) {
                o.put("status", st);
            }
            return o;
        });
    }
}
