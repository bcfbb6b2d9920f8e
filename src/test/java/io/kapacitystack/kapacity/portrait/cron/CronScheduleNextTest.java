package io.kapacitystack.kapacity.portrait.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where {@link CronSchedule#next} lands: second rounding, {@code @every}, zones and prefixes, DST transitions and
 * the five-year horizon. Expected instants are written in UTC with the local wall time in the comment column;
 * every row was also checked against robfig/cron v3.0.1 itself.
 */
class CronScheduleNextTest {

    /** Strictly after, at whole seconds: the search starts at the next whole second after {@code after}. */
    @ParameterizedTest(name = "[{index}] \"{0}\" after {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10 * * * * | 2025-06-10T12:10:00Z           | 2025-06-10T13:10:00Z
            10 * * * * | 2025-06-10T12:09:59.500Z       | 2025-06-10T12:10:00Z
            10 * * * * | 2025-06-10T12:09:59Z           | 2025-06-10T12:10:00Z
            10 * * * * | 2025-06-10T12:09:59.999999999Z | 2025-06-10T12:10:00Z
            10 * * * * | 2025-06-10T12:10:00.000000001Z | 2025-06-10T13:10:00Z
            * * * * *  | 2025-06-10T12:00:00Z           | 2025-06-10T12:01:00Z
            * * * * *  | 2025-06-10T11:59:59.999Z       | 2025-06-10T12:00:00Z
            * * * * *  | 2025-06-10T11:59:00.001Z       | 2025-06-10T12:00:00Z
            0 0 * * *  | 2025-12-31T23:59:59.999Z       | 2026-01-01T00:00:00Z
            0 0 * * *  | 2026-01-01T00:00:00Z           | 2026-01-02T00:00:00Z
            0 0 1 1 *  | 2025-12-31T23:59:59.999Z       | 2026-01-01T00:00:00Z
            0 0 29 2 * | 2025-03-01T00:00:00Z           | 2028-02-29T00:00:00Z
            0 0 29 2 * | 2099-03-01T00:00:00Z           | 2104-02-29T00:00:00Z
            0 0 * * 1  | 1969-12-31T23:59:59.5Z         | 1970-01-05T00:00:00Z
            """)
    void strictlyAfterAtWholeSeconds(String spec, Instant after, Instant expected) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneOffset.UTC).next(after));
    }

    /**
     * robfig gives up after five calendar years, counted from the year of the first candidate second. 2100 is not
     * a leap year, so from March 2097 the next 29 February (2104) lies beyond 2102.
     */
    @ParameterizedTest(name = "[{index}] \"{0}\" after {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0 0 29 2 * | 2097-03-01T00:00:00Z
            0 0 29 2 * | 2096-03-01T00:00:00Z
            0 0 30 2 * | 2025-06-10T00:00:00Z
            """)
    void fiveYearHorizon(String spec, Instant after) {
        assertNull(CronSchedule.parse(spec, ZoneOffset.UTC).next(after));
    }

    /** Constant delay from the evaluation instant truncated to its second; under a second means one second. */
    @ParameterizedTest(name = "[{index}] \"{0}\" after {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            @every 1h30m                      | 2025-06-10T12:34:56.789Z | 2025-06-10T14:04:56Z
            @every 1h30m                      | 2025-06-10T12:34:56Z     | 2025-06-10T14:04:56Z
            @every 90s                        | 2025-06-10T12:34:56Z     | 2025-06-10T12:36:26Z
            @every 1.5h                       | 2025-06-10T12:00:00Z     | 2025-06-10T13:30:00Z
            @every .5h                        | 2025-06-10T12:00:00Z     | 2025-06-10T12:30:00Z
            @every 1.9s                       | 2025-06-10T12:00:00.5Z   | 2025-06-10T12:00:01Z
            @every 500ms                      | 2025-06-10T12:00:00.5Z   | 2025-06-10T12:00:01Z
            @every 1µs                        | 2025-06-10T12:00:00Z     | 2025-06-10T12:00:01Z
            @every 0                          | 2025-06-10T12:00:00Z     | 2025-06-10T12:00:01Z
            @every -5m                        | 2025-06-10T12:00:00Z     | 2025-06-10T12:00:01Z
            @every 1h0m59.9s                  | 2025-06-10T12:00:00Z     | 2025-06-10T13:00:59Z
            @every 48h                        | 2025-03-08T12:00:00Z     | 2025-03-10T12:00:00Z
            CRON_TZ=America/New_York @every 48h | 2025-03-08T12:00:00Z   | 2025-03-10T12:00:00Z
            """)
    void every(String spec, Instant after, Instant expected) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneOffset.UTC).next(after));
    }

    /** The default zone, and the CRON_TZ= / TZ= prefixes that override it. */
    @ParameterizedTest(name = "[{index}] \"{1}\" default {0} after {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            Asia/Shanghai    | 0 9 * * *                        | 2025-06-10T00:00:00Z | 2025-06-10T01:00:00Z | 09:00 CST
            Asia/Shanghai    | 0 9 * * *                        | 2025-06-10T01:00:00Z | 2025-06-11T01:00:00Z | 09:00 CST next day
            Asia/Shanghai    | 0 0 1 * *                        | 2025-06-10T00:00:00Z | 2025-06-30T16:00:00Z | 1 July 00:00 CST
            Asia/Shanghai    | @daily                           | 2025-06-10T00:00:00Z | 2025-06-10T16:00:00Z | 11 June 00:00 CST
            Asia/Shanghai    | 0 9 * * MON                      | 2025-06-08T12:00:00Z | 2025-06-09T01:00:00Z | Monday 09:00 CST (still Sunday in UTC)
            UTC              | CRON_TZ=Asia/Shanghai 0 9 * * *  | 2025-06-10T00:00:00Z | 2025-06-10T01:00:00Z | prefix beats default
            UTC              | TZ=Asia/Shanghai 0 9 * * *       | 2025-06-10T00:00:00Z | 2025-06-10T01:00:00Z | TZ= works the same
            UTC              | CRON_TZ=Asia/Shanghai   0 9 * * *| 2025-06-10T00:00:00Z | 2025-06-10T01:00:00Z | extra spaces after the zone
            America/New_York | CRON_TZ=UTC 0 9 * * *            | 2025-06-10T00:00:00Z | 2025-06-10T09:00:00Z | prefix UTC beats New York
            America/New_York | CRON_TZ=Europe/Berlin @daily     | 2025-06-10T00:00:00Z | 2025-06-10T22:00:00Z | 11 June 00:00 CEST
            Asia/Shanghai    | TZ=Local 0 9 * * *               | 2025-06-10T00:00:00Z | 2025-06-10T01:00:00Z | Local = no override (robfig's marker)
            Asia/Shanghai    | TZ= 0 9 * * *                    | 2025-06-10T00:00:00Z | 2025-06-10T09:00:00Z | empty zone name = UTC
            Asia/Kolkata     | 0 9 * * *                        | 2025-06-10T00:00:00Z | 2025-06-10T03:30:00Z | half-hour offset
            """)
    void zones(String defaultZone, String spec, Instant after, Instant expected, String wall) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneId.of(defaultZone)).next(after), wall);
    }

    /**
     * DST as robfig handles it: a wall time in the spring-forward gap is skipped that day; a wall time in the
     * fall-back hour fires once per offset. 2025 transitions: New York 9 Mar 07:00Z (02:00 EST -> 03:00 EDT) and
     * 2 Nov 06:00Z (02:00 EDT -> 01:00 EST); Berlin 30 Mar 01:00Z (02:00 CET -> 03:00 CEST) and 26 Oct 01:00Z
     * (03:00 CEST -> 02:00 CET).
     */
    @ParameterizedTest(name = "[{index}] {0} \"{1}\" after {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            America/New_York | 30 2 * * *  | 2025-03-09T05:00:00Z | 2025-03-10T06:30:00Z | 02:30 does not exist on 9 Mar: 10 Mar 02:30 EDT
            America/New_York | 30 1 * * *  | 2025-03-09T05:00:00Z | 2025-03-09T06:30:00Z | 01:30 EST, before the gap
            America/New_York | 0 3 * * *   | 2025-03-09T05:00:00Z | 2025-03-09T07:00:00Z | 03:00 EDT, right after the gap
            America/New_York | 0 * * * *   | 2025-03-09T06:30:00Z | 2025-03-09T07:00:00Z | 01:30 EST -> 03:00 EDT
            America/New_York | 0 * * * *   | 2025-03-09T06:00:00Z | 2025-03-09T07:00:00Z | 01:00 EST -> 03:00 EDT, no 02:00
            America/New_York | */30 2 * * *| 2025-03-08T12:00:00Z | 2025-03-10T06:00:00Z | neither 02:00 nor 02:30 exists on 9 Mar
            America/New_York | 30 1 * * *  | 2025-11-02T04:00:00Z | 2025-11-02T05:30:00Z | first 01:30 (EDT)
            America/New_York | 30 1 * * *  | 2025-11-02T05:30:00Z | 2025-11-02T06:30:00Z | second 01:30 (EST)
            America/New_York | 30 1 * * *  | 2025-11-02T06:30:00Z | 2025-11-03T06:30:00Z | 3 Nov 01:30 EST
            America/New_York | 0 * * * *   | 2025-11-02T05:30:00Z | 2025-11-02T06:00:00Z | 01:30 EDT -> 01:00 EST
            America/New_York | 0 * * * *   | 2025-11-02T06:00:00Z | 2025-11-02T07:00:00Z | 01:00 EST -> 02:00 EST
            America/New_York | 0 2 * * *   | 2025-11-02T04:00:00Z | 2025-11-02T07:00:00Z | 02:00 EST (only once)
            America/New_York | 0 4 * * *   | 2025-11-02T06:10:00Z | 2025-11-02T09:00:00Z | 04:00 EST from inside the repeated hour
            Europe/Berlin    | 30 2 * * *  | 2025-03-29T23:00:00Z | 2025-03-31T00:30:00Z | 02:30 does not exist on 30 Mar: 31 Mar 02:30 CEST
            Europe/Berlin    | 0 3 * * *   | 2025-03-29T23:00:00Z | 2025-03-30T01:00:00Z | 03:00 CEST, right after the gap
            Europe/Berlin    | 0 * * * *   | 2025-03-30T00:30:00Z | 2025-03-30T01:00:00Z | 01:30 CET -> 03:00 CEST
            Europe/Berlin    | 30 2 * * *  | 2025-10-25T22:00:00Z | 2025-10-26T00:30:00Z | first 02:30 (CEST)
            Europe/Berlin    | 30 2 * * *  | 2025-10-26T00:30:00Z | 2025-10-26T01:30:00Z | second 02:30 (CET)
            Europe/Berlin    | 30 2 * * *  | 2025-10-26T01:30:00Z | 2025-10-27T01:30:00Z | 27 Oct 02:30 CET
            Europe/Berlin    | 0 3 * * *   | 2025-10-25T22:00:00Z | 2025-10-26T02:00:00Z | 03:00 CET (only once)
            Europe/Berlin    | 0 0 * * *   | 2025-10-25T12:00:00Z | 2025-10-25T22:00:00Z | midnight CEST on the transition day
            Europe/Berlin    | 0 0 * * *   | 2025-10-25T22:00:00Z | 2025-10-26T23:00:00Z | the 25-hour day ends at midnight CET
            Europe/Berlin    | 0 0 * * *   | 2025-03-29T12:00:00Z | 2025-03-29T23:00:00Z | midnight CET before the 23-hour day
            Europe/Berlin    | 0 0 * * *   | 2025-03-29T23:00:00Z | 2025-03-30T22:00:00Z | the 23-hour day ends at midnight CEST
            """)
    void daylightSavingTransitions(String zone, String spec, Instant after, Instant expected, String wall) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneId.of(zone)).next(after), wall);
    }

    /**
     * Samoa skipped 30 December 2011 when it crossed the date line. robfig's day loop never gets past the missing
     * day (it hangs); this implementation moves on to the 31st.
     */
    @Test
    void aCalendarDayThatDoesNotExistIsSkippedInsteadOfHanging() {
        CronSchedule newYearsEve = CronSchedule.parse("0 12 31 12 *", ZoneId.of("Pacific/Apia"));
        Instant next = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> newYearsEve.next(Instant.parse("2011-12-28T12:00:00Z")));
        // 31 Dec 2011 12:00 at UTC+14
        assertEquals(Instant.parse("2011-12-30T22:00:00Z"), next);
    }

    @ParameterizedTest(name = "[{index}] {0} ns -> every {1} s")
    @CsvSource({"1000000000, 1", "1999999999, 1", "5400000000000, 5400", "999999999, 1", "0, 1", "-60000000000, 1"})
    void everyTruncatesToWholeSecondsWithAOneSecondFloor(long nanos, long seconds) {
        assertEquals(seconds, CronSchedule.everyDelaySeconds(nanos));
    }
}
