package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Adds or removes Kapacity's finalizer on one of its custom resources. */
public final class Finalizers {

    private Finalizers() {
    }

    /** Makes the finalizer present or absent; writes nothing when it already is. */
    public static Future<Void> set(KubernetesClient client, KubeExecutor executor, ResourceDefinitionContext context,
                                   ResourceCache<GenericKubernetesResource> cache, GenericKubernetesResource raw, boolean present) {
        List<String> finalizers = new ArrayList<>(raw.getMetadata().getFinalizers() == null ? List.of() : raw.getMetadata().getFinalizers());
        if (present == finalizers.contains(Constants.FINALIZER)) {
            return Future.succeededFuture();
        }
        if (present) {
            finalizers.add(Constants.FINALIZER);
        } else {
            finalizers.remove(Constants.FINALIZER);
        }
        // The test of the resourceVersion makes it conditional: a concurrent finalizer change is not lost. A JSON
        // patch rather than a merge patch, because fabric8's mock server ignores a merge patch to an empty list.
        String patch = client.getKubernetesSerialization().asJson(List.of(
                Map.of("op", "test", "path", "/metadata/resourceVersion", "value", raw.getMetadata().getResourceVersion()),
                // "add" replaces an existing member and creates a missing one.
                Map.of("op", "add", "path", "/metadata/finalizers",
                        "value", finalizers)));
        return executor.call(() -> client.genericKubernetesResources(context).inNamespace(raw.getMetadata().getNamespace())
                        .withName(raw.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch))
                .onSuccess(cache::wrote)
                .mapEmpty();
    }
}
