package io.kapacitystack.kapacity.stream;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ScalingBehavior;
import io.kapacitystack.kapacity.events.RecordedEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ScalingFactsTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:20:00Z");

    static IntelligentHorizontalPodAutoscaler ihpa() {
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withNamespace("gray-sample").withName("web").build());
        ihpa.setSpec(new IntelligentHorizontalPodAutoscalerSpec());
        ihpa.getSpec().behavior = new IntelligentHorizontalPodAutoscalerBehavior();
        ihpa.getSpec().behavior.scaleDown = new ScalingBehavior();
        ihpa.getSpec().behavior.scaleDown.grayStrategy = new GrayStrategy(PodState.Cutoff, 30, 50, 60);
        return ihpa;
    }

    static Condition condition(String type, String status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message).build();
    }

    static ReplicaProfileSpec profile(int online, int cutoff, int standby) {
        ReplicaProfileSpec s = new ReplicaProfileSpec();
        s.onlineReplicas = online;
        s.cutoffReplicas = cutoff;
        s.standbyReplicas = standby;
        return s;
    }

    @Test
    void portraitValueGrayStepAndConditionChangesAreFactsInThatOrder() {
        IntelligentHorizontalPodAutoscalerStatus before = new IntelligentHorizontalPodAutoscalerStatus();
        before.currentPortraitValue = new HorizontalPortraitValue("Cron", 5, "2026-03-01T10:20:00Z");
        before.conditions.add(condition("ScalingActive", "True", "Succeeded", "ok"));
        before.conditions.add(condition("GrayProgressing", "False", "GrayDone", "done"));
        IntelligentHorizontalPodAutoscalerStatus after = new IntelligentHorizontalPodAutoscalerStatus();
        after.currentPortraitValue = new HorizontalPortraitValue("Cron", 1, "2026-03-01T10:30:00Z");
        after.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(50, "2026-03-01T10:20:00Z");
        after.conditions.add(condition("ScalingActive", "True", "Succeeded", "a new message alone is no fact"));
        after.conditions.add(condition("GrayProgressing", "True", "GrayInProgress", "50%"));

        List<ScalingFact> facts = ScalingFacts.ofStatus(ihpa(), before, after, profile(3, 2, 0), NOW, 42);

        assertEquals(List.of(ScalingFact.PORTRAIT_CHANGED, ScalingFact.GRAY_STEP, ScalingFact.CONDITION_CHANGED),
                facts.stream().map(ScalingFact::type).toList());
        ScalingFact portrait = facts.get(0);
        assertEquals("gray-sample/web", portrait.key());
        assertEquals(NOW, portrait.time());
        assertEquals(42, portrait.decidedNanos());
        assertEquals("Cron", portrait.data().get("provider"));
        assertEquals(Map.of("provider", "Cron", "replicas", 5, "expireTime", "2026-03-01T10:20:00Z"), portrait.data().get("before"));
        assertEquals(Map.of("provider", "Cron", "replicas", 1, "expireTime", "2026-03-01T10:30:00Z"), portrait.data().get("after"));
        ScalingFact gray = facts.get(1);
        assertEquals("started", gray.data().get("stage"));
        assertNull(gray.data().get("percentBefore"));
        assertEquals(50, gray.data().get("percentAfter"));
        assertEquals("Cutoff", gray.data().get("grayState"));
        assertEquals(2, gray.data().get("pods"));
        assertEquals(3, gray.data().get("onlineReplicas"));
        ScalingFact cond = facts.get(2);
        assertEquals("GrayProgressing", cond.data().get("conditionType"));
        assertEquals("False", cond.data().get("statusBefore"));
        assertEquals("True", cond.data().get("status"));
        assertEquals("GrayInProgress", cond.data().get("reason"));
    }

    @Test
    void grayStagesStepAndFinish() {
        IntelligentHorizontalPodAutoscalerStatus half = new IntelligentHorizontalPodAutoscalerStatus();
        half.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(50, "t");
        IntelligentHorizontalPodAutoscalerStatus full = new IntelligentHorizontalPodAutoscalerStatus();
        full.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(100, "t");
        IntelligentHorizontalPodAutoscalerStatus none = new IntelligentHorizontalPodAutoscalerStatus();
        IntelligentHorizontalPodAutoscalerStatus zero = new IntelligentHorizontalPodAutoscalerStatus();
        zero.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(0, "t");
        assertEquals("step", ScalingFacts.ofStatus(ihpa(), zero, half, null, NOW, 0).get(0).data().get("stage"));
        assertEquals("completed", ScalingFacts.ofStatus(ihpa(), half, full, null, NOW, 0).get(0).data().get("stage"));
        assertEquals("started", ScalingFacts.ofStatus(ihpa(), full, zero, null, NOW, 0).get(0).data().get("stage"),
                "a new portrait value restarts the gray progress at 0 %");
        assertEquals("cleared", ScalingFacts.ofStatus(ihpa(), full, none, null, NOW, 0).get(0).data().get("stage"));
    }

    @Test
    void anUnchangedStatusIsNoFact() {
        IntelligentHorizontalPodAutoscalerStatus s = new IntelligentHorizontalPodAutoscalerStatus();
        s.currentPortraitValue = new HorizontalPortraitValue("Static", 2, null);
        s.conditions.add(condition("ScalingActive", "True", "Succeeded", "ok"));
        assertEquals(List.of(), ScalingFacts.ofStatus(ihpa(), s, s, null, NOW, 0));
    }

    @Test
    void firstStatusReportsEveryCondition() {
        IntelligentHorizontalPodAutoscalerStatus s = new IntelligentHorizontalPodAutoscalerStatus();
        s.conditions.add(condition("ScalingActive", "True", "Succeeded", "ok"));
        List<ScalingFact> facts = ScalingFacts.ofStatus(ihpa(), null, s, null, NOW, 0);
        assertEquals(1, facts.size());
        assertNull(facts.get(0).data().get("statusBefore"));
    }

    @Test
    void replicaProfileNumbersBeforeAndAfter() {
        List<ScalingFact> facts = ScalingFacts.ofReplicaProfile(ihpa(), profile(5, 0, 0), profile(3, 2, 0), NOW, 0);
        assertEquals(1, facts.size());
        ScalingFact f = facts.get(0);
        assertEquals(ScalingFact.REPLICA_PROFILE_CHANGED, f.type());
        assertEquals("ReplicaProfile", f.kind());
        assertEquals("gray-sample/web", f.key(), "same key as its IHPA: one partition, in order");
        assertEquals(Map.of("before", 5, "after", 3), f.data().get("online"));
        assertEquals(Map.of("before", 0, "after", 2), f.data().get("cutoff"));
        Map<?, ?> created = (Map<?, ?>) ScalingFacts.ofReplicaProfile(ihpa(), null, profile(1, 0, 0), NOW, 0).get(0).data().get("online");
        assertNull(created.get("before"));
        assertEquals(List.of(), ScalingFacts.ofReplicaProfile(ihpa(), profile(3, 2, 0), profile(3, 2, 0), NOW, 0));
    }

    @Test
    void recordedEvent() {
        RecordedEvent e = new RecordedEvent("IntelligentHorizontalPodAutoscaler", "cron-sample", "cron", "ihpa_controller",
                "Warning", "NoValidPortraitValue", "no valid portrait value for now", NOW);
        ScalingFact f = ScalingFacts.ofEvent(e, 0);
        assertEquals(ScalingFact.EVENT_RECORDED, f.type());
        assertEquals("cron-sample/cron", f.key());
        assertEquals(Map.of("type", "Warning", "reason", "NoValidPortraitValue", "message", "no valid portrait value for now",
                "component", "ihpa_controller"), f.data());
    }
}
