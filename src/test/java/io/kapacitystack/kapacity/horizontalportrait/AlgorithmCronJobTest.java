package io.kapacitystack.kapacity.horizontalportrait;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlgorithmCronJobTest {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final AlgorithmCronJob.Settings FLAGS = new AlgorithmCronJob.Settings("kapacity-system",
            "kapacity-algorithm-job", "kapacity-grpc-service:9090", "kapacity:predict");

    static HorizontalPortrait portrait(String namespace, String name, String containerYaml) {
        return JSON.unmarshal("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata: {name: %s, namespace: %s}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Predictive
                  algorithm:
                    type: ExternalJob
                    externalJob:
                      resultSource: {type: ConfigMap}
                      job:
                        type: CronJob
                        cronJob:
                          template:
                            metadata:
                              labels: {team: web}
                              annotations: {note: hello}
                            spec:
                              schedule: "0/30 * * * *"
                              jobTemplate:
                                spec:
                                  template:
                                    spec:
                                      restartPolicy: OnFailure
                                      containers:
                %s
                """.formatted(name, namespace, containerYaml.indent(38).stripTrailing()), HorizontalPortrait.class);
    }

    private static final String ALGORITHM = """
            - name: algorithm
              args: [--re-history-len=24H, --scaling-freq=10min]
            - name: sidecar
              image: busybox
            """;

    private static PodSpec pod(CronJob job) {
        return job.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    }

    private static Map<String, String> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void theJobIsNamedAfterThePortraitAndRunsInTheAlgorithmNamespace() throws Exception {
        CronJob job = AlgorithmCronJob.desired(portrait("default", "web-predictive", ALGORITHM), FLAGS, JSON);
        assertEquals("default-web-predictive", job.getMetadata().getName());
        assertEquals("kapacity-system", job.getMetadata().getNamespace());
        assertEquals("0/30 * * * *", job.getSpec().getSchedule());
        assertTrue(job.getMetadata().getOwnerReferences() == null || job.getMetadata().getOwnerReferences().isEmpty());
        assertEquals(Map.of("team", "web"), job.getMetadata().getLabels());
        assertEquals("hello", job.getMetadata().getAnnotations().get("note"));
        assertEquals("default/web-predictive", job.getMetadata().getAnnotations().get(AlgorithmCronJob.PORTRAIT));
    }

    @Test
    void theAlgorithmContainerGetsTheDefaultImageAddressAndPortraitOnce() throws Exception {
        CronJob job = AlgorithmCronJob.desired(portrait("default", "web-predictive", ALGORITHM), FLAGS, JSON);
        Container algorithm = pod(job).getContainers().get(0);
        assertEquals("kapacity:predict", algorithm.getImage());
        assertEquals(Map.of("METRICS_SERVER_ADDR", "kapacity-grpc-service:9090", "HP_NAMESPACE", "default",
                "HP_NAME", "web-predictive"), env(algorithm));
        assertEquals(3, algorithm.getEnv().size());
        Container sidecar = pod(job).getContainers().get(1);
        assertEquals("busybox", sidecar.getImage());
        assertTrue(sidecar.getEnv() == null || sidecar.getEnv().isEmpty());
        assertEquals("kapacity-algorithm-job", pod(job).getServiceAccountName());
        assertEquals("kapacity-algorithm-job", pod(job).getServiceAccount());
    }

    @Test
    void whatTheTemplateSetsItselfIsKeptAndThePortraitsEnvIsNotDuplicated() throws Exception {
        String own = """
                - name: algorithm
                  image: ghcr.io/traas-stack/kapacity-algorithm-horizontal-predictive:latest
                  env:
                  - {name: METRICS_SERVER_ADDR, value: "my-grpc:9090"}
                  - {name: HP_NAME, value: stale}
                """;
        HorizontalPortrait hp = portrait("default", "web-predictive", own);
        hp.getSpec().algorithm.externalJob.job.cronJob.template.spec.getJobTemplate().getSpec().getTemplate().getSpec()
                .setServiceAccountName("kapacity-algorithm-job");
        CronJob job = AlgorithmCronJob.desired(hp, FLAGS, JSON);
        Container algorithm = pod(job).getContainers().get(0);
        assertEquals("ghcr.io/traas-stack/kapacity-algorithm-horizontal-predictive:latest", algorithm.getImage());
        assertEquals(Map.of("METRICS_SERVER_ADDR", "my-grpc:9090", "HP_NAMESPACE", "default", "HP_NAME", "web-predictive"),
                env(algorithm));
        assertEquals(3, algorithm.getEnv().size());
        assertEquals("kapacity-algorithm-job", pod(job).getServiceAccountName());
        assertNull(pod(job).getServiceAccount());
        assertEquals("true", job.getSpec().getJobTemplate().getSpec().getTemplate().getMetadata().getLabels()
                .get(AlgorithmCronJob.JOB_POD_LABEL));
    }

    @Test
    void aTemplateCannotRunTheJobAsAnotherServiceAccount() {
        for (String account : new String[]{"kapacity-controller-manager", "default"}) {
            HorizontalPortrait hp = portrait("default", "web-predictive", ALGORITHM);
            PodSpec pod = hp.getSpec().algorithm.externalJob.job.cronJob.template.spec.getJobTemplate().getSpec()
                    .getTemplate().getSpec();
            pod.setServiceAccountName(account);
            assertEquals("the algorithm job may only run as the service account \"kapacity-algorithm-job\" "
                    + "(--algorithm-job-default-service-account)", assertThrows(AlgorithmCronJob.InvalidJobException.class,
                    () -> AlgorithmCronJob.desired(hp, FLAGS, JSON)).getMessage());
            pod.setServiceAccountName(null);
            pod.setServiceAccount(account);
            assertThrows(AlgorithmCronJob.InvalidJobException.class, () -> AlgorithmCronJob.desired(hp, FLAGS, JSON));
        }
    }

    @Test
    void onlyAPredictivePortraitGetsTheDefaultImage() throws Exception {
        HorizontalPortrait hp = portrait("default", "web-burst", ALGORITHM);
        hp.getSpec().portraitType = "Burst";
        String image = pod(AlgorithmCronJob.desired(hp, FLAGS, JSON)).getContainers().get(0).getImage();
        assertTrue(image == null || image.isEmpty(), image);
    }

    @Test
    void thePortraitObjectIsNotChangedByBuildingItsJob() throws Exception {
        HorizontalPortrait hp = portrait("default", "web-predictive", ALGORITHM);
        String before = JSON.asJson(hp);
        AlgorithmCronJob.desired(hp, FLAGS, JSON);
        assertEquals(before, JSON.asJson(hp));
    }

    @Test
    void anUnchangedPortraitNeedsNoUpdateAndAChangedTemplateDoes() throws Exception {
        CronJob first = AlgorithmCronJob.desired(portrait("default", "web-predictive", ALGORITHM), FLAGS, JSON);
        CronJob again = AlgorithmCronJob.desired(portrait("default", "web-predictive", ALGORITHM), FLAGS, JSON);
        // what the API server adds (defaults, status) does not count: only the hash of what we asked for
        again.getSpec().setConcurrencyPolicy("Allow");
        again.getMetadata().getAnnotations().put(AlgorithmCronJob.TEMPLATE_HASH,
                first.getMetadata().getAnnotations().get(AlgorithmCronJob.TEMPLATE_HASH));
        assertFalse(AlgorithmCronJob.needsUpdate(again, first));

        HorizontalPortrait changed = portrait("default", "web-predictive", ALGORITHM);
        changed.getSpec().algorithm.externalJob.job.cronJob.template.spec.setSchedule("0 * * * *");
        assertTrue(AlgorithmCronJob.needsUpdate(first, AlgorithmCronJob.desired(changed, FLAGS, JSON)));
        CronJob otherFlags = AlgorithmCronJob.desired(portrait("default", "web-predictive", ALGORITHM),
                new AlgorithmCronJob.Settings("kapacity-system", "kapacity-algorithm-job", "other:9090", "kapacity:predict"), JSON);
        assertTrue(AlgorithmCronJob.needsUpdate(first, otherFlags));
    }

    @Test
    void jobsThatCannotBeBuiltSayWhy() {
        HorizontalPortrait hp = portrait("default", "web-predictive", ALGORITHM);
        assertEquals("no namespace is set for algorithm jobs (--algorithm-job-namespace)",
                assertThrows(AlgorithmCronJob.InvalidJobException.class,
                        () -> AlgorithmCronJob.desired(hp, AlgorithmCronJob.Settings.none(), JSON)).getMessage());
        hp.getSpec().algorithm.externalJob.job.type = "Job";
        assertEquals("unknown external algorithm job type \"Job\"", assertThrows(AlgorithmCronJob.InvalidJobException.class,
                () -> AlgorithmCronJob.desired(hp, FLAGS, JSON)).getMessage());
        HorizontalPortrait longName = portrait("a-namespace-with-a-long-name", "and-a-portrait-named-at-length", ALGORITHM);
        assertTrue(assertThrows(AlgorithmCronJob.InvalidJobException.class,
                () -> AlgorithmCronJob.desired(longName, FLAGS, JSON)).getMessage()
                .endsWith("is longer than 52 characters"));
    }

    @Test
    void theQuickStartsPortraitBuildsTheQuickStartsJob() throws Exception {
        IntelligentHorizontalPodAutoscaler ihpa = JSON.unmarshal(
                Files.readString(Path.of("k8s-examples/dynamic-predictive-portrait-sample.yaml")),
                IntelligentHorizontalPodAutoscaler.class);
        HorizontalPortrait hp = portrait("default", "predictive-sample-predictive", ALGORITHM);
        hp.getSpec().algorithm = ihpa.getSpec().portraitProviders.get(0).dynamic.algorithm;
        CronJob job = AlgorithmCronJob.desired(hp, FLAGS, JSON);
        assertEquals("default-predictive-sample-predictive", job.getMetadata().getName());
        assertEquals("0/30 * * * *", job.getSpec().getSchedule());
        Container algorithm = pod(job).getContainers().get(0);
        assertEquals("kapacity:predict", algorithm.getImage());
        assertTrue(algorithm.getArgs().contains("--scaling-freq=10min"), algorithm.getArgs().toString());
        assertEquals("example-model", pod(job).getVolumes().get(0).getConfigMap().getName());
        assertEquals("predictive-sample-predictive", env(algorithm).get("HP_NAME"));
    }
}
