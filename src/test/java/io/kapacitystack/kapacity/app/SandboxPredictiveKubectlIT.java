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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The predictive quick start as its documents run it, with the real kubectl: the nginx StatefulSet, its Ingress, the
 * periodic client and Kapacity's predictive IHPA applied unchanged into {@code default} (the client's load given to
 * nginx with the sandbox's traffic annotations, as the sandbox runs no container). The CronJob
 * {@code default-predictive-sample-predictive} runs the built-in job at the top of the hour, its Job completes, the
 * HorizontalPortrait holds a TimeSeries 600 s apart with an expiry, and the IHPA follows it: 4 replicas at :00, then
 * {@code 4 -> 3} and {@code 3 -> 2} as the quick start's events read. Deleting the IHPA removes the CronJob and the
 * HorizontalPortrait. The sandbox clock is driven by hand, so each step is seen at its bucket. The same, with the
 * IHPA made by the kubectl plugin's {@code autoscale --predictive}.
 */
class SandboxPredictiveKubectlIT {

    /** Ten minutes before the top of the hour: the CronJob ("0/30 * * * *") first runs at 11:00. */
    private static final Instant START = Instant.parse("2024-05-01T10:50:00Z");
    private static final String JOB_NAMESPACE = SandboxApp.ALGORITHM_JOB_NAMESPACE;
    private static final String CRONJOB = "default-predictive-sample-predictive";
    /** The CronJob of {@code kubectl kapacity autoscale sts/nginx --predictive}'s IHPA, named after its target. */
    private static final String PLUGIN_CRONJOB = "default-nginx-predictive";

    @TempDir
    Path dir;
    private Vertx vertx;
    private ManualClock clock;
    private SandboxApp app;
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
        kubectl = new Kubectl(s.kubeconfig);
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
    void theQuickStartsYamlGivesTheCronJobTheTimeSeriesAndTheQuickStartsEvents() {
        kubectl.ok("apply", "-f", "k8s-examples/nginx-statefulset.yaml");
        kubectl.ok("apply", "-f", "k8s-examples/nginx-ingress.yaml");
        kubectl.ok("apply", "-f", "k8s-examples/periodic-client.yaml");
        // What the periodic client's requests do to nginx, in the sandbox's terms (docs/sandbox.md)
        kubectl.ok("annotate", "sts", "nginx", "sandbox.kapacitystack.io/traffic=vshape 100",
                WorkloadCost.CPU_PER_REQUEST + "=50u", WorkloadCost.CPU_BASE + "=300u");
        kubectl.ok("apply", "-f", "k8s-examples/dynamic-predictive-portrait-sample.yaml");
        advanceTo(START.plusSeconds(60));

        Await.until("kubectl get cj shows the algorithm's CronJob", Duration.ofSeconds(30),
                () -> kubectl.run("get", "cj", "-n", JOB_NAMESPACE).out().contains(CRONJOB));
        String cronJobs = kubectl.ok("get", "cj", "-n", JOB_NAMESPACE);
        assertTrue(cronJobs.lines().anyMatch(l -> l.startsWith(CRONJOB) && l.contains("0/30 * * * *")), cronJobs);

        // 11:00: the Job and its pod start; the built-in predict reads 24H of history and writes the result
        advanceTo(Instant.parse("2024-05-01T11:00:01Z"));
        Await.until("the Job's pod", Duration.ofSeconds(30),
                () -> !kubectl.run("get", "pods", "-n", JOB_NAMESPACE, "-o", "name").out().isBlank());
        advanceTo(Instant.parse("2024-05-01T11:00:10Z"));
        Await.until("kubectl get jobs shows a completed Job", Duration.ofSeconds(90), () -> {
            String jobs = kubectl.run("get", "jobs", "-n", JOB_NAMESPACE).out();
            return jobs.lines().anyMatch(l -> l.startsWith(CRONJOB + "-") && l.contains("Complete") && l.contains("1/1"));
        });

        Await.until("the HorizontalPortrait holds a TimeSeries", Duration.ofSeconds(30), () -> "TimeSeries".equals(
                kubectl.run("get", "hp", "predictive-sample-predictive", "-o", "jsonpath={.status.portraitData.type}").out().trim()));
        JsonObject status = new JsonObject(kubectl.ok("get", "hp", "predictive-sample-predictive", "-o", "json"))
                .getJsonObject("status");
        JsonObject generated = condition(status.getJsonArray("conditions"), "PortraitGenerated");
        assertEquals("True", generated.getString("status"), status.encodePrettily());
        assertEquals("SucceededGeneratePortrait", generated.getString("reason"), status.encodePrettily());
        JsonObject data = status.getJsonObject("portraitData");
        JsonArray points = data.getJsonObject("timeSeries").getJsonArray("timeSeries");
        assertTrue(points.size() >= 4, data.encodePrettily());
        assertEquals(Instant.parse("2024-05-01T11:00:00Z").getEpochSecond(), points.getJsonObject(0).getLong("timestamp"),
                "the first point is the current bucket, labelled by its start");
        for (int i = 1; i < points.size(); i++) {
            assertEquals(600, points.getJsonObject(i).getLong("timestamp") - points.getJsonObject(i - 1).getLong("timestamp"));
        }
        assertEquals(Instant.ofEpochSecond(points.getJsonObject(points.size() - 1).getLong("timestamp") + 600),
                Instant.parse(data.getString("expireTime")), "expires at the end of the last bucket");
        List<Integer> replicas = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            replicas.add(points.getJsonObject(i).getInteger("replicas"));
        }
        assertEquals(List.of(4, 3, 2, 2), replicas, "the 10-minute peaks of the V-shaped hour: 50, 33, 17, 15 requests/s");
        assertTrue(status.getJsonObject("jobReport").getString("periods").contains("1h"), status.encodePrettily());

