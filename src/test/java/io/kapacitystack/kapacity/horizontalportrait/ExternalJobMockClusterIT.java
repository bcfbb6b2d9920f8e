package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.kapacitystack.kapacity.testing.MockClusterExtension;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ExternalJob algorithm against the (mock) API: the portrait's CronJob is created in the algorithm-job
 * namespace and left alone while nothing changes, its result ConfigMap becomes TimeSeries portrait data, a bad result
 * keeps the last good data and says why, and the CronJob goes when the portrait stops using it or is deleted.
 */
@ExtendWith(MockClusterExtension.class)
class ExternalJobMockClusterIT {

    private static final String NS = "shop";
    private static final String JOBS = "kapacity-system";
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private Vertx vertx;
    private MockCluster cluster;

    @BeforeEach
    void setUp(MockCluster cluster) {
        this.cluster = cluster;
        vertx = cluster.vertx;
        cluster.namespace(NS);
        cluster.namespace(JOBS);
        ControllerManager.Settings settings = new ControllerManager.Settings();
        settings.algorithmJobs = new AlgorithmCronJob.Settings(JOBS, "kapacity-algorithm-job", "kapacity-grpc-service:9090",
                "kapacity:predict");
        cluster.startManager(new ManualClock(vertx, T0), settings);
    }

    private static String portraitYaml(String schedule, String algorithmType) {
        String algorithm = "KubeHPA".equals(algorithmType) ? "  algorithm: {type: KubeHPA}\n" : """
                  algorithm:
                    type: ExternalJob
                    externalJob:
                      resultSource: {type: ConfigMap}
                      job:
                        type: CronJob
                        cronJob:
                          template:
                            spec:
                              schedule: "%s"
                              jobTemplate:
                                spec:
                                  template:
                                    spec:
                                      restartPolicy: OnFailure
                                      containers:
                                      - name: algorithm
                                        args: [--scaling-freq=10min]
                """.formatted(schedule);
        return """
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata: {name: web-predictive}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Predictive
                """ + algorithm;
    }

    private CronJob cronJob() {
        return cluster.client.batch().v1().cronjobs().inNamespace(JOBS).withName(NS + "-web-predictive").get();
    }

    private HorizontalPortrait portrait() {
        return cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName("web-predictive").get();
    }

    private Condition generated() {
        HorizontalPortrait hp = portrait();
        if (hp == null || hp.getStatus() == null) {
            return null;
        }
        return hp.getStatus().conditions.stream().filter(c -> "PortraitGenerated".equals(c.getType())).findFirst().orElse(null);
    }

    private void writeResult(Map<String, String> data) {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("web-predictive-result").withNamespace(NS)
                .endMetadata().withData(data).build();
        cluster.client.configMaps().inNamespace(NS).resource(cm).createOr(c -> c.update());
    }

    @Test
    void theCronJobRunsTheAlgorithmAndItsResultBecomesTheTimeSeriesPortrait() {
        cluster.apply(portraitYaml("0/30 * * * *", "ExternalJob"), NS);
        Await.until("the CronJob", () -> cronJob() != null);
        CronJob job = cronJob();
        assertEquals("0/30 * * * *", job.getSpec().getSchedule());
        assertEquals("kapacity:predict", job.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers()
                .get(0).getImage());
        Await.until("no result yet", () -> generated() != null
                && "FailedFetchExternalAlgorithmJobResult".equals(generated().getReason()));
        assertEquals("failed to fetch external algorithm job result: failed to get ConfigMap \"web-predictive-result\": "
                + "configmaps \"web-predictive-result\" not found", generated().getMessage());

        writeResult(Map.of("type", "TimeSeries", "timeSeries", "{\"1695290640.0\":3,\"1695291240.0\":5}",
                "expireTime", "2023-09-21T10:16:00.00Z", "model", "seasonal-profile"));
        Await.until("the time series", () -> generated() != null && "True".equals(generated().getStatus()));
        HorizontalPortraitStatus status = portrait().getStatus();
        assertEquals(HorizontalPortraitStatus.PortraitData.Type.TimeSeries, status.portraitData.type);
        assertEquals(List.of(1695290640L, 1695291240L),
                status.portraitData.timeSeries.timeSeries.stream().map(p -> p.timestamp).toList());
        assertEquals(List.of(3, 5), status.portraitData.timeSeries.timeSeries.stream().map(p -> p.replicas).toList());
        assertEquals("2023-09-21T10:16:00Z", status.portraitData.expireTime);
        assertEquals(Map.of("model", "seasonal-profile"), status.jobReport);
        assertEquals("SucceededGeneratePortrait", generated().getReason());

        // A bad result keeps the last good portrait and says why.
        writeResult(Map.of("type", "TimeSeries", "timeSeries", "{\"1695290640.5\":3}"));
        Await.until("the bad result reported", () -> "False".equals(generated().getStatus()));
        assertEquals("failed to fetch external algorithm job result: failed to parse \"1695290640.5\" to int64 timestamp: "
                + "not a whole number of unix seconds", generated().getMessage());
        assertEquals(List.of(3, 5), portrait().getStatus().portraitData.timeSeries.timeSeries.stream()
                .map(p -> p.replicas).toList());

        // Unchanged portrait: the CronJob is not written again.
        String version = cronJob().getMetadata().getResourceVersion();
        cluster.manager.horizontalPortraitController().enqueue(new ObjectKey(NS, "web-predictive"));
        writeResult(Map.of("type", "TimeSeries", "timeSeries", "{\"1695290640\":4}"));
        Await.until("the good result again", () -> "True".equals(generated().getStatus()));
        assertEquals(version, cronJob().getMetadata().getResourceVersion());
    }

