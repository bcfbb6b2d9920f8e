package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadCost;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kubectl kapacity autoscale sts/nginx --predictive --traffic-metric METRIC@Ingress/NAME} with the real kubectl
 * against the sandbox, on the predictive quick start's workload (k8s-examples, its load as the sandbox's traffic
 * annotations): the API server accepts the IHPA, whose Predictive portrait has the quick start's metrics; the
 * controller creates its HorizontalPortrait and algorithm CronJob; at the top of the hour the built-in job runs, the
 * portrait holds a TimeSeries and the StatefulSet follows it. The sandbox clock is driven by hand.
 */
class KubectlKapacityPredictiveIT {

    /** Ten minutes before the top of the hour: the CronJob ("0/30 * * * *") first runs at 11:00. */
    private static final Instant START = Instant.parse("2024-05-01T10:50:00Z");
    private static final String JOB_NAMESPACE = SandboxApp.ALGORITHM_JOB_NAMESPACE;
    private static final String CRONJOB = "default-nginx-predictive";

    @TempDir
    Path dir;
    private Vertx vertx;
    private ManualClock clock;
    private SandboxApp app;
    private Path kubeconfig;
    private Kubectl kubectl;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        clock = new ManualClock(vertx, START);
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.grpcPort = 0;
        s.clock = clock;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        kubeconfig = s.kubeconfig;
        kubectl = new Kubectl(kubeconfig);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (app != null) {
                app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void predictiveAutoscaleIsAcceptedAndGetsItsCronJobAndTimeSeries() throws Exception {
        kubectl.ok("apply", "-f", "k8s-examples/nginx-statefulset.yaml");
        kubectl.ok("apply", "-f", "k8s-examples/nginx-ingress.yaml");
        kubectl.ok("annotate", "sts", "nginx", "sandbox.kapacitystack.io/traffic=vshape 100",
                WorkloadCost.CPU_PER_REQUEST + "=50u", WorkloadCost.CPU_BASE + "=300u");

        KubectlPlugin.Run created = KubectlPlugin.fromClasses(dir).run(kubeconfig, "kapacity", "autoscale", "sts/nginx",
                "--max=10", "--predictive", "--traffic-metric=nginx_ingress_controller_requests_rate@Ingress/nginx-server");
        assertEquals(0, created.exit(), created.err());
        assertEquals("intelligenthorizontalpodautoscaler.autoscaling.kapacitystack.io/nginx autoscaled\n", created.out());

        // accepted as written, with the quick start's predictive metrics
        IntelligentHorizontalPodAutoscaler stored = Serialization.unmarshal(kubectl.ok("get", "ihpa", "nginx", "-o", "yaml"),
                IntelligentHorizontalPodAutoscaler.class);
        IntelligentHorizontalPodAutoscaler quickStart = Serialization.unmarshal(
                Files.readString(Path.of("k8s-examples/dynamic-predictive-portrait-sample.yaml")),
                IntelligentHorizontalPodAutoscaler.class);
        var portrait = stored.getSpec().portraitProviders.get(0).dynamic;
        assertEquals("Predictive", portrait.portraitType);
        assertEquals(Serialization.asJson(quickStart.getSpec().portraitProviders.get(0).dynamic.metrics),
                Serialization.asJson(portrait.metrics));
        assertEquals("ExternalJob", portrait.algorithm.type);

        advanceTo(START.plusSeconds(60));
        Await.until("the Predictive HorizontalPortrait", Duration.ofSeconds(30),
                () -> kubectl.run("get", "hp", "nginx-predictive").exitCode() == 0);
        Await.until("the algorithm's CronJob", Duration.ofSeconds(30), () -> kubectl.run("get", "cj", "-n", JOB_NAMESPACE)
                .out().lines().anyMatch(l -> l.startsWith(CRONJOB + " ") && l.contains("0/30 * * * *")));

        // 11:00: the Job runs the built-in predict, the portrait gets a TimeSeries, the StatefulSet follows it
        advanceTo(Instant.parse("2024-05-01T11:00:01Z"));
        Await.until("the Job's pod", Duration.ofSeconds(30),
                () -> !kubectl.run("get", "pods", "-n", JOB_NAMESPACE, "-o", "name").out().isBlank());
        advanceTo(Instant.parse("2024-05-01T11:00:10Z"));
        Await.until("a completed Job", Duration.ofSeconds(90), () -> kubectl.run("get", "jobs", "-n", JOB_NAMESPACE).out()
                .lines().anyMatch(l -> l.startsWith(CRONJOB + "-") && l.contains("Complete") && l.contains("1/1")));
        Await.until("the HorizontalPortrait holds a TimeSeries", Duration.ofSeconds(30), () -> "TimeSeries".equals(
                kubectl.run("get", "hp", "nginx-predictive", "-o", "jsonpath={.status.portraitData.type}").out().trim()));
        JsonObject status = new JsonObject(kubectl.ok("get", "hp", "nginx-predictive", "-o", "json")).getJsonObject("status");
        JsonArray conditions = status.getJsonArray("conditions");
        assertTrue(conditions.stream().map(JsonObject.class::cast).anyMatch(c -> "PortraitGenerated".equals(c.getString("type"))
                && "True".equals(c.getString("status"))), conditions.encodePrettily());
        JsonArray points = status.getJsonObject("portraitData").getJsonObject("timeSeries").getJsonArray("timeSeries");
        assertEquals(Instant.parse("2024-05-01T11:00:00Z").getEpochSecond(), points.getJsonObject(0).getLong("timestamp"));
        String now = String.valueOf(Math.max(1, Math.min(10, points.getJsonObject(0).getInteger("replicas"))));
        Await.until("the StatefulSet at the forecast's " + now + " replicas", Duration.ofSeconds(30), () -> now.equals(
                kubectl.run("get", "sts", "nginx", "-o", "jsonpath={.spec.replicas}").out().trim()));
        assertTrue(Integer.parseInt(now) > 1, "the V-shaped hour's peak needs more than the one replica it started with: "
                + points.encodePrettily());
    }

    /** Moves the sandbox clock to {@code t} a minute at a time (timers fire on the way), as time would pass. */
    private void advanceTo(Instant t) {
        while (clock.now().isBefore(t)) {
            Instant next = clock.now().plusSeconds(60).isBefore(t) ? clock.now().plusSeconds(60) : t;
            clock.advanceTo(next);
            app.cluster().resync();
        }
    }
}