        awaitEvent("create ReplicaProfile with onlineReplcas: 4, cutoffReplicas: 0, standbyReplicas: 0");
        awaitEvent("rescale target workload from 1 to 4 replicas");
        advanceTo(Instant.parse("2024-05-01T11:10:01Z"));
        awaitEvent("update ReplicaProfile with onlineReplcas: 4 -> 3, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0");
        advanceTo(Instant.parse("2024-05-01T11:20:01Z"));
        awaitEvent("update ReplicaProfile with onlineReplcas: 3 -> 2, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0");
        Await.until("the StatefulSet at 2 replicas", Duration.ofSeconds(30), () -> "2".equals(
                kubectl.run("get", "sts", "nginx", "-o", "jsonpath={.spec.replicas}").out().trim()));

        kubectl.ok("delete", "ihpa", "predictive-sample", "--wait=false");
        Await.until("the HorizontalPortrait and its CronJob are gone", Duration.ofSeconds(30), () ->
                kubectl.run("get", "hp", "predictive-sample-predictive").exitCode() != 0
                        && !kubectl.run("get", "cj", "-n", JOB_NAMESPACE).out().contains(CRONJOB));
        assertTrue(kubectl.run("get", "cj", CRONJOB, "-n", JOB_NAMESPACE).err().contains("NotFound"));
    }

    /**
     * The same through {@code kubectl kapacity autoscale sts/nginx --predictive --traffic-metric METRIC@Ingress/NAME}
     * (docs/cli.md): the API server accepts the IHPA, whose Predictive portrait has the quick start's metrics; the
     * controller creates its HorizontalPortrait and CronJob; at the top of the hour the built-in job runs, the portrait
     * holds a TimeSeries and the StatefulSet follows it.
     */
    @Test
    void thePluginsPredictiveAutoscaleIsAcceptedAndGetsItsCronJobAndTimeSeries() throws Exception {
        kubectl.ok("apply", "-f", "k8s-examples/nginx-statefulset.yaml");
        kubectl.ok("apply", "-f", "k8s-examples/nginx-ingress.yaml");
        kubectl.ok("annotate", "sts", "nginx", "sandbox.kapacitystack.io/traffic=vshape 100",
                WorkloadCost.CPU_PER_REQUEST + "=50u", WorkloadCost.CPU_BASE + "=300u");

        KubectlPlugin.Run created = KubectlPlugin.fromClasses(dir).run(dir.resolve("sandbox.kubeconfig"),
                "kapacity", "autoscale", "sts/nginx", "--max=10", "--predictive", "--traffic-metric=nginx_ingress_controller_requests_rate@Ingress/nginx-server");
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
                .out().lines().anyMatch(l -> l.startsWith(PLUGIN_CRONJOB + " ") && l.contains("0/30 * * * *")));

        // 11:00: the Job runs the built-in predict, the portrait gets a TimeSeries, the StatefulSet follows it
        advanceTo(Instant.parse("2024-05-01T11:00:01Z"));
        Await.until("the Job's pod", Duration.ofSeconds(30),
                () -> !kubectl.run("get", "pods", "-n", JOB_NAMESPACE, "-o", "name").out().isBlank());
        advanceTo(Instant.parse("2024-05-01T11:00:10Z"));
        Await.until("a completed Job", Duration.ofSeconds(90), () -> kubectl.run("get", "jobs", "-n", JOB_NAMESPACE).out()
                .lines().anyMatch(l -> l.startsWith(PLUGIN_CRONJOB + "-") && l.contains("Complete") && l.contains("1/1")));
        Await.until("the HorizontalPortrait holds a TimeSeries", Duration.ofSeconds(30), () -> "TimeSeries".equals(
                kubectl.run("get", "hp", "nginx-predictive", "-o", "jsonpath={.status.portraitData.type}").out().trim()));
        JsonObject status = new JsonObject(kubectl.ok("get", "hp", "nginx-predictive", "-o", "json")).getJsonObject("status");
        assertEquals("True", condition(status.getJsonArray("conditions"), "PortraitGenerated").getString("status"),
                status.encodePrettily());
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

    private void awaitEvent(String message) {
        Await.until("an event \"" + message + "\"", Duration.ofSeconds(30), () -> kubectl.run("get", "events",
                "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}").out().lines().anyMatch(message::equals));
    }

    private static JsonObject condition(JsonArray conditions, String type) {
        for (int i = 0; i < conditions.size(); i++) {
            if (type.equals(conditions.getJsonObject(i).getString("type"))) {
                return conditions.getJsonObject(i);
            }
        }
        throw new AssertionError("no " + type + " condition in " + conditions.encodePrettily());
    }
}
