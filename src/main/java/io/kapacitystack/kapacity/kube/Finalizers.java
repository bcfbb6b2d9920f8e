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
        // resourceVersion in a merge patch makes it conditional: a concurrent finalizer change is not lost.
        String patch = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("finalizers", finalizers,
                "resourceVersion", raw.getMetadata().getResourceVersion())));
        return executor.call(() -> client.genericKubernetesResources(context).inNamespace(raw.getMetadata().getNamespace())
                        .withName(raw.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch))
                .onSuccess(cache::wrote)
                .mapEmpty();
    }
}
