package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Request;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultPlanTest {

    private static final Request PATCH_STS = new Request("patch", "statefulsets", false);

    private static List<Kind> sequence(FaultPlan plan, Request request, int count) {
        List<Kind> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            Rule r = plan.decide(request, n);
            out.add(r == null ? null : r.kind());
        }
        return out;
    }

    @Test
    void theSameSeedGivesTheSameFaultsAndAnotherSeedOthers() {
        FaultPlan a = FaultPlan.of(7, Rule.of(Kind.CONFLICT, 0.2), Rule.of(Kind.INTERNAL_ERROR, 0.2));
        FaultPlan b = FaultPlan.of(7, Rule.of(Kind.CONFLICT, 0.2), Rule.of(Kind.INTERNAL_ERROR, 0.2));
        FaultPlan c = FaultPlan.of(8, Rule.of(Kind.CONFLICT, 0.2), Rule.of(Kind.INTERNAL_ERROR, 0.2));
        assertEquals(sequence(a, PATCH_STS, 500), sequence(b, PATCH_STS, 500));
        assertNotEquals(sequence(a, PATCH_STS, 500), sequence(c, PATCH_STS, 500));
    }

    @Test
    void ratesAreKeptOverManyRequests() {
        FaultPlan plan = FaultPlan.of(1, Rule.of(Kind.CONFLICT, 0.2));
        long conflicts = sequence(plan, PATCH_STS, 10_000).stream().filter(k -> k == Kind.CONFLICT).count();
        // binomial(10000, 0.2): standard deviation 40, so 1,800..2,200 is five of them either side
        assertTrue(conflicts > 1800 && conflicts < 2200, "conflicts: " + conflicts);
        assertEquals(List.of(), sequence(FaultPlan.of(1, Rule.of(Kind.CONFLICT, 0)), PATCH_STS, 1000).stream()
                .filter(k -> k != null).toList());
        assertTrue(sequence(FaultPlan.of(1, Rule.of(Kind.CONFLICT, 1)), PATCH_STS, 1000).stream().allMatch(k -> k == Kind.CONFLICT));
    }

    @Test
    void rulesMatchTheirVerbsAndResourcesAndSubresources() {
        FaultPlan plan = FaultPlan.of(3, Rule.of(Kind.UNAVAILABLE, 1).onVerbs("update", "patch").onResources("statefulsets"));
        assertSame(Kind.UNAVAILABLE, plan.decide(PATCH_STS, 0).kind());
        assertSame(Kind.UNAVAILABLE, plan.decide(new Request("update", "statefulsets/scale", false), 0).kind());
        assertNull(plan.decide(new Request("get", "statefulsets", false), 0));
        assertNull(plan.decide(new Request("patch", "pods", false), 0));
        FaultPlan onlyScale = FaultPlan.of(3, Rule.of(Kind.UNAVAILABLE, 1).onResources("statefulsets/scale"));
        assertNull(onlyScale.decide(PATCH_STS, 0));
        assertSame(Kind.UNAVAILABLE, onlyScale.decide(new Request("patch", "statefulsets/scale", false), 0).kind());
    }

    @Test
    void watchFaultsOnlyHitWatchesAndGoneOnlyResumedOnes() {
        FaultPlan plan = FaultPlan.of(5, Rule.of(Kind.GONE, 1), Rule.of(Kind.DROP_WATCH, 1), Rule.of(Kind.CONFLICT, 1));
        assertSame(Kind.GONE, plan.decide(new Request("watch", "pods", true), 0).kind());
        assertSame(Kind.DROP_WATCH, plan.decide(new Request("watch", "pods", false), 0).kind());
        assertSame(Kind.CONFLICT, plan.decide(PATCH_STS, 0).kind());
    }

    @Test
    void aRuleAddedAtTheEndDoesNotMoveTheEarlierOnesFaults() {
        FaultPlan one = FaultPlan.of(9, Rule.of(Kind.CONFLICT, 0.3));
        FaultPlan two = FaultPlan.of(9, Rule.of(Kind.CONFLICT, 0.3), Rule.of(Kind.INTERNAL_ERROR, 0.3));
        List<Kind> first = sequence(one, PATCH_STS, 300);
        List<Kind> second = sequence(two, PATCH_STS, 300);
        for (int i = 0; i < first.size(); i++) {
            if (first.get(i) == Kind.CONFLICT) {
                assertSame(Kind.CONFLICT, second.get(i));
            } else {
                assertTrue(second.get(i) == null || second.get(i) == Kind.INTERNAL_ERROR);
            }
        }
    }

    @Test
    void parsesTheFileForm() {
        FaultPlan plan = FaultPlan.parse("""
                seed: 42
                rules:
                  - fault: tooManyRequests
                    rate: 0.05
                    verbs: [update, patch]
                    resources: [statefulsets, replicaprofiles/status]
                    retryAfterSeconds: 2
                  - fault: dropWatch
                    delay: 5s
                stalls:
                  - after: 30s
                    for: 1m
                """);
        assertEquals(42, plan.seed());
        Rule tooMany = plan.rules().get(0);
        assertEquals(Kind.TOO_MANY_REQUESTS, tooMany.kind());
        assertEquals(0.05, tooMany.rate());
        assertEquals(Set.of("update", "patch"), tooMany.verbs());
        assertEquals(Set.of("statefulsets", "replicaprofiles/status"), tooMany.resources());
        assertEquals(2, tooMany.retryAfterSeconds());
        assertEquals(Kind.DROP_WATCH, plan.rules().get(1).kind());
        assertEquals(1.0, plan.rules().get(1).rate());
        assertEquals(Duration.ofSeconds(5), plan.rules().get(1).delay());
        assertEquals(List.of(new FaultPlan.Stall(Duration.ofSeconds(30), Duration.ofMinutes(1))), plan.stalls());
        assertEquals(plan, FaultPlan.parse("{\"seed\": 42, \"rules\": [{\"fault\": \"tooManyRequests\", \"rate\": 0.05, "
                + "\"verbs\": [\"update\", \"patch\"], \"resources\": [\"statefulsets\", \"replicaprofiles/status\"], "
                + "\"retryAfterSeconds\": 2}, {\"fault\": \"dropWatch\", \"delay\": \"5s\"}], "
                + "\"stalls\": [{\"after\": \"30s\", \"for\": \"1m\"}]}"));
    }

    @Test
    void refusesBadFilesWithAClearMessage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("rules: [{fault: explode}]"))
                .getMessage().contains("unknown fault \"explode\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("rules: [{fault: conflict, rate: 2}]"))
                .getMessage().contains("rate must be between 0 and 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("rules: [{fault: conflict, verbs: [steal]}]"))
                .getMessage().contains("unknown verb \"steal\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("seeds: 1"))
                .getMessage().contains("unknown field \"seeds\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("stalls: [{for: 11m}]"))
                .getMessage().contains("at most 10m"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("rules: [{fault: slow, delay: soon}]"))
                .getMessage().contains("invalid duration"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("rules: {"))
                .getMessage().startsWith("invalid fault file"));
        String tooMany = "rules:\n" + "  - fault: conflict\n".repeat(FaultPlan.MAX_RULES + 1);
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse(tooMany));
    }
}
