package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;

import io.kapacitystack.kapacity.console.EditorInput.Editor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The editor's writes to Kubernetes, with the manager's client on the {@link KubeExecutor}'s workers (after the
 * user's own permission was checked by {@link ConsoleLogin}): create, update of the spec (keeping what the editor does
 * not show), delete. What it wrote is handed to the controllers' IHPA cache ({@link ResourceCache#wrote}), so that the
 * page the editor redirects to finds the object before the cache's watch delivers it.
 */
final class IhpaWriter {

    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final KubeExecutor executor;
    private final ResourceCache<GenericKubernetesResource> ihpas;

    IhpaWriter(KubernetesClient client, KubeExecutor executor, ResourceCache<GenericKubernetesResource> ihpas) {
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.executor = executor;
        this.ihpas = ihpas;
    }

    /**
     * Creates or updates the IHPA the editor holds. Succeeds once the IHPA cache holds what was written: without that,
     * the page the editor redirects to would read the cache before its watch delivered a new IHPA and answer "Not
     * found" (a page without its live stream).
     */
    Future<Void> save(Editor e, IntelligentHorizontalPodAutoscaler ihpa) {
        return executor.call(() -> write(e, ihpa)).map(written -> {
            ihpas.wrote(written);
            return null;
        });
    }

    /** Deletes the IHPA; fails with a 404 {@link ConsoleLogin.Refusal} when there was nothing to delete. */
    Future<Void> delete(ObjectKey key) {
        return executor.call(() -> client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT)
                        .inNamespace(key.namespace()).withName(key.name()).delete())
                .compose(deleted -> deleted.isEmpty()
                        ? Future.failedFuture(new ConsoleLogin.Refusal(404, "No IHPA " + key.namespace() + "/" + key.name()
                        + ": nothing was deleted."))
                        : Future.succeededFuture());
    }

    /** Blocking: runs on a worker. Returns the IHPA as the API stored it. */
    @SuppressWarnings("unchecked")
    private GenericKubernetesResource write(Editor e, IntelligentHorizontalPodAutoscaler ihpa) {
        String ns = ihpa.getMetadata().getNamespace();
        Map<String, Object> spec = serialization.convertValue(ihpa.getSpec(), Map.class);
        var api = client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace(ns);
        if (e.create) {
            GenericKubernetesResource raw = new GenericKubernetesResource();
            raw.setApiVersion(Constants.GROUP + "/" + Constants.VERSION);
            raw.setKind("IntelligentHorizontalPodAutoscaler");
            raw.setMetadata(new ObjectMeta());
            raw.getMetadata().setName(ihpa.getMetadata().getName());
            raw.getMetadata().setNamespace(ns);
            raw.getMetadata().setLabels(ihpa.getMetadata().getLabels());
            raw.getMetadata().setAnnotations(ihpa.getMetadata().getAnnotations());
            raw.setAdditionalProperty("spec", spec);
            return api.resource(raw).create();
        }
        // an update keeps everything the editor does not show (finalizers, owner references, uid...)
        GenericKubernetesResource current = api.withName(ihpa.getMetadata().getName()).get();
        if (current == null) {
            throw new KubernetesClientException("not found", 404, null);
        }
        if (!e.resourceVersion.isEmpty()) {
            current.getMetadata().setResourceVersion(e.resourceVersion);
        }
        if (e.yamlView) {
            current.getMetadata().setLabels(ihpa.getMetadata().getLabels());
            Map<String, String> annotations = ihpa.getMetadata().getAnnotations();
            String applied = current.getMetadata().getAnnotations() == null ? null
                    : current.getMetadata().getAnnotations().get("kubectl.kubernetes.io/last-applied-configuration");
            if (applied != null) {
                annotations = annotations == null ? new LinkedHashMap<>() : new LinkedHashMap<>(annotations);
                annotations.put("kubectl.kubernetes.io/last-applied-configuration", applied);
            }
            current.getMetadata().setAnnotations(annotations);
        }
        current.setAdditionalProperty("spec", spec);
        current.getAdditionalProperties().remove("status");
        return api.resource(current).update();
    }
}
