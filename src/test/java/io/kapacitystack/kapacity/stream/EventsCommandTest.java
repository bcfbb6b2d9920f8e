package io.kapacitystack.kapacity.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventsCommandTest {

    static final Instant T = Instant.parse("2026-11-23T08:10:00Z");

    static StreamRecord record(String type, String kind, Map<String, Object> data) {
        return new StreamRecord("id", type, "/apis/x", "cron-sample/cron", T, kind, "cron-sample", "cron", data);
    }

    @Test
    void linesReadLikeKubectlEvents() {
        String rp = EventsCommand.line(record(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile", Map.of(
                "online", Map.of("after", 2), "cutoff", Map.of("before", 0, "after", 0), "standby", Map.of("before", 0, "after", 0))));
        assertTrue(rp.contains("replicaprofile/cron"), rp);
        assertTrue(rp.contains("Normal   replicaprofile.changed"), rp);
        assertTrue(rp.endsWith("online none -> 2, cutoff 0 -> 0, standby 0 -> 0"), rp);
        String event = EventsCommand.line(record(ScalingFact.EVENT_RECORDED, "IntelligentHorizontalPodAutoscaler", Map.of(
                "type", "Warning", "reason", "NoValidPortraitValue", "message", "no valid portrait value for now")));
        assertTrue(event.contains("Warning  NoValidPortraitValue"), event);
        assertTrue(event.endsWith("no valid portrait value for now"), event);
        String gray = EventsCommand.line(record(ScalingFact.GRAY_STEP, "IntelligentHorizontalPodAutoscaler", Map.of(
                "stage", "step", "percentBefore", 0, "percentAfter", 50, "grayState", "Cutoff", "pods", 2)));
        assertTrue(gray.endsWith("gray step: 0% -> 50% Cutoff, 2 pods"), gray);
    }

    @Test
    void jsonIsOneCloudEventPerLine() {
        String json = EventsCommand.json(record(ScalingFact.PORTRAIT_CHANGED, "IntelligentHorizontalPodAutoscaler", Map.of("provider", "Cron")));
        assertEquals("{\"specversion\":\"1.0\",\"id\":\"id\",\"type\":\"io.kapacitystack.portrait.changed\",\"source\":\"/apis/x\","
                + "\"subject\":\"cron-sample/cron\",\"time\":\"2026-11-23T08:10:00Z\",\"data\":{\"provider\":\"Cron\"}}", json);
    }

    @Test
    void badFlagsAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertEquals(2, EventsCommand.run(new String[0], out, new PrintStream(err), () -> T, new AtomicBoolean()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--bootstrap-servers is required"));
        assertEquals(2, EventsCommand.run(new String[]{"--bootstrap-servers", "k:9092", "-o", "yaml"}, out,
                new PrintStream(new ByteArrayOutputStream()), () -> T, new AtomicBoolean()));
        assertEquals(2, EventsCommand.run(new String[]{"--bootstrap-servers", "k:9092", "--since", "yesterday"}, out,
                new PrintStream(new ByteArrayOutputStream()), () -> T, new AtomicBoolean()));
    }
}
