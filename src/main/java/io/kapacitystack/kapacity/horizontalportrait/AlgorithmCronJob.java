package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CronJob that runs a HorizontalPortrait's external algorithm (upstream:
 * {@code pkg/portrait/algorithm/externaljob/jobcontroller/cronjob.go}), as a value: its name, and its desired form
 * from the portrait's template and the manager's {@code --algorithm-job-*} flags. Pure.
 *
 * <p>Differences from upstream, each in docs/compatibility.md: {@code HP_NAMESPACE}/{@code HP_NAME} are set once
 * (upstream appended duplicates); the template's labels and annotations reach the CronJob (upstream's schema pruned
 * them); and the live CronJob is compared with the desired one through a hash of the desired form kept in an
 * annotation, so an unchanged portrait sends no PATCH (upstream compared against the API-defaulted live spec, which
 * never matched, and patched on every reconcile).
 */
public final class AlgorithmCronJob {

    public static final String CONTAINER = "algorithm";
    /** The hash of the desired CronJob last written; a different hash means the portrait's job changed. */
    public static final String TEMPLATE_HASH = "kapacitystack.io/algorithm-job-template-hash";
    /** Which portrait the CronJob runs for (it lives in another namespace, so no owner reference can say it). */
    public static final String PORTRAIT = "kapacitystack.io/horizontal-portrait";
    /** On every algorithm job pod: the chart's NetworkPolicy admits these pods to the gRPC metrics service. */
    public static final String JOB_POD_LABEL = "kapacitystack.io/algorithm-job";
    /** A CronJob's name is at most 52 characters: its Jobs append an 11-character suffix within 63. */
    static final int MAX_NAME = 52;

    /** The manager's {@code --algorithm-job-*} flags. */
    public record Settings(String namespace, String defaultServiceAccount, String defaultMetricsServerAddr,
                           String defaultPredictiveImage) {
        public Settings {
            namespace = Objects.requireNonNullElse(namespace, "");
            defaultServiceAccount = Objects.requireNonNullElse(defaultServiceAccount, "");
            defaultMetricsServerAddr = Objects.requireNonNullElse(defaultMetricsServerAddr, "");
            defaultPredictiveImage = Objects.requireNonNullElse(defaultPredictiveImage, "");
        }

        public static Settings none() {
            return new Settings("", "", "", "");
        }
    }

    /** A portrait whose job cannot be built; the message goes to its condition. */
    public static final class InvalidJobException extends Exception {
        public InvalidJobException(String message) {
            super(message);
        }
    }

    private AlgorithmCronJob() {
    }

    /** {@code <hpNamespace>-<hpName>}, as upstream names it. */
    public static String name(String hpNamespace, String hpName) {
        return hpNamespace + "-" + hpName;
    }

    public static String portraitKey(String hpNamespace, String hpName) {
        return hpNamespace + "/" + hpName;
    }

