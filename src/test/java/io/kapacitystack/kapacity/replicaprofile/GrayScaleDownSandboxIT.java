package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kapacity's multi-stage gray scale-down quick start in the sandbox: static 1 (priority 1), cron 5 in minutes 0-10
 * (priority 2), scale-down through Cutoff in 50 % steps every 30 s and 60 s of observation. The IHPA's events, the
 * pods' state labels and the Service's endpoints follow each step.
 */
class GrayScaleDownSandboxIT {

    private static final String NS = "gray";
    private static final Instant START = Instant.parse("2026-11-23T07:55:00Z");

    @org.junit.jupiter.api.io.TempDir
    Path dir;
    private Vertx vertx;
    private ManualClock clock;
    private SandboxCluster cluster;
    private ControllerManager manager;
    private final List<RecordedEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        clock = new ManualClock(vertx, START);
        cluster = SandboxCluster.start(vertx, clock, SandboxOptions.defaults()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        for (String f : List.of("nginx-statefulset.yaml", "gray-strategy-sample.yaml")) {
            cluster.applyYaml(NS, Files.readString(Path.of("k8s-examples", f))).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        manager = new ControllerManager(vertx, cluster.client(), clock, new ControllerMetrics(), new ControllerManager.Settings());
        manager.ihpaEvents().addListener(e -> {
            if ("Normal".equals(e.type())) {
                events.add(e);
            }
        });
        manager.startCaches().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        manager.startControllers();
    }

    @AfterEach
    void stop() throws Exception {
        manager.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        cluster.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        vertx.close();
    }

    @Test
    void scaleDownGoesThroughCutoffStepByStep() {
        KubernetesClient c = cluster.client();
        awaitEvents(1);
        awaitStatesWhileAdvancing(c, Map.of("nginx-0", "Online"));

        clock.advanceTo(Instant.parse("2026-11-23T08:00:00Z"));
        awaitEvents(2);
        awaitStatesWhileAdvancing(c, Map.of("nginx-0", "Online", "nginx-1", "Online", "nginx-2", "Online", "nginx-3", "Online", "nginx-4", "Online"));
        Await.until("5 endpoints", () -> endpoints(c) == 5);

        clock.advanceTo(Instant.parse("2026-11-23T08:10:00Z"));
        awaitEvents(3);
        Await.until("nginx-3 and nginx-4 cut off", () -> podStates(c).equals(Map.of("nginx-0", "Online", "nginx-1", "Online",
                "nginx-2", "Online", "nginx-3", "Cutoff", "nginx-4", "Cutoff")));
        Await.until("3 endpoints", () -> endpoints(c) == 3);
        assertKubectlShows("nginx-3", "Cutoff", 3);
        awaitProfileReports(c, NS, "gray-strategy-sample", 2);

        clock.advanceTo(Instant.parse("2026-11-23T08:10:30Z"));
        awaitEvents(4);
        Await.until("four pods cut off", () -> podStates(c).equals(Map.of("nginx-0", "Online", "nginx-1", "Cutoff",
                "nginx-2", "Cutoff", "nginx-3", "Cutoff", "nginx-4", "Cutoff")));
        Await.until("1 endpoint", () -> endpoints(c) == 1);
        assertKubectlShows("nginx-1", "Cutoff", 1);
        awaitProfileReports(c, NS, "gray-strategy-sample", 4);

        clock.advanceTo(Instant.parse("2026-11-23T08:11:30Z"));
        awaitEvents(5);
        awaitStatesWhileAdvancing(c, Map.of("nginx-0", "Online"));
        assertEquals(List.of(
                "create ReplicaProfile with onlineReplcas: 1, cutoffReplicas: 0, standbyReplicas: 0",
                "update ReplicaProfile with onlineReplcas: 1 -> 5, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 3 -> 1, cutoffReplicas: 2 -> 4, standbyReplicas: 0 -> 0",
                "update ReplicaProfile with onlineReplcas: 1 -> 1, cutoffReplicas: 4 -> 0, standbyReplicas: 0 -> 0"),
                events.stream().map(e -> e.message()).collect(Collectors.toList()));
        assertEquals(1, endpoints(c));
    }

    @Test
    void onADeploymentExactlyTheCutoffPodsAreDeleted() throws Exception {
        KubernetesClient c = cluster.client();
        String deployment = Files.readString(Path.of("k8s-examples", "nginx-statefulset.yaml"))
                .replace("kind: StatefulSet", "kind: Deployment").replace("  podManagementPolicy: Parallel\n", "")
                .replace("  serviceName: nginx\n", "").replace("name: nginx\n  labels:\n    app: nginx\nspec:\n  selector",
                        "name: web\n  labels:\n    app: nginx\nspec:\n  selector");
        String ihpa = Files.readString(Path.of("k8s-examples", "gray-strategy-sample.yaml"))
                .replace("name: gray-strategy-sample", "name: web-gray").replace("kind: StatefulSet\n    name: nginx", "kind: Deployment\n    name: web");
        cluster.applyYaml("deploy", deployment).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        cluster.applyYaml("deploy", ihpa).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Await.until("the Deployment's IHPA to create its profile", () -> eventsOf("web-gray").size() >= 1);
        clock.advanceTo(Instant.parse("2026-11-23T08:00:00Z"));
        Await.until("five running pods", Duration.ofSeconds(30), () -> {
            if (running(c, "deploy").size() == 5) {
                return true;
            }
            clock.advance(Duration.ofSeconds(1));
            return false;
        });
        clock.advanceTo(Instant.parse("2026-11-23T08:10:00Z"));
        Await.until("two pods cut off", () -> states(c, "deploy").values().stream().filter("Cutoff"::equals).count() == 2);
        awaitProfileReports(c, "deploy", "web-gray", 2);
        clock.advanceTo(Instant.parse("2026-11-23T08:10:30Z"));
        Await.until("four pods cut off", () -> states(c, "deploy").values().stream().filter("Cutoff"::equals).count() == 4);
        awaitProfileReports(c, "deploy", "web-gray", 4);
        String survivor = states(c, "deploy").entrySet().stream().filter(e -> e.getValue().equals("Online")).findFirst().orElseThrow().getKey();
        clock.advanceTo(Instant.parse("2026-11-23T08:11:30Z"));
        Await.until("only the online pod left", Duration.ofSeconds(30), () -> {
            if (running(c, "deploy").equals(List.of(survivor))) {
                return true;
            }
            clock.advance(Duration.ofSeconds(1));
            return false;
        });
        assertEquals(5, eventsOf("web-gray").size(), eventsOf("web-gray").toString());
    }

    @Test
    void aControllerRestartedMidGrayNeitherRepeatsNorSkipsAStep() throws Exception {
        KubernetesClient c = cluster.client();
        reachTheFirstGrayStep(c);

        manager.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        clock.advanceTo(Instant.parse("2026-11-23T08:10:40Z")); // step 2 falls due while no controller runs
        manager = new ControllerManager(vertx, c, clock, new ControllerMetrics(), new ControllerManager.Settings());
        manager.ihpaEvents().addListener(e -> {
            if ("Normal".equals(e.type())) {
                events.add(e);
            }
        });
        manager.startCaches().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        manager.startControllers();
        awaitEvents(4);
        assertEquals("update ReplicaProfile with onlineReplcas: 3 -> 1, cutoffReplicas: 2 -> 4, standbyReplicas: 0 -> 0", events.get(3).message());
        Await.until("1 endpoint", () -> endpoints(c) == 1);
        awaitProfileReports(c, NS, "gray-strategy-sample", 4);
        // the late step happened at 08:10:40, so its 60 s of observation end at 08:11:40
        assertLastStepExactlyAt(Instant.parse("2026-11-23T08:11:40Z"));
    }

    /**
     * The profile controller falls behind (an overloaded API server; here it is stopped): the IHPA asks for four Cutoff
     * pods, and when the observation time is over only two are. Deleting now would take two serving pods out, so the
     * gray waits; once all four are reported Cutoff, their full 60 s of observation follow.
     */
    @Test
    void aLaggingProfileControllerHoldsTheGrayInsteadOfDeletingServingPods() throws Exception {
        KubernetesClient c = cluster.client();
        reachTheFirstGrayStep(c);

        manager.replicaProfileController().stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        clock.advanceTo(Instant.parse("2026-11-23T08:10:30Z"));
        awaitEvents(4);
        clock.advanceTo(Instant.parse("2026-11-23T08:12:30Z"));
        Await.until("the IHPA to say it waits", () -> "WaitingForGrayPods".equals(grayProgressingReason(c)));
        assertEquals(4, eventsOf("gray-strategy-sample").size(), "no deletion while two of the four pods still serve");
        assertEquals(Map.of("nginx-0", "Online", "nginx-1", "Online", "nginx-2", "Online", "nginx-3", "Cutoff", "nginx-4", "Cutoff"),
                podStates(c));

        manager.replicaProfileController().start();
        awaitProfileReports(c, NS, "gray-strategy-sample", 4);
        Await.until("the IHPA to stop waiting", () -> !"WaitingForGrayPods".equals(grayProgressingReason(c)));
        // the observation counts from 08:12:30, when the pods were Cutoff
        assertLastStepExactlyAt(Instant.parse("2026-11-23T08:13:30Z"));
        // and after the last step the gray is over: the pods go, and nothing puts them back (it once did, in a loop)
        awaitStatesWhileAdvancing(c, Map.of("nginx-0", "Online"));
        clock.advanceTo(Instant.parse("2026-11-23T08:16:00Z"));
        Await.until("the profile to report no Cutoff pod", () -> {
            ReplicaProfile rp = c.resources(ReplicaProfile.class).inNamespace(NS).withName("gray-strategy-sample").get();
            return rp.getStatus() != null && rp.getStatus().cutoffReplicas == null && rp.getStatus().onlineReplicas == 1;
        });
        clock.advanceTo(Instant.parse("2026-11-23T08:18:00Z"));
        assertEquals(5, eventsOf("gray-strategy-sample").size(), eventsOf("gray-strategy-sample").toString());
        assertEquals(Map.of("nginx-0", "Online"), podStates(c));
    }

    /** The last step (the Cutoff pods deleted) comes at {@code due} and not a second before. */
    private void assertLastStepExactlyAt(Instant due) {
        clock.advanceTo(due.minusSeconds(1));
        assertEquals(4, eventsOf("gray-strategy-sample").size(), "no step before its due time " + due);
        clock.advanceTo(due);
        awaitEvents(5);
        assertEquals("update ReplicaProfile with onlineReplcas: 1 -> 1, cutoffReplicas: 4 -> 0, standbyReplicas: 0 -> 0", events.get(4).message());
    }

    /**
     * As in a cluster, the profile goes with its IHPA (garbage collection by owner), and stops scaling the workload;
     * the pods it had cut off mid-gray serve again instead of idling out of the endpoints for good.
     */
    @Test
    void deletingTheIhpaMidGrayDeletesItsProfileAndBringsItsPodsBackOnline() {
        KubernetesClient c = cluster.client();
        reachTheFirstGrayStep(c);
        Await.until("3 endpoints", () -> endpoints(c) == 3);

        c.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS).withName("gray-strategy-sample").delete();
        Await.until("the IHPA to go", () -> c.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS)
                .withName("gray-strategy-sample").get() == null);
        Await.until("its profile to go", () -> c.resources(ReplicaProfile.class).inNamespace(NS)
                .withName("gray-strategy-sample").get() == null);
        Await.until("all five pods Online", () -> podStates(c).equals(Map.of("nginx-0", "Online", "nginx-1", "Online",
                "nginx-2", "Online", "nginx-3", "Online", "nginx-4", "Online")));
        Await.until("5 endpoints", () -> endpoints(c) == 5);
    }

    private static String grayProgressingReason(KubernetesClient c) {
        IntelligentHorizontalPodAutoscaler ihpa = c.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(NS)
                .withName("gray-strategy-sample").get();
        return ihpa.getStatus().conditions.stream().filter(x -> "GrayProgressing".equals(x.getType()))
                .map(x -> x.getReason()).findFirst().orElse(null);
    }

    @Test
    void standbyPodsGiveTheirCpuBackAndGetItAgainWhenOnline() throws Exception {
        KubernetesClient c = cluster.client();
        String ihpa = Files.readString(Path.of("k8s-examples", "gray-strategy-sample.yaml"))
                .replace("name: gray-strategy-sample", "name: standby").replace("grayState: Cutoff", "grayState: Standby")
                .replace("observationSeconds: 60", "observationSeconds: 3600");
        cluster.applyYaml("standby", Files.readString(Path.of("k8s-examples", "nginx-statefulset.yaml")))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        cluster.applyYaml("standby", ihpa).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Await.until("the profile", () -> eventsOf("standby").size() >= 1);
        clock.advanceTo(Instant.parse("2026-11-23T08:00:00Z"));
        Await.until("five running pods", Duration.ofSeconds(30), () -> {
            if (running(c, "standby").size() == 5) {
                return true;
            }
            clock.advance(Duration.ofSeconds(1));
            return false;
        });
        clock.advanceTo(Instant.parse("2026-11-23T08:10:00Z"));
        Await.until("nginx-3 and nginx-4 in Standby", () -> states(c, "standby").values().stream().filter("Standby"::equals).count() == 2);
        Await.until("their CPU given back", () -> cpuRequest(c, "standby", "nginx-4").equals("10m")
                && cpuRequest(c, "standby", "nginx-3").equals("10m"));
        assertEquals("100m", cpuRequest(c, "standby", "nginx-0"));
        Pod standby = c.pods().inNamespace("standby").withName("nginx-4").get();
        assertEquals("10m", standby.getSpec().getContainers().get(0).getResources().getLimits().get("cpu").toString(),
                "a limit equal to the request moves with it (QoS class kept)");
        Await.until("traffic cut: 3 endpoints", () -> endpointsIn(c, "standby") == 3);

        // The portrait goes back up (static raised to 5): the standby pods return Online with their CPU.
        c.genericKubernetesResources(io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("standby")
                .withName("standby").patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
                        "[{\"op\":\"replace\",\"path\":\"/spec/portraitProviders/0/static/replicas\",\"value\":5}]");
        Await.until("all five Online again", () -> states(c, "standby").values().stream().allMatch("Online"::equals)
                && states(c, "standby").size() == 5);
        Await.until("CPU restored", () -> cpuRequest(c, "standby", "nginx-4").equals("100m"));
        assertEquals(null, c.pods().inNamespace("standby").withName("nginx-4").get().getMetadata().getAnnotations()
                .get(StandbyResources.ORIGINAL_ANNOTATION));
        Await.until("5 endpoints", () -> endpointsIn(c, "standby") == 5);
    }

    private static String cpuRequest(KubernetesClient c, String ns, String pod) {
        return c.pods().inNamespace(ns).withName(pod).get().getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString();
    }

    private static int endpointsIn(KubernetesClient c, String ns) {
        Endpoints ep = c.endpoints().inNamespace(ns).withName("nginx").get();
        if (ep == null || ep.getSubsets() == null) {
            return 0;
        }
        return ep.getSubsets().stream().mapToInt(x -> x.getAddresses() == null ? 0 : x.getAddresses().size()).sum();
    }

    /** What a user sees with kubectl get pods -L kapacitystack.io/pod-state and kubectl get ep nginx. */
    private void assertKubectlShows(String pod, String state, int endpoints) {
        Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
        Kubectl kubectl = new Kubectl(kubeconfig);
        String pods = kubectl.ok("get", "pods", "-n", NS, "-L", "kapacitystack.io/pod-state", "--no-headers");
        assertTrue(pods.lines().anyMatch(l -> l.startsWith(pod + " ") && l.trim().endsWith(state)), pods);
        String ips = kubectl.ok("get", "ep", "nginx", "-n", NS, "-o", "jsonpath={.subsets[*].addresses[*].ip}").trim();
        assertEquals(endpoints, ips.isEmpty() ? 0 : ips.split("\\s+").length, ips);
    }

    private List<String> eventsOf(String name) {
        return events.stream().filter(e -> name.equals(e.name())).map(e -> e.message()).collect(Collectors.toList());
    }

    private static List<String> running(KubernetesClient c, String ns) {
        return c.pods().inNamespace(ns).list().getItems().stream().filter(PodStates::isRunning)
                .map(p -> p.getMetadata().getName()).sorted().collect(Collectors.toList());
    }

    private static Map<String, String> states(KubernetesClient c, String ns) {
        Map<String, String> states = new TreeMap<>();
        for (Pod p : c.pods().inNamespace(ns).list().getItems()) {
            if (PodStates.isRunning(p)) {
                states.put(p.getMetadata().getName(), PodStates.stateOf(p).name());
            }
        }
        return states;
    }

    /** The quick start up to its first gray step (08:10): five pods, two of them Cutoff and reported so. */
    private void reachTheFirstGrayStep(KubernetesClient c) {
        awaitEvents(1);
        clock.advanceTo(Instant.parse("2026-11-23T08:00:00Z"));
        awaitEvents(2);
        awaitStatesWhileAdvancing(c, Map.of("nginx-0", "Online", "nginx-1", "Online", "nginx-2", "Online", "nginx-3", "Online", "nginx-4", "Online"));
        clock.advanceTo(Instant.parse("2026-11-23T08:10:00Z"));
        awaitEvents(3);
        Await.until("step 1 applied to the pods", () -> states(c, NS).values().stream().filter("Cutoff"::equals).count() == 2);
        awaitProfileReports(c, NS, "gray-strategy-sample", 2);
    }

    /**
     * Waits until the profile reports its pods' states. A gray step waits for that report before the next one, and
     * here simulated time jumps at once, where in a cluster the step's 30 s would pass.
     */
    private static void awaitProfileReports(KubernetesClient c, String ns, String name, int cutoff) {
        Await.until(ns + "/" + name + " reporting " + cutoff + " Cutoff pods", () -> {
            ReplicaProfile rp = c.resources(ReplicaProfile.class).inNamespace(ns).withName(name).get();
            Integer reported = rp == null || rp.getStatus() == null ? null : rp.getStatus().cutoffReplicas;
            return (reported == null ? 0 : reported) == cutoff;
        });
    }

    private void awaitEvents(int n) {
        Await.until(n + " IHPA events (have " + eventsOf("gray-strategy-sample") + ")", () -> eventsOf("gray-strategy-sample").size() >= n);
        assertEquals(n, eventsOf("gray-strategy-sample").size(), eventsOf("gray-strategy-sample").toString());
    }

    /** Lets simulated time pass (pod start-up, termination) in small steps until the pods match. */
    private void awaitStatesWhileAdvancing(KubernetesClient c, Map<String, String> expected) {
        // never past the next step of the scenario (steps are at least 30 s apart)
        Instant limit = clock.now().plusSeconds(25);
        Await.until("pods " + expected + " (have " + podStates(c) + ")", Duration.ofSeconds(30), () -> {
            if (podStates(c).equals(expected)) {
                return true;
            }
            if (clock.now().isBefore(limit)) {
                clock.advance(Duration.ofSeconds(1));
            }
            return false;
        });
    }

    /** Running pods and their state label (Online when absent). */
    private static Map<String, String> podStates(KubernetesClient c) {
        Map<String, String> states = new TreeMap<>();
        for (Pod p : c.pods().inNamespace(NS).withLabel("app", "nginx").list().getItems()) {
            if (PodStates.isRunning(p)) {
                states.put(p.getMetadata().getName(), PodStates.stateOf(p).name());
            }
        }
        return states;
    }

    private static int endpoints(KubernetesClient c) {
        Endpoints ep = c.endpoints().inNamespace(NS).withName("nginx").get();
        if (ep == null || ep.getSubsets() == null) {
            return 0;
        }
        return ep.getSubsets().stream().mapToInt(s -> s.getAddresses() == null ? 0 : s.getAddresses().size()).sum();
    }
}
