package io.kapacitystack.kapacity.packaging;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.AnnotatedMember;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses Kubernetes YAML into fabric8's typed model and fails on any field the model does not know.
 *
 * <p>fabric8's model classes keep unknown fields in {@code additionalProperties} (a Jackson any-setter), so a
 * misspelt field would pass silently. Here the any-setter is switched off and unknown properties are errors.
 */
final class StrictManifests {

    /**
     * fabric8 has no model for cert-manager: the spec fields of cert-manager.io/v1 that these kinds accept
     * (https://cert-manager.io/docs/reference/api-docs/), checked by name at the first level.
     */
    private static final Map<String, Set<String>> MODEL_LESS_SPEC_FIELDS = Map.of(
            "cert-manager.io/v1/Issuer", Set.of("selfSigned", "ca", "acme", "vault", "venafi"),
            "cert-manager.io/v1/Certificate", Set.of("dnsNames", "issuerRef", "secretName", "commonName", "duration",
                    "renewBefore", "usages", "privateKey", "secretTemplate", "ipAddresses", "uris", "emailAddresses",
                    "subject", "isCA", "keystores", "revisionHistoryLimit", "additionalOutputFormats",
                    "literalSubject", "nameConstraints", "otherNames", "encodeUsagesInRequest"));

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---[ \\t]*$");

    private static final KubernetesSerialization SERIALIZATION = strictSerialization();

    private StrictManifests() {
    }

    private static KubernetesSerialization strictSerialization() {
        JsonMapper mapper = JsonMapper.builder()
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    @Override
                    public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                        // GenericKubernetesResource (kinds without a model) keeps everything but its metadata there.
                        if (a instanceof AnnotatedMember m && m.getDeclaringClass() == GenericKubernetesResource.class) {
                            return super.hasAnySetter(config, a);
                        }
                        return Boolean.FALSE;
                    }
                })
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
        serialization.registerKubernetesResource(IntelligentHorizontalPodAutoscaler.class);
        serialization.registerKubernetesResource(HorizontalPortrait.class);
        serialization.registerKubernetesResource(ReplicaProfile.class);
        return serialization;
    }

    /** Every object of a (multi-document) YAML stream; documents holding only comments are skipped. */
    static List<HasMetadata> parseAll(String yaml, String origin) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : DOCUMENT_SEPARATOR.split(yaml)) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            objects.add(parse(doc, origin));
        }
        return objects;
    }

    static HasMetadata parse(String document, String origin) {
        Object parsed;
        try {
            parsed = SERIALIZATION.unmarshal(document);
        } catch (RuntimeException e) {
            throw new AssertionError(origin + ": not a valid Kubernetes object: " + e.getMessage() + "\n" + document, e);
        }
        if (!(parsed instanceof HasMetadata object)) {
            throw new AssertionError(origin + ": not a single Kubernetes object:\n" + document);
        }
        if (object instanceof GenericKubernetesResource generic) {
            checkModelLess(generic, origin);
        }
        return object;
    }

    /** Kinds without a fabric8 model: metadata is checked by the typed ObjectMeta; spec fields by name. */
    private static void checkModelLess(GenericKubernetesResource resource, String origin) {
        String key = resource.getApiVersion() + "/" + resource.getKind();
        Set<String> known = MODEL_LESS_SPEC_FIELDS.get(key);
        if (known == null) {
            throw new AssertionError(origin + ": no model to check " + key + " against");
        }
        for (String field : resource.getAdditionalProperties().keySet()) {
            if (!field.equals("spec")) {
                throw new AssertionError(origin + ": unknown top-level field " + field + " in " + key);
            }
        }
        Object spec = resource.getAdditionalProperties().get("spec");
        if (spec instanceof Map<?, ?> fields) {
            for (Object field : fields.keySet()) {
                if (!known.contains(String.valueOf(field))) {
                    throw new AssertionError(origin + ": unknown field spec." + field + " in " + key);
                }
            }
        }
    }
}