    public static CronJob desired(HorizontalPortrait hp, Settings settings, KubernetesSerialization json)
            throws InvalidJobException {
        PortraitAlgorithm.ExternalJob external = hp.getSpec().algorithm.externalJob;
        if (external == null || external.job == null) {
            throw new InvalidJobException("the ExternalJob algorithm needs \"externalJob.job\"");
        }
        if (!"CronJob".equals(external.job.type)) {
            throw new InvalidJobException("unknown external algorithm job type \"" + external.job.type + "\"");
        }
        if (external.job.cronJob == null || external.job.cronJob.template == null
                || external.job.cronJob.template.spec == null) {
            throw new InvalidJobException("the CronJob algorithm job needs \"cronJob.template.spec\"");
        }
        if (settings.namespace().isEmpty()) {
            throw new InvalidJobException("no namespace is set for algorithm jobs (--algorithm-job-namespace)");
        }
        String ns = hp.getMetadata().getNamespace();
        String name = name(ns, hp.getMetadata().getName());
        if (name.length() > MAX_NAME) {
            throw new InvalidJobException("the CronJob name \"" + name + "\" (<namespace>-<portrait>) is longer than "
                    + MAX_NAME + " characters");
        }
        PortraitAlgorithm.CronJobTemplate template = external.job.cronJob.template;
        // a deep copy: the defaults below must not leak into the portrait object read from the cache
        CronJobSpec spec = json.clone(template.spec);
        if (spec.getJobTemplate() == null || spec.getJobTemplate().getSpec() == null
                || spec.getJobTemplate().getSpec().getTemplate() == null
                || spec.getJobTemplate().getSpec().getTemplate().getSpec() == null) {
            throw new InvalidJobException("the CronJob template needs \"spec.jobTemplate.spec.template.spec\"");
        }
        PodTemplateSpec podTemplate = spec.getJobTemplate().getSpec().getTemplate();
        defaultPodSpec(podTemplate.getSpec(), hp, settings);
        String account = podTemplate.getSpec().getServiceAccountName();
        if (!isEmpty(account) && !account.equals(settings.defaultServiceAccount())
                || !isEmpty(podTemplate.getSpec().getServiceAccount())
                && !podTemplate.getSpec().getServiceAccount().equals(settings.defaultServiceAccount())) {
            // Whoever may create an IHPA may not run pods as any service account of the algorithm-job namespace (the
            // manager's own among them): docs/security.md
            throw new InvalidJobException("the algorithm job may only run as the service account \""
                    + settings.defaultServiceAccount() + "\" (--algorithm-job-default-service-account)");
        }
        // the chart's NetworkPolicy lets pods with this label reach the gRPC metrics service
        if (podTemplate.getMetadata() == null) {
            podTemplate.setMetadata(new ObjectMeta());
        }
        Map<String, String> podLabels = podTemplate.getMetadata().getLabels() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(podTemplate.getMetadata().getLabels());
        podLabels.put(JOB_POD_LABEL, "true");
        podTemplate.getMetadata().setLabels(podLabels);

        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(settings.namespace());
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (template.metadata != null) {
            if (template.metadata.getLabels() != null) {
                labels.putAll(template.metadata.getLabels());
            }
            if (template.metadata.getAnnotations() != null) {
                annotations.putAll(template.metadata.getAnnotations());
            }
        }
        annotations.put(PORTRAIT, portraitKey(ns, hp.getMetadata().getName()));
        meta.setLabels(labels.isEmpty() ? null : labels);
        meta.setAnnotations(annotations);
        CronJob job = new CronJob();
        job.setApiVersion("batch/v1");
        job.setKind("CronJob");
        job.setMetadata(meta);
        job.setSpec(spec);
        annotations.put(TEMPLATE_HASH, hash(job, json));
        return job;
    }

    /** Whether the live CronJob must be patched to the desired one: the desired form changed since it was written. */
    public static boolean needsUpdate(CronJob live, CronJob desired) {
        return !Objects.equals(annotation(live, TEMPLATE_HASH), annotation(desired, TEMPLATE_HASH));
    }

    private static void defaultPodSpec(PodSpec pod, HorizontalPortrait hp, Settings settings) {
        if (!settings.defaultServiceAccount().isEmpty() && isEmpty(pod.getServiceAccountName())
                && isEmpty(pod.getServiceAccount())) {
            pod.setServiceAccountName(settings.defaultServiceAccount());
            pod.setServiceAccount(settings.defaultServiceAccount());
        }
        Container algorithm = pod.getContainers() == null ? null : pod.getContainers().stream()
                .filter(c -> CONTAINER.equals(c.getName())).findFirst().orElse(null);
        if (algorithm == null) {
            return;
        }
        if (isEmpty(algorithm.getImage()) && "Predictive".equals(hp.getSpec().portraitType)) {
            algorithm.setImage(settings.defaultPredictiveImage());
        }
        List<EnvVar> env = algorithm.getEnv() == null ? new ArrayList<>() : new ArrayList<>(algorithm.getEnv());
        if (env.stream().noneMatch(e -> "METRICS_SERVER_ADDR".equals(e.getName()))) {
            env.add(new EnvVar("METRICS_SERVER_ADDR", settings.defaultMetricsServerAddr(), null));
        }
        env.removeIf(e -> "HP_NAMESPACE".equals(e.getName()) || "HP_NAME".equals(e.getName()));
        env.add(new EnvVar("HP_NAMESPACE", hp.getMetadata().getNamespace(), null));
        env.add(new EnvVar("HP_NAME", hp.getMetadata().getName(), null));
        algorithm.setEnv(env);
    }

    private static String hash(CronJob job, KubernetesSerialization json) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest(json.asJson(job).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String annotation(CronJob job, String key) {
        Map<String, String> a = job.getMetadata() == null ? null : job.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }
}
