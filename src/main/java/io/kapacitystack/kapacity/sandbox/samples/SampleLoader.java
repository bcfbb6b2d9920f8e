package io.kapacitystack.kapacity.sandbox.samples;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Applies multi-document YAML (the k8s-examples the jar ships, a user's file) into a namespace, like
 * {@code kubectl create ns x; kubectl apply -n x -f file.yaml}: CRDs first, then Namespaces, then the rest;
 * namespaced objects without a namespace get the target one; re-applying is idempotent (server-side apply,
 * which the embedded API implements as create-or-merge). Blocking: call from a worker thread.
 */
public final class SampleLoader {

    private final KubernetesClient client;
    /** (apiVersion, kind) → namespaced? for kinds fabric8 has no class for (custom resources). */
    private final BiPredicate<String, String> customKindIsNamespaced;

    public SampleLoader(KubernetesClient client, BiPredicate<String, String> customKindIsNamespaced) {
        this.client = client;
        this.customKindIsNamespaced = customKindIsNamespaced;
    }

    public List<HasMetadata> apply(String namespace, String yaml) {
        ensureNamespace(namespace);
        List<HasMetadata> objects = parse(yaml);
        objects.sort(Comparator.comparingInt(SampleLoader::applyOrder));
        List<HasMetadata> applied = new ArrayList<>();
        for (HasMetadata object : objects) {
            if (isNamespaced(object)) {
                if (object.getMetadata().getNamespace() == null) {
                    object.getMetadata().setNamespace(namespace);
                }
                ensureNamespace(object.getMetadata().getNamespace());
            }
            applied.add(client.resource(object).fieldManager("kapacity-sandbox").forceConflicts().serverSideApply());
        }
        return applied;
    }

    public void ensureNamespace(String namespace) {
        if (namespace != null && client.namespaces().withName(namespace).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                    .build()).create();
        }
    }

    static List<HasMetadata> parse(String yaml) {
        Object parsed = Serialization.unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        List<HasMetadata> out = new ArrayList<>();
        collect(parsed, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Object parsed, List<HasMetadata> out) {
        if (parsed instanceof List<?> list) {
            list.forEach(o -> collect(o, out));
        } else if (parsed instanceof KubernetesResourceList<?> list) {
            list.getItems().forEach(o -> collect(o, out));
        } else if (parsed instanceof HasMetadata h) {
            out.add(h);
        }
    }

    private boolean isNamespaced(HasMetadata object) {
        if (object instanceof GenericKubernetesResource) {
            return customKindIsNamespaced.test(object.getApiVersion(), object.getKind());
        }
        return object instanceof Namespaced;
    }

    private static int applyOrder(HasMetadata object) {
        if (object instanceof CustomResourceDefinition) {
            return 0;
        }
        return object instanceof Namespace ? 1 : 2;
    }
}
