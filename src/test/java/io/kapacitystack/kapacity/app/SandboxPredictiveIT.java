package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The predictive quick start in the sandbox with a user's own algorithm job: {@code --job-command} for the default
 * predictive image runs a shell script that writes the result ConfigMap with the real kubectl and the sandbox's
 * kubeconfig; the HorizontalPortrait then holds the TimeSeries.
 */
class SandboxPredictiveIT {

    private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");
    private static final String CRONJOB = "predictive-sample-predictive-sample-predictive";

    @Test
    void aJobCommandWritesTheResultAndTheHorizontalPortraitHoldsTheTimeSeries(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("algorithm.sh");
        Files.writeString(script, """
                echo "predicting $HP_NAMESPACE/$HP_NAME from $METRICS_SERVER_ADDR: $*"
                kubectl apply -f - <<EOF
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: $HP_NAME-result
                  namespace: $HP_NAMESPACE
                data:
                  type: TimeSeries
                  timeSeries: '{"1714557600": 2, "1714558200": 3}'
                EOF
                """);
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, START);
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.grpcPort = 0;
        s.clock = clock;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.jobCommands = Map.of(SandboxApp.PREDICTIVE_IMAGE, "/bin/sh " + script);
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            app.loadSamples(vertx, List.of("predictive")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            var client = app.cluster().client();
            Await.until("the portrait's CronJob in " + SandboxApp.ALGORITHM_JOB_NAMESPACE, Duration.ofSeconds(30), () ->
                    client.batch().v1().cronjobs().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).withName(CRONJOB).get() != null);
            CronJob cronJob = client.batch().v1().cronjobs().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).withName(CRONJOB).get();
            Container algorithm = cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(SandboxApp.PREDICTIVE_IMAGE, algorithm.getImage());
            Map<String, String> env = algorithm.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
            assertEquals("127.0.0.1:" + app.grpcPort(), env.get("METRICS_SERVER_ADDR"));

            // "0/30 * * * *": the job starts at 10:30 on the sandbox clock, its pod 5 s later
            clock.advance(Duration.ofMinutes(30).plusSeconds(1));
            app.cluster().resync();
            Await.until("the job's pod", () -> !client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().isEmpty());
            clock.advance(Duration.ofSeconds(6));
            app.cluster().resync();
            try {
                Await.until("the portrait holds the job's TimeSeries", Duration.ofSeconds(60), () -> {
                    HorizontalPortrait hp = client.resources(HorizontalPortrait.class).inNamespace("predictive-sample")
                            .withName("predictive-sample-predictive").get();
                    return hp != null && hp.getStatus() != null && hp.getStatus().portraitData != null
                            && hp.getStatus().portraitData.type == HorizontalPortraitStatus.PortraitData.Type.TimeSeries;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; jobs: " + client.batch().v1().jobs()
                        .inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().stream()
                        .map(j -> j.getMetadata().getName() + " " + j.getStatus()).toList()
                        + "; pods: " + client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems()
                        .stream().map(p -> p.getMetadata().getName() + " " + p.getStatus().getPhase() + " "
                                + new io.kapacitystack.kapacity.testing.Kubectl(s.kubeconfig).run("logs", "-n",
                                SandboxApp.ALGORITHM_JOB_NAMESPACE, p.getMetadata().getName()).out()).toList(), e);
            }
            HorizontalPortrait hp = client.resources(HorizontalPortrait.class).inNamespace("predictive-sample")
                    .withName("predictive-sample-predictive").get();
            assertEquals(2, hp.getStatus().portraitData.timeSeries.timeSeries.size(), hp.getStatus().toString());
            Await.until("the job's pod succeeds", () -> "Succeeded".equals(client.pods()
                    .inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().get(0).getStatus().getPhase()));
            Pod pod = client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().get(0);
            String log = new io.kapacitystack.kapacity.testing.Kubectl(s.kubeconfig)
                    .ok("logs", "-n", SandboxApp.ALGORITHM_JOB_NAMESPACE, pod.getMetadata().getName());
            assertTrue(log.startsWith("predicting predictive-sample/predictive-sample-predictive from 127.0.0.1:"
                    + app.grpcPort() + ": --tsf-model-path=/opt/kapacity/timeseries/forecasting/model"), log);
            assertTrue(log.contains("configmap/predictive-sample-predictive-result created"), log);
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Without --job-command the default predictive image runs the built-in predict in-process, on the sandbox clock,
     * and writes its result. The sample's unchanged {@code --re-history-len=24H} holds 24 cycles of its hourly
     * traffic: enough for the hourly period (a daily one could not be ruled out), so the portrait holds a TimeSeries.
     */
    @Test
    void theBuiltInPredictRunsInProcessAndItsResultReachesTheHorizontalPortrait(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, START);
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.grpcPort = 0;
        s.clock = clock;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        SandboxApp app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try {
            app.loadSamples(vertx, List.of("predictive")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            var client = app.cluster().client();
            Await.until("the portrait's CronJob", Duration.ofSeconds(30), () -> client.batch().v1().cronjobs()
                    .inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).withName(CRONJOB).get() != null);
            clock.advance(Duration.ofMinutes(30).plusSeconds(1));
            app.cluster().resync();
            Await.until("the job's pod", () -> !client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().isEmpty());
            clock.advance(Duration.ofSeconds(6));
            app.cluster().resync();
            Await.until("the job's pod has finished", Duration.ofSeconds(60), () -> {
                String phase = client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().get(0)
                        .getStatus().getPhase();
                return "Succeeded".equals(phase) || "Failed".equals(phase);
            });
            Pod pod = client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().get(0);
            String log = new io.kapacitystack.kapacity.testing.Kubectl(s.kubeconfig)
                    .ok("logs", "-n", SandboxApp.ALGORITHM_JOB_NAMESPACE, pod.getMetadata().getName());
            assertEquals("Succeeded", pod.getStatus().getPhase(), log);
            assertTrue(log.startsWith("predict predictive-sample/predictive-sample-predictive: kapacity.jar predict"), log);
            assertTrue(client.configMaps().inNamespace("predictive-sample").withName("predictive-sample-predictive-result")
                    .get() != null, "the job wrote its result");
            Await.until("the portrait holds the built-in job's TimeSeries", Duration.ofSeconds(30), () -> {
                HorizontalPortrait hp = client.resources(HorizontalPortrait.class).inNamespace("predictive-sample")
                        .withName("predictive-sample-predictive").get();
                return hp.getStatus() != null && hp.getStatus().portraitData != null
                        && hp.getStatus().portraitData.type == HorizontalPortraitStatus.PortraitData.Type.TimeSeries;
            });
            HorizontalPortrait hp = client.resources(HorizontalPortrait.class).inNamespace("predictive-sample")
                    .withName("predictive-sample-predictive").get();
            assertTrue(hp.getStatus().jobReport.get("periods").contains("1h"), hp.getStatus().jobReport.toString());
            // The sample's cost makes the V-shaped hour's 10-minute peaks (from 10:30: 15, 32, 48, 50, 33 requests/s)
            // need a few replicas, as nginx's does in the quick start.
            assertEquals(List.of(2, 3, 4, 4, 3), hp.getStatus().portraitData.timeSeries.timeSeries.stream()
                    .map(p -> p.replicas).toList(), hp.getStatus().portraitData.toString());
        } finally {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
