package io.kapacitystack.kapacity.portrait.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator.Active;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator.Evaluation;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator.Failed;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator.Inactive;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spec §5.2: which rule is active, until when, which errors, and when the answer can next change. */
class CronPortraitEvaluatorTest {

    private final CronPortraitEvaluator evaluator = new CronPortraitEvaluator();

    /** The upstream sample: five ten-minute windows per hour with 1..5 replicas, nothing from :50 to :00. */
    private static final List<ReplicaCronRule> HOURLY = List.of(
            new ReplicaCronRule("r1", "UTC", "0 * * * *", "10 * * * *", 1),
            new ReplicaCronRule("r2", "UTC", "10 * * * *", "20 * * * *", 2),
            new ReplicaCronRule("r3", "UTC", "20 * * * *", "30 * * * *", 3),
            new ReplicaCronRule("r4", "UTC", "30 * * * *", "40 * * * *", 4),
            new ReplicaCronRule("r5", "UTC", "40 * * * *", "50 * * * *", 5));

    private static ReplicaCronRule rule(String name, String zone, String start, String end, int replicas) {
        return new ReplicaCronRule(name, zone, start, end, replicas);
    }

    /** Windows are [start, end) at second granularity: active exactly at start, inactive exactly at end. */
    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            2025-06-10T12:00:00Z           | r1 | 1 | 2025-06-10T12:10:00Z | 2025-06-10T12:10:00Z
            2025-06-10T12:00:00.500Z       | r1 | 1 | 2025-06-10T12:10:00Z | 2025-06-10T12:10:00Z
            2025-06-10T12:05:30Z           | r1 | 1 | 2025-06-10T12:10:00Z | 2025-06-10T12:10:00Z
            2025-06-10T12:09:59Z           | r1 | 1 | 2025-06-10T12:10:00Z | 2025-06-10T12:10:00Z
            2025-06-10T12:09:59.999999999Z | r1 | 1 | 2025-06-10T12:10:00Z | 2025-06-10T12:10:00Z
            2025-06-10T12:10:00Z           | r2 | 2 | 2025-06-10T12:20:00Z | 2025-06-10T12:20:00Z
            2025-06-10T12:15:00Z           | r2 | 2 | 2025-06-10T12:20:00Z | 2025-06-10T12:20:00Z
            2025-06-10T12:20:00Z           | r3 | 3 | 2025-06-10T12:30:00Z | 2025-06-10T12:30:00Z
            2025-06-10T12:35:00Z           | r4 | 4 | 2025-06-10T12:40:00Z | 2025-06-10T12:40:00Z
            2025-06-10T12:40:00Z           | r5 | 5 | 2025-06-10T12:50:00Z | 2025-06-10T12:50:00Z
            2025-06-10T12:49:59.999Z       | r5 | 5 | 2025-06-10T12:50:00Z | 2025-06-10T12:50:00Z
            2025-06-10T12:50:00Z           | -  | 0 | -                    | 2025-06-10T13:00:00Z
            2025-06-10T12:55:00Z           | -  | 0 | -                    | 2025-06-10T13:00:00Z
            2025-06-10T12:59:59.999Z       | -  | 0 | -                    | 2025-06-10T13:00:00Z
            2025-06-10T23:59:59Z           | -  | 0 | -                    | 2025-06-11T00:00:00Z
            """)
    void hourlyWindows(Instant now, String name, int replicas, Instant expire, Instant boundary) {
        Evaluation e = evaluator.evaluate(HOURLY, now);
        if (name == null) {
            assertEquals(new Inactive(boundary), e);
        } else {
            assertEquals(new Active(name, replicas, expire, boundary), e);
        }
    }

    @Test
    void sampleAsAFunctionOfTheMinute() {
        // every second of one hour: replicas = minute / 10 + 1 below :50, nothing after
        Instant hour = Instant.parse("2025-06-10T07:00:00Z");
        for (int s = 0; s < 3600; s++) {
            Evaluation e = evaluator.evaluate(HOURLY, hour.plusSeconds(s));
            int minute = s / 60;
            if (minute < 50) {
                Active a = (Active) e;
                assertEquals(minute / 10 + 1, a.replicas(), "second " + s);
                assertEquals(hour.plusSeconds((minute / 10 + 1) * 600L), a.expireTime(), "second " + s);
            } else {
                assertEquals(new Inactive(hour.plusSeconds(3600)), e, "second " + s);
            }
        }
    }

    @Test
    void dailyWindowInShanghai() {
        List<ReplicaCronRule> rules = List.of(rule("office", "Asia/Shanghai", "0 9 * * MON-FRI", "0 18 * * MON-FRI", 10));
        // Tuesday 10:00 CST
        assertEquals(new Active("office", 10, Instant.parse("2025-06-10T10:00:00Z"), Instant.parse("2025-06-10T10:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T02:00:00Z")));
        // Tuesday 18:00 CST exactly: closed; next open Wednesday 09:00 CST
        assertEquals(new Inactive(Instant.parse("2025-06-11T01:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T10:00:00Z")));
        // Friday 20:00 CST: next open Monday 09:00 CST
        assertEquals(new Inactive(Instant.parse("2025-06-16T01:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-13T12:00:00Z")));
        // the same rule read in UTC is a different window
        List<ReplicaCronRule> utc = List.of(rule("office", "", "0 9 * * MON-FRI", "0 18 * * MON-FRI", 10));
        assertEquals(new Inactive(Instant.parse("2025-06-10T09:00:00Z")),
                evaluator.evaluate(utc, Instant.parse("2025-06-10T02:00:00Z")));
    }

    @Test
    void nullTimeZoneIsUtc() {
        List<ReplicaCronRule> rules = List.of(rule("r", null, "0 9 * * *", "0 10 * * *", 3));
        assertEquals(new Active("r", 3, Instant.parse("2025-06-10T10:00:00Z"), Instant.parse("2025-06-10T10:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T09:30:00Z")));
    }

    @Test
    void cronTzPrefixOverridesTheRuleZone() {
        List<ReplicaCronRule> rules = List.of(
                rule("r", "America/New_York", "CRON_TZ=Asia/Shanghai 0 9 * * *", "CRON_TZ=Asia/Shanghai 0 10 * * *", 3));
        assertEquals(new Active("r", 3, Instant.parse("2025-06-10T02:00:00Z"), Instant.parse("2025-06-10T02:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T01:30:00Z")));
    }

    /**
     * Upstream quirk worth knowing: 02:30 does not exist in Berlin on 30 March 2025, so robfig's next start jumps
     * to 31 March while the next end is still 30 March 04:00. "Next end before next start" then holds for the
     * whole day before, from the 29 March window's end on: the rule is active for about 24 hours.
     */
    @Test
    void springForwardGapInTheStartMakesTheRuleActiveForTheWholeDayBefore() {
        List<ReplicaCronRule> rules = List.of(rule("night", "Europe/Berlin", "30 2 * * *", "0 4 * * *", 2));
        // an ordinary day, 28 March 12:00 CET: closed, opens at 29 March 02:30 CET
        assertEquals(new Inactive(Instant.parse("2025-03-29T01:30:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-28T11:00:00Z")));
        // 29 March 02:45 CET: the normal window, until 04:00 CET
        assertEquals(new Active("night", 2, Instant.parse("2025-03-29T03:00:00Z"), Instant.parse("2025-03-29T03:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-29T01:45:00Z")));
        // 29 March 04:00 CET exactly, when that window closes: active again, until 30 March 04:00 CEST
        assertEquals(new Active("night", 2, Instant.parse("2025-03-30T02:00:00Z"), Instant.parse("2025-03-30T02:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-29T03:00:00Z")));
        // 29 March 12:00 CET and 30 March 01:30 CET: still active
        assertEquals(new Active("night", 2, Instant.parse("2025-03-30T02:00:00Z"), Instant.parse("2025-03-30T02:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-29T11:00:00Z")));
        assertEquals(new Active("night", 2, Instant.parse("2025-03-30T02:00:00Z"), Instant.parse("2025-03-30T02:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-30T00:30:00Z")));
        // 30 March 04:00 CEST: closed until 31 March 02:30 CEST
        assertEquals(new Inactive(Instant.parse("2025-03-31T00:30:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-03-30T02:00:00Z")));
    }

    @Test
    void fallBackRepeatedHourOpensTheWindowTwice() {
        // 01:30-01:45 New York: on 2 November 2025 01:30 happens in EDT and again in EST
        List<ReplicaCronRule> rules = List.of(rule("w", "America/New_York", "30 1 * * *", "45 1 * * *", 7));
        assertEquals(new Active("w", 7, Instant.parse("2025-11-02T05:45:00Z"), Instant.parse("2025-11-02T05:45:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-11-02T05:30:00Z")));
        assertEquals(new Inactive(Instant.parse("2025-11-02T06:30:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-11-02T05:45:00Z")));
        assertEquals(new Active("w", 7, Instant.parse("2025-11-02T06:45:00Z"), Instant.parse("2025-11-02T06:45:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-11-02T06:30:00Z")));
    }

    @Test
    void sameStartAndEndIsNeverActive() {
        List<ReplicaCronRule> rules = List.of(rule("r", "", "0 * * * *", "0 * * * *", 1));
        assertEquals(new Inactive(Instant.parse("2025-06-10T13:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T12:00:00Z")));
        assertEquals(new Inactive(Instant.parse("2025-06-10T13:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T12:30:00Z")));
    }

    /** "Never within five years" compares like Go's zero time: as the earliest instant. */
    @ParameterizedTest(name = "[{index}] start \"{0}\" end \"{1}\"")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            0 * * * *  | 0 0 30 2 * | true  | -                    | 2025-06-10T13:00:00Z
            0 0 30 2 * | 0 * * * *  | false | -                    | 2025-06-10T13:00:00Z
            0 0 30 2 * | 0 0 31 4 * | false | -                    | -
            """)
    void schedulesThatNeverFire(String start, String end, boolean active, Instant expire, Instant boundary) {
        Evaluation e = evaluator.evaluate(List.of(rule("r", "", start, end, 4)), Instant.parse("2025-06-10T12:30:00Z"));
        assertEquals(active ? new Active("r", 4, expire, boundary) : new Inactive(boundary), e);
    }

    @Test
    void zeroReplicasIsAValue() {
        assertEquals(new Active("r", 0, Instant.parse("2025-06-10T13:00:00Z"), Instant.parse("2025-06-10T13:00:00Z")),
                evaluator.evaluate(List.of(rule("r", "", "0 12 * * *", "0 13 * * *", 0)),
                        Instant.parse("2025-06-10T12:30:00Z")));
    }

    @Test
    void emptyOrNullListIsInactiveWithoutBoundary() {
        assertEquals(new Inactive(null), evaluator.evaluate(List.of(), Instant.parse("2025-06-10T12:30:00Z")));
        assertEquals(new Inactive(null), evaluator.evaluate(null, Instant.parse("2025-06-10T12:30:00Z")));
    }

    @Test
    void overlapNamesTheFirstTwoActiveRulesAndKeepsTheBoundary() {
        List<ReplicaCronRule> rules = List.of(
                rule("idle", "", "0 0 1 1 *", "0 0 2 1 *", 1),
                rule("a", "", "0 * * * *", "30 * * * *", 2),
                rule("b", "", "10 * * * *", "40 * * * *", 3),
                rule("c", "", "5 * * * *", "45 * * * *", 4));
        // at :15 all of a, b, c are open; the overlap resolves at :30 when a closes
        assertEquals(new Failed("found overlapping cron \"a\" and \"b\"", Instant.parse("2025-06-10T12:30:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T12:15:00Z")));
        // at :07 only a and c
        assertEquals(new Failed("found overlapping cron \"a\" and \"c\"", Instant.parse("2025-06-10T12:10:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T12:07:00Z")));
        // at :42 only c
        assertEquals(new Active("c", 4, Instant.parse("2025-06-10T12:45:00Z"), Instant.parse("2025-06-10T12:45:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T12:42:00Z")));
    }

    @Test
    void overlapAcrossZones() {
        // 09:00-10:00 Shanghai and 01:00-02:00 UTC are the same hour
        List<ReplicaCronRule> rules = List.of(
                rule("shanghai", "Asia/Shanghai", "0 9 * * *", "0 10 * * *", 2),
                rule("utc", "UTC", "30 1 * * *", "30 2 * * *", 3));
        assertEquals(new Failed("found overlapping cron \"shanghai\" and \"utc\"", Instant.parse("2025-06-10T02:00:00Z")),
                evaluator.evaluate(rules, Instant.parse("2025-06-10T01:45:00Z")));
    }

    @ParameterizedTest(name = "[{index}] {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            Mars/Olympus | 0 9 * * *  | 0 10 * * *  | failed to load time zone of cron "bad": unknown time zone Mars/Olympus
            +08:00       | 0 9 * * *  | 0 10 * * *  | failed to load time zone of cron "bad": unknown time zone +08:00
            UTC          | 61 * * * * | 0 10 * * *  | failed to check active for cron "bad": failed to parse start cron "61 * * * *": minute value 61 out of range [0, 59]
            UTC          | 0 9 * * *  | 0 25 * * *  | failed to check active for cron "bad": failed to parse end cron "0 25 * * *": hour value 25 out of range [0, 23]
            UTC          | -          | 0 10 * * *  | failed to check active for cron "bad": failed to parse start cron "": empty spec string
            UTC          | 0 9 * * *  | 0 10 * *    | failed to check active for cron "bad": failed to parse end cron "0 10 * *": expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4
            UTC          | 0 9 * * *  | CRON_TZ=Nowhere 0 10 * * * | failed to check active for cron "bad": failed to parse end cron "CRON_TZ=Nowhere 0 10 * * *": provided bad location Nowhere: unknown time zone Nowhere
            """)
    void invalidRulesFailWithUpstreamMessages(String zone, String start, String end, String message) {
        List<ReplicaCronRule> rules = List.of(rule("good", "", "0 * * * *", "10 * * * *", 1), rule("bad", zone, start, end, 1));
        assertEquals(new Failed(message, null), evaluator.evaluate(rules, Instant.parse("2025-06-10T12:05:00Z")));
        // asked again: same answer from the cache
        assertEquals(new Failed(message, null), evaluator.evaluate(rules, Instant.parse("2025-06-10T12:05:00Z")));
    }

    @Test
    void firstProblemInListOrderWins() {
        ReplicaCronRule badZone = rule("z", "Nowhere/Land", "0 9 * * *", "0 10 * * *", 1);
        ReplicaCronRule badExpr = rule("x", "", "0 9 * * *", "bogus", 1);
        ReplicaCronRule a = rule("a", "", "0 * * * *", "30 * * * *", 1);
        ReplicaCronRule b = rule("b", "", "0 * * * *", "30 * * * *", 2);
        Instant now = Instant.parse("2025-06-10T12:05:00Z");
        assertEquals("failed to load time zone of cron \"z\": unknown time zone Nowhere/Land",
                ((Failed) evaluator.evaluate(List.of(badZone, badExpr), now)).message());
        assertEquals("failed to check active for cron \"x\": failed to parse end cron \"bogus\": "
                        + "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 1",
                ((Failed) evaluator.evaluate(List.of(badExpr, badZone), now)).message());
        // an overlap found before a broken rule is what upstream reports; no boundary since the list is broken
        assertEquals(new Failed("found overlapping cron \"a\" and \"b\"", null),
                evaluator.evaluate(List.of(a, b, badExpr), now));
        assertEquals("failed to check active for cron \"x\": failed to parse end cron \"bogus\": "
                        + "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 1",
                ((Failed) evaluator.evaluate(List.of(a, badExpr, b), now)).message());
    }

    @Test
    void nextBoundaryIsTheEarliestStartOrEndOfAnyRule() {
        List<ReplicaCronRule> rules = List.of(
                rule("daily", "Asia/Shanghai", "0 9 * * *", "0 18 * * *", 5),
                rule("weekly", "", "@weekly", "0 6 * * 0", 9),
                rule("every", "", "@every 45m", "@every 3h", 1));
        // Sunday 2025-06-15 05:40 UTC (13:40 CST): weekly is open until 06:00; daily is open until 10:00 UTC
        Evaluation e = evaluator.evaluate(rules, Instant.parse("2025-06-15T05:40:00Z"));
        assertEquals(new Failed("found overlapping cron \"daily\" and \"weekly\"", Instant.parse("2025-06-15T06:00:00Z")), e);
        // Sunday 06:00:00 UTC: weekly just closed, daily still open; the @every rule is never active (its start,
        // now + 45m, always comes before its end, now + 3h) but its start is the soonest boundary
        e = evaluator.evaluate(rules, Instant.parse("2025-06-15T06:00:00Z"));
        assertEquals(new Active("daily", 5, Instant.parse("2025-06-15T10:00:00Z"), Instant.parse("2025-06-15T06:45:00Z")), e);
        // a single rule: the boundary is the sooner of its own next start and next end
        assertEquals(new Inactive(Instant.parse("2025-06-16T01:00:00Z")),
                evaluator.evaluate(List.of(rules.get(0)), Instant.parse("2025-06-15T12:00:00Z")));
    }

    @Test
    void parsesAreCachedPerExpressionAndZone() {
        CronSchedule a = evaluator.schedule("0 9 * * *", ZoneId.of("Asia/Shanghai"));
        assertSame(a, evaluator.schedule("0 9 * * *", ZoneId.of("Asia/Shanghai")));
        assertNotSame(a, evaluator.schedule("0 9 * * *", ZoneOffset.UTC));
        assertSame(evaluator.schedule("0 9 * * *", null), evaluator.schedule("0 9 * * *", ZoneOffset.UTC));
        CronParseException first = assertThrows(CronParseException.class, () -> evaluator.schedule("61 * * * *", null));
        CronParseException second = assertThrows(CronParseException.class, () -> evaluator.schedule("61 * * * *", null));
        assertEquals(first.getMessage(), second.getMessage());
    }

    @Test
    void cacheStaysBounded() {
        CronPortraitEvaluator small = new CronPortraitEvaluator(8);
        for (int m = 0; m < 60; m++) {
            CronSchedule s = small.schedule(m + " * * * *", ZoneOffset.UTC);
            assertEquals(Instant.parse("2025-06-10T13:00:00Z").plusSeconds(60L * m),
                    s.next(Instant.parse("2025-06-10T12:59:59Z")));
            assertTrue(small.cacheSize() <= 8, "size " + small.cacheSize());
        }
        assertThrows(IllegalArgumentException.class, () -> new CronPortraitEvaluator(0));
    }

    @Test
    void validAndInvalidListsForAdmission() {
        assertEquals(List.of(), evaluator.validate(HOURLY));
        assertEquals(List.of("at least one cron rule is required"), evaluator.validate(List.of()));
        assertEquals(List.of("at least one cron rule is required"), evaluator.validate(null));

        List<ReplicaCronRule> rules = new ArrayList<>(Arrays.asList(
                rule("a", "Asia/Shanghai", "0 9 * * *", "0 18 * * *", 1),
                rule("a", "Mars/Olympus", "61 * * * *", "0 25 * * *", -1),
                null,
                rule(" ", "", "@daily", "@every 1x", 2)));
        assertEquals(List.of(
                "crons[1]: duplicate name \"a\" (first used by crons[0])",
                "crons[1]: failed to load time zone of cron \"a\": unknown time zone Mars/Olympus",
                "crons[1]: failed to parse start cron \"61 * * * *\": minute value 61 out of range [0, 59]",
                "crons[1]: failed to parse end cron \"0 25 * * *\": hour value 25 out of range [0, 23]",
                "crons[1]: replicas must be >= 0, got -1",
                "crons[2]: rule is null",
                "crons[3]: name is required",
                "crons[3]: failed to parse end cron \"@every 1x\": invalid @every duration: "
                        + "time: unknown unit \"x\" in duration \"1x\""),
                evaluator.validate(rules));
    }
}