    @Test
    void aChangedTemplateUpdatesTheCronJobAndLeavingExternalJobDeletesIt() {
        cluster.apply(portraitYaml("0/30 * * * *", "ExternalJob"), NS);
        Await.until("the CronJob", () -> cronJob() != null);
        cluster.apply(portraitYaml("0 * * * *", "ExternalJob"), NS, true);
        Await.until("the new schedule", () -> "0 * * * *".equals(cronJob().getSpec().getSchedule()));

        cluster.apply(portraitYaml(null, "KubeHPA"), NS, true);
        Await.until("the CronJob deleted", () -> cronJob() == null);
    }

    @Test
    void aDeletedPortraitsCronJobGoesBeforeItsFinalizer() {
        cluster.apply(portraitYaml("0/30 * * * *", "ExternalJob"), NS);
        Await.until("the CronJob", () -> cronJob() != null);
        Await.until("the finalizer", () -> portrait().getMetadata().getFinalizers() != null
                && !portrait().getMetadata().getFinalizers().isEmpty());
        cluster.client.resources(HorizontalPortrait.class).inNamespace(NS).withName("web-predictive").delete();
        Await.until("the CronJob deleted", () -> cronJob() == null);
        Await.until("the portrait gone", () -> portrait() == null);
    }

    @Test
    void aCronJobDeletedByHandIsPutBack() {
        cluster.apply(portraitYaml("0/30 * * * *", "ExternalJob"), NS);
        Await.until("the CronJob", () -> cronJob() != null);
        String uid = cronJob().getMetadata().getUid();
        cluster.client.batch().v1().cronjobs().inNamespace(JOBS).withName(NS + "-web-predictive").delete();
        Await.until("a new CronJob", () -> cronJob() != null && !uid.equals(cronJob().getMetadata().getUid()));
        assertNotNull(cronJob().getMetadata().getAnnotations().get(AlgorithmCronJob.PORTRAIT));
    }

    @Test
    void anotherPortraitsCronJobOfTheSameNameIsNeverTakenOver() {
        // "shop-web-predictive" is also <"shop-web">-<"predictive">: the first one's job stays its own
        cluster.namespace("shop-web");
        cluster.apply(portraitYaml("0/30 * * * *", "ExternalJob"), NS);
        Await.until("the CronJob", () -> cronJob() != null);
        cluster.apply(portraitYaml("0 0 * * *", "ExternalJob").replace("name: web-predictive", "name: predictive"), "shop-web");
        Await.until("the second portrait refused", () -> {
            HorizontalPortrait other = cluster.client.resources(HorizontalPortrait.class).inNamespace("shop-web")
                    .withName("predictive").get();
            return other != null && other.getStatus() != null && other.getStatus().conditions.stream().anyMatch(c ->
                    "FailedReconcileExternalAlgorithmJob".equals(c.getReason())
                            && c.getMessage().contains("runs the algorithm of portrait shop/web-predictive"));
        });
        assertEquals("0/30 * * * *", cronJob().getSpec().getSchedule());
        assertTrue(cronJob().getMetadata().getAnnotations().get(AlgorithmCronJob.PORTRAIT).equals("shop/web-predictive"));
    }
}
