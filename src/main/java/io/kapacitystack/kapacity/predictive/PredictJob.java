package io.kapacitystack.kapacity.predictive;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import io.kapacitystack.kapacity.portrait.cron.TimeZones;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.workload.ScaleClient;
import io.kapacitystack.kapacity.workload.ScaleInfo;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code predict}: read the HorizontalPortrait, its target and history, decide ({@link Predictor}), write
 * {@code <hp>-result}. Exit codes: 0 when a result or a refusal was written (a refusal is a verdict, rerunning does
 * not change it), 1 when something transient failed (the CronJob's policy retries), 2 for bad flags.
 */
public final class PredictJob {

    private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);
    static final Duration FALLBACK_HORIZON = Duration.ofDays(1);
    /** Step of the history read, as Kapacity's job. */
    static final Duration STEP = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final Vertx vertx;
    private final Clock clock;

    public PredictJob(KubernetesClient client, Vertx vertx, Clock clock) {
        this.client = client;
        this.vertx = vertx;
        this.clock = clock;
    }

    public int run(PredictOptions o) {
        if (!o.tsfModelPath().isEmpty()) {
            LOG.info("--tsf-model-path {} is not needed: the built-in job fits its models on each run's history",
                    o.tsfModelPath());
        }
        Instant now = clock.now();
        HorizontalPortrait hp;
        try {
            hp = client.resources(HorizontalPortrait.class).inNamespace(o.namespace()).withName(o.name()).get();
        } catch (RuntimeException e) {
            LOG.error("cannot read HorizontalPortrait {}/{}: {}", o.namespace(), o.name(), e.getMessage());
            return 1;
        }
        if (hp == null || hp.getSpec() == null) {
            LOG.error("HorizontalPortrait {}/{} not found", o.namespace(), o.name());
            return 1;
        }
        Predictor.Outcome outcome;
        try {
            outcome = decide(o, hp, now);
        } catch (Refusal r) {
            outcome = new Predictor.Outcome(ResultData.refusal(r.getMessage(), now), true, "refused: " + r.getMessage(), List.of());
        } catch (HistoryReader.HistoryException | TransientException e) {
            LOG.error("predict {}/{} failed: {}", o.namespace(), o.name(), e.getMessage());
            return 1;
        }
        try {
            write(hp, outcome.data());
        } catch (RuntimeException e) {
            LOG.error("cannot write ConfigMap {}/{}-result: {}", o.namespace(), o.name(), e.getMessage());
            return 1;
        }
        LOG.info("predict {}/{}: {}", o.namespace(), o.name(), outcome.summary());
        return 0;
    }

    private Predictor.Outcome decide(PredictOptions o, HorizontalPortrait hp, Instant now)
            throws HistoryReader.HistoryException, TransientException {
        HistoryQueries.Queries q = HistoryQueries.of(o.namespace(), hp.getSpec().scaleTargetRef, hp.getSpec().metrics);
        double target = target(o.namespace(), hp);
        Instant nextRun = nextRun(hp, now);
        Instant start = now.minus(o.historyLength());
        Map<String, Predictor.History> traffic = new LinkedHashMap<>();
        try (HistoryReader reader = new HistoryReader(vertx, o.metricsServer(), token(o.tokenFile()), o.grpcTimeout())) {
            Predictor.History resource = reader.read("metrics[0] (resource)", q.resource(), start, now, STEP);
            Predictor.History pods = reader.read("metrics[1] (ready pods)", q.readyPods(), start, now, STEP);
            for (var e : q.traffic().entrySet()) {
                traffic.put(e.getKey(), reader.read("traffic \"" + e.getKey() + "\"", e.getValue(), start, now, STEP));
            }
            return new Predictor().predict(traffic, resource, pods, target, start, now, nextRun,
                    new Predictor.Settings(o.scalingFreq(), o.zone(), o.testWindow(), o.minCorrelation(), o.maxMse(),
                            o.scaleUpAheadSeconds(), o.targetTolerance()));
        }
    }

    /** The token to send, or null when the file does not exist (gRPC auth off, as Kapacity). */
    static String token(String file) throws TransientException {
        Path p = Path.of(file);
        if (!Files.exists(p)) {
            return null;
        }
        try {
            if (Files.size(p) > 64 * 1024) {
                throw new TransientException("token file " + file + " is larger than 64 KiB");
            }
            String t = Files.readString(p, StandardCharsets.UTF_8).trim();
            return t.isEmpty() ? null : t;
        } catch (IOException e) {
            throw new TransientException("cannot read token file " + file + ": " + e.getMessage());
        }
    }

    /** Per-pod resource target from metrics[0]: AverageValue, or Utilization × the first pod's requests (as Kapacity). */
    private double target(String namespace, HorizontalPortrait hp) throws TransientException {
        MetricSpec m = hp.getSpec().metrics.get(0);
        boolean container = "ContainerResource".equals(m.type);
        MetricTarget t = container ? m.containerResource.getTarget() : m.resource.getTarget();
        String resourceName = container ? m.containerResource.getName() : m.resource.getName();
        if (t == null || t.getType() == null) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "spec.metrics[0] has no target");
        }
        switch (t.getType()) {
            case "AverageValue":
                if (t.getAverageValue() == null) {
                    throw new Refusal(Refusal.Kind.BAD_INPUT, "spec.metrics[0].target.averageValue is missing");
                }
                return t.getAverageValue().getNumericalAmount().doubleValue();
            case "Utilization":
                if (t.getAverageUtilization() == null) {
                    throw new Refusal(Refusal.Kind.BAD_INPUT, "spec.metrics[0].target.averageUtilization is missing");
                }
                return t.getAverageUtilization() / 100.0 * podRequest(namespace, hp, resourceName,
                        container ? m.containerResource.getContainer() : null);
            default:
                throw new Refusal(Refusal.Kind.BAD_INPUT, "spec.metrics[0].target.type " + t.getType()
                        + " is not supported: use AverageValue or Utilization");
        }
    }

    private double podRequest(String namespace, HorizontalPortrait hp, String resource, String containerName)
            throws TransientException {
        ScaleInfo scale;
        try (KubeExecutor executor = new KubeExecutor(vertx, 20, 30, 1)) {
            scale = new ScaleClient(client, executor).get(namespace, hp.getSpec().scaleTargetRef)
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new TransientException("cannot read the scale of the target: " + e.getMessage());
        }
        if (scale.selector == null || scale.selector.isEmpty()) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "the target's scale has no selector");
        }
        List<Pod> pods = client.pods().inNamespace(namespace)
                .list(new ListOptionsBuilder().withLabelSelector(scale.selector).withLimit(1L).build()).getItems();
        if (pods.isEmpty()) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "no pod of the target to read its " + resource + " request from");
        }
        double sum = 0;
        for (var c : pods.get(0).getSpec().getContainers()) {
            if (containerName != null && !containerName.equals(c.getName())) {
                continue;
            }
            Quantity q = c.getResources() == null || c.getResources().getRequests() == null ? null
                    : c.getResources().getRequests().get(resource);
            if (q != null) {
                sum += q.getNumericalAmount().doubleValue();
            }
        }
        if (!(sum > 0)) {
            throw new Refusal(Refusal.Kind.BAD_INPUT, "the target's pods request no " + resource
                    + ": a Utilization target needs requests");
        }
        return sum;
    }

    /** The CronJob's next run after {@code now}; a day ahead when the HP has no parsable schedule. */
    static Instant nextRun(HorizontalPortrait hp, Instant now) {
        try {
            PortraitAlgorithm a = hp.getSpec().algorithm;
            var spec = a.externalJob.job.cronJob.template.spec;
            ZoneId zone = spec.getTimeZone() == null ? ZoneOffset.UTC : TimeZones.load(spec.getTimeZone());
            Instant next = CronSchedule.parse(spec.getSchedule(), zone).next(now);
            return next == null ? now.plus(FALLBACK_HORIZON) : next;
        } catch (RuntimeException noSchedule) {
            return now.plus(FALLBACK_HORIZON);
        }
    }

    /** Creates {@code <hp>-result} owned by the HP, or replaces the data of the existing one (keeping its metadata). */
    void write(HorizontalPortrait hp, Map<String, String> data) {
        String ns = hp.getMetadata().getNamespace();
        String name = hp.getMetadata().getName() + "-result";
        var resource = client.configMaps().inNamespace(ns).withName(name);
        ConfigMap existing = resource.get();
        if (existing == null) {
            ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(hp.getApiVersion())
                            .withKind(hp.getKind()).withName(hp.getMetadata().getName())
                            .withUid(hp.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                    .endMetadata().withData(data).build();
            client.configMaps().inNamespace(ns).resource(cm).create();
        } else {
            // A PUT of the copy just read (as Kapacity's job replaces it): the job's role grants get, create and
            // update on ConfigMaps, not patch; a concurrent change is a conflict and a failed run the CronJob retries.
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder(existing).withData(data).build()).update();
        }
    }

    /** A failure worth retrying (API or token read), unlike a {@link Refusal}. */
    static final class TransientException extends Exception {
        TransientException(String message) {
            super(message);
        }
    }
}
