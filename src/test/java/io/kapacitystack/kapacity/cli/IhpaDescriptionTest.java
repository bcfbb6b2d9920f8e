package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitSpec;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code describe ihpa} of the quick starts' cron, reactive and gray IHPAs, checked line by line against fixtures
 * written in {@code kubectl describe hpa}'s layout (src/test/resources/cli/describe-*.txt).
 */
class IhpaDescriptionTest {

    private static final Instant NOW = Instant.parse("2026-12-07T20:25:30Z");
    private static final String CREATED = "2026-12-07T19:00:00Z";

    @Test
    void cronIhpaShowsTheOpenWindowAndUntilWhenItWins() throws IOException {
        IntelligentHorizontalPodAutoscaler ihpa = sample("cron-portrait-sample.yaml", "cron-sample");
        ihpa.setStatus(status(new HorizontalPortraitValue("Cron", 3, "2026-12-07T20:30:00Z"), null,
                condition("ScalingActive", "True", "SucceededAutoscaling", "the autoscaling process is functional")));
        ReplicaProfile rp = replicaProfile(3, 0, 0, 3, 0, 0);
        List<Event> events = List.of(
                event("Normal", "CreateReplicaProfile", "2026-12-07T19:00:01Z", "2026-12-07T19:00:01Z", 1,
                        "create ReplicaProfile with onlineReplcas: 1, cutoffReplicas: 0, standbyReplicas: 0"),
                event("Warning", "NoValidPortraitValue", "2026-12-07T19:50:00Z", "2026-12-07T19:55:00Z", 6,
                        "no valid portrait value for now"),
                event("Normal", "UpdateReplicaProfile", "2026-12-07T20:20:00Z", "2026-12-07T20:20:00Z", 1,
                        "update ReplicaProfile with onlineReplcas: 2 -> 3, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0"));
        check("describe-cron.txt", new IhpaDescription.Input(ihpa, Map.of(), rp, 3, events, NOW));
    }

