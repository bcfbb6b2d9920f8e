package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The I/O of the ExternalJob algorithm: keeps each portrait's CronJob as {@link AlgorithmCronJob} describes it,
 * deletes it when the portrait goes or stops using it, and reads the job's result ConfigMap from the cache. The
 * ConfigMap and CronJob watches wake the portrait (see {@code ControllerManager}).
 */
public final class ExternalAlgorithmJobs {

    /** What one pass over a portrait's external job came to. */
    public sealed interface Outcome {
    }

    /** The CronJob could not be brought to its desired form: upstream's FailedReconcileExternalAlgorithmJob. */
    public record JobFailed(String message) implements Outcome {
    }

    /** The job's result cannot be read or used: upstream's FailedFetchExternalAlgorithmJobResult. */
    public record ResultFailed(String message) implements Outcome {
    }

    public record Result(AlgorithmResult.Parsed parsed) implements Outcome {
    }

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final AlgorithmCronJob.Settings settings;
    private final ResourceCache<CronJob> cronJobs;
    private final ResourceCache<ConfigMap> configMaps;

    /**
     * @param cronJobs   the CronJobs of the algorithm-job namespace, or null when no namespace is set
     * @param configMaps the ConfigMaps of the watched namespaces (results), or null when no namespace is set
     */
    public ExternalAlgorithmJobs(KubernetesClient client, KubeExecutor executor, AlgorithmCronJob.Settings settings,
                                 ResourceCache<CronJob> cronJobs, ResourceCache<ConfigMap> configMaps) {
        this.client = client;
        this.executor = executor;
        this.settings = settings;
        this.cronJobs = cronJobs;
        this.configMaps = configMaps;
    }

    public AlgorithmCronJob.Settings settings() {
        return settings;
    }

    /** Brings the portrait's CronJob up to date, then reads its latest result. */
    public Future<Outcome> reconcile(HorizontalPortrait hp) {
        CronJob desired;
        try {
            desired = AlgorithmCronJob.desired(hp, settings, client.getKubernetesSerialization());
        } catch (AlgorithmCronJob.InvalidJobException e) {
            return Future.succeededFuture(new JobFailed(e.getMessage()));
        }
        return ensure(hp, desired)
                .map(v -> result(hp))
                .recover(e -> Future.succeededFuture(new JobFailed(e.getMessage())));
    }

    private Future<Void> ensure(HorizontalPortrait hp, CronJob desired) {
        String name = desired.getMetadata().getName();
        CronJob live = cronJobs.get(new ObjectKey(settings.namespace(), name));
        String owner = AlgorithmCronJob.portraitKey(hp.getMetadata().getNamespace(), hp.getMetadata().getName());
        if (live == null) {
            return executor.call(() -> client.batch().v1().cronjobs().inNamespace(settings.namespace()).resource(desired).create())
                    .onSuccess(cronJobs::wrote)
                    .<Void>mapEmpty()
                    .recover(e -> Future.failedFuture("failed to create CronJob \"" + name + "\": " + KubeObjects.shortMessage(e)));
        }
        String liveOwner = annotations(live).get(AlgorithmCronJob.PORTRAIT);
        if (liveOwner != null && !liveOwner.equals(owner)) {
            // <namespace>-<name> is ambiguous ("a-b"/"c" and "a"/"b-c"): never take over another portrait's job
            return Future.failedFuture("the CronJob \"" + name + "\" runs the algorithm of portrait " + liveOwner);
        }
        if (!AlgorithmCronJob.needsUpdate(live, desired)) {
            return Future.succeededFuture();
        }
        // The spec replaced whole, labels and annotations added or overwritten, never removed (as upstream's merge
        // patch); a PUT from the cached copy, so a concurrent change is a conflict and a retry, not a lost write.
        CronJob updated = client.getKubernetesSerialization().clone(live);
        updated.setSpec(desired.getSpec());
        updated.getMetadata().setLabels(merged(live.getMetadata().getLabels(), desired.getMetadata().getLabels()));
        updated.getMetadata().setAnnotations(merged(live.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations()));
        updated.setStatus(null);
        return executor.call(() -> client.batch().v1().cronjobs().inNamespace(settings.namespace()).resource(updated).update())
                .onSuccess(cronJobs::wrote)
                .<Void>mapEmpty()
                .recover(e -> Future.failedFuture("failed to update CronJob \"" + name + "\": " + KubeObjects.shortMessage(e)));
    }

    private static Map<String, String> merged(Map<String, String> live, Map<String, String> desired) {
        Map<String, String> out = new LinkedHashMap<>();
        if (live != null) {
            out.putAll(live);
        }
        if (desired != null) {
            out.putAll(desired);
        }
        return out.isEmpty() ? null : out;
    }

    private Outcome result(HorizontalPortrait hp) {
        String name = AlgorithmResult.configMapName(hp.getMetadata().getName());
        ConfigMap cm = configMaps.get(new ObjectKey(hp.getMetadata().getNamespace(), name));
        if (cm == null) {
            return new ResultFailed("failed to get ConfigMap \"" + name + "\": configmaps \"" + name + "\" not found");
        }
        try {
            return new Result(AlgorithmResult.parse(cm.getData()));
        } catch (AlgorithmResult.InvalidResultException e) {
            return new ResultFailed(e.getMessage());
        }
    }

    /** Deletes the portrait's CronJob, if there is one and it is this portrait's. */
    public Future<Void> cleanup(String hpNamespace, String hpName) {
        if (cronJobs == null) {
            return Future.succeededFuture();
        }
        String name = AlgorithmCronJob.name(hpNamespace, hpName);
        CronJob live = cronJobs.get(new ObjectKey(settings.namespace(), name));
        if (live == null || !Objects.equals(annotations(live).get(AlgorithmCronJob.PORTRAIT),
                AlgorithmCronJob.portraitKey(hpNamespace, hpName))) {
            return Future.succeededFuture();
        }
        return executor.call(() -> client.batch().v1().cronjobs().inNamespace(settings.namespace()).withName(name).delete())
                .<Void>mapEmpty()
                .recover(e -> KubeObjects.isNotFound(e) ? Future.succeededFuture()
                        : Future.failedFuture("failed to clean up external algorithm job of type \"CronJob\": "
                        + "failed to delete CronJob \"" + name + "\": " + KubeObjects.shortMessage(e)));
    }

    private static Map<String, String> annotations(CronJob job) {
        Map<String, String> a = job.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