    @Test
    void reactiveIhpaShowsMetricsAsCurrentSlashTarget() throws IOException {
        IntelligentHorizontalPodAutoscaler ihpa = sample("dynamic-reactive-portrait-sample.yaml", "reactive-sample");
        ihpa.getMetadata().setLabels(Map.of("app", "nginx", "tier", "web"));
        ihpa.setStatus(status(new HorizontalPortraitValue("Dynamic-Reactive", 6, null), null,
                condition("ScalingActive", "True", "SucceededAutoscaling", "the autoscaling process is functional"),
                condition("ScalingLimited", "False", "DesiredWithinRange",
                        "the desired replica count of current portrait value is within the acceptable range")));
        HorizontalPortrait hp = new HorizontalPortrait();
        hp.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("dynamic-reactive-portrait-sample-reactive")
                .withOwnerReferences(new OwnerReferenceBuilder().withUid("uid-1").build()).build());
        hp.setSpec(new HorizontalPortraitSpec());
        hp.getSpec().portraitType = "Reactive";
        hp.setStatus(new HorizontalPortraitStatus());
        hp.getStatus().portraitData = new HorizontalPortraitStatus.PortraitData();
        hp.getStatus().portraitData.type = HorizontalPortraitStatus.PortraitData.Type.Static;
        hp.getStatus().portraitData._static = new PortraitProvider.Static(6);
        hp.getStatus().currentMetrics = List.of(new HorizontalPortraitStatus.CurrentMetric(
                "cpu resource utilization (percentage of request)", "171% (171m)", "30%"));
        ReplicaProfile rp = replicaProfile(6, 0, 0, 4, 0, 0);
        List<Event> events = List.of(event("Normal", "UpdateReplicaProfile", "2026-12-07T20:24:00Z",
                "2026-12-07T20:24:00Z", 1,
                "update ReplicaProfile with onlineReplcas: 1 -> 6, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0"));
        check("describe-reactive.txt", new IhpaDescription.Input(ihpa, Map.of("Reactive", hp), rp, 4, events, NOW));
    }

    @Test
    void grayIhpaShowsCutoffPodsAndGrayProgress() throws IOException {
        IntelligentHorizontalPodAutoscaler ihpa = sample("gray-strategy-sample.yaml", "gray-sample");
        ihpa.setStatus(status(new HorizontalPortraitValue("Static", 1, null),
                new IntelligentHorizontalPodAutoscalerStatus.Gray(50, "2026-12-07T20:25:00Z"),
                condition("ScalingActive", "True", "SucceededAutoscaling", "the autoscaling process is functional"),
                condition("GrayProgressing", "True", "GrayProgressing", "gray change in progress")));
        ReplicaProfile rp = replicaProfile(3, 2, 0, 3, 2, 0);
        List<Event> events = List.of(event("Normal", "UpdateReplicaProfile", "2026-12-07T20:25:00Z",
                "2026-12-07T20:25:00Z", 1,
                "update ReplicaProfile with onlineReplcas: 5 -> 3, cutoffReplicas: 0 -> 2, standbyReplicas: 0 -> 0"));
        // minute 25: the cron window [0, 10) is closed, so the Static portrait (priority 1) wins
        check("describe-gray.txt", new IhpaDescription.Input(ihpa, Map.of(), rp, 5, events, NOW));
    }

    @Test
    void noEventsAndNoConditionsAsKubectl() throws IOException {
        IntelligentHorizontalPodAutoscaler ihpa = sample("cron-portrait-sample.yaml", "cron-sample");
        String out = IhpaDescription.render(new IhpaDescription.Input(ihpa, Map.of(), null, null, List.of(), NOW));
        List<String> lines = out.lines().toList();
        assertEquals("Events:  <none>", lines.get(lines.size() - 1));
        assertEquals(true, lines.stream().anyMatch(l -> l.matches("StatefulSet pods: +<unknown> current / <unset> desired")), out);
        assertEquals(true, lines.stream().anyMatch(l -> l.matches("Current portrait: +<none>")), out);
        assertEquals(false, out.contains("Conditions:"), out);
    }

    private static void check(String fixture, IhpaDescription.Input input) throws IOException {
        String actual = IhpaDescription.render(input);
        List<String> expected;
        try (InputStream in = IhpaDescriptionTest.class.getResourceAsStream("/cli/" + fixture)) {
            if (in == null) {
                throw new AssertionError("missing fixture " + fixture + "; the output was:\n" + actual);
            }
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        List<String> lines = actual.lines().toList();
        for (int i = 0; i < Math.max(expected.size(), lines.size()); i++) {
            String e = i < expected.size() ? expected.get(i) : "<no line>";
            String a = i < lines.size() ? lines.get(i) : "<no line>";
            assertEquals(e, a, fixture + " line " + (i + 1) + "; whole output:\n" + actual);
        }
        assertEquals(true, actual.endsWith("\n"), "ends with a newline");
    }

    private static IntelligentHorizontalPodAutoscaler sample(String file, String namespace) throws IOException {
        IntelligentHorizontalPodAutoscaler ihpa = Serialization.unmarshal(
                Files.readString(Path.of("k8s-examples", file)), IntelligentHorizontalPodAutoscaler.class);
        ihpa.getMetadata().setNamespace(namespace);
        ihpa.getMetadata().setUid("uid-1");
        ihpa.getMetadata().setCreationTimestamp(CREATED);
        ihpa.getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"));
        return ihpa;
    }

    private static IntelligentHorizontalPodAutoscalerStatus status(HorizontalPortraitValue current,
                                                                   IntelligentHorizontalPodAutoscalerStatus.Gray gray,
                                                                   Condition... conditions) {
        IntelligentHorizontalPodAutoscalerStatus s = new IntelligentHorizontalPodAutoscalerStatus();
        s.currentPortraitValue = current;
        s.gray = gray;
        s.conditions = new ArrayList<>(List.of(conditions));
        return s;
    }

    private static Condition condition(String type, String status, String reason, String message) {
        Condition c = new Condition();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        return c;
    }

    private static ReplicaProfile replicaProfile(int online, int cutoff, int standby, int nowOnline, int nowCutoff,
                                                 int nowStandby) {
        ReplicaProfile rp = new ReplicaProfile();
        rp.setSpec(new ReplicaProfileSpec());
        rp.getSpec().onlineReplicas = online;
        rp.getSpec().cutoffReplicas = cutoff;
        rp.getSpec().standbyReplicas = standby;
        rp.setStatus(new ReplicaProfileStatus());
        rp.getStatus().onlineReplicas = nowOnline;
        rp.getStatus().cutoffReplicas = nowCutoff;
        rp.getStatus().standbyReplicas = nowStandby;
        return rp;
    }

    private static Event event(String type, String reason, String first, String last, int count, String message) {
        return new EventBuilder().withType(type).withReason(reason).withFirstTimestamp(first).withLastTimestamp(last)
                .withCount(count).withNewSource().withComponent("ihpa_controller").endSource().withMessage(message).build();
    }
}
