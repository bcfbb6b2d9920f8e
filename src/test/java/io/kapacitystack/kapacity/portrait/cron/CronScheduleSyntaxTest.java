package io.kapacitystack.kapacity.portrait.cron;

import io.kapacitystack.kapacity.gocompat.GoStrings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each piece of syntax means, observed through {@link CronSchedule#next}. Unless a row says otherwise the
 * search starts at Tuesday 2025-06-10 12:34:56 UTC (June 2025 starts on a Sunday: the 11th is a Wednesday, the
 * 13th a Friday, the 15th a Sunday).
 */
class CronScheduleSyntaxTest {

    private static final Instant TUESDAY_NOON = Instant.parse("2025-06-10T12:34:56Z");

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # plain fields
            * * * * *           | 2025-06-10T12:35:00Z
            ? ? ? ? ?           | 2025-06-10T12:35:00Z
            5 * * * *           | 2025-06-10T13:05:00Z
            40 * * * *          | 2025-06-10T12:40:00Z
            10-20 * * * *       | 2025-06-10T13:10:00Z
            30-40 * * * *       | 2025-06-10T12:35:00Z
            */15 * * * *        | 2025-06-10T12:45:00Z
            5/20 * * * *        | 2025-06-10T12:45:00Z
            10-30/10 * * * *    | 2025-06-10T13:10:00Z
            0,50 * * * *        | 2025-06-10T12:50:00Z
            00 018 * * *        | 2025-06-10T18:00:00Z
            0 18 * * *          | 2025-06-10T18:00:00Z
            0 9 * * *           | 2025-06-11T09:00:00Z
            0 9-17/4 * * *      | 2025-06-10T13:00:00Z
            0 0 15 * *          | 2025-06-15T00:00:00Z
            0 0 1 * *           | 2025-07-01T00:00:00Z
            0 0 31 * *          | 2025-07-31T00:00:00Z
            0 0 * 9 *           | 2025-09-01T00:00:00Z
            0 0 1 1-3 *         | 2026-01-01T00:00:00Z
            0 0 1 */5 *         | 2025-11-01T00:00:00Z
            # month names, any case, also in ranges
            0 0 1 sep *         | 2025-09-01T00:00:00Z
            0 0 1 SEP *         | 2025-09-01T00:00:00Z
            0 0 1 Jan-Mar *     | 2026-01-01T00:00:00Z
            0 0 1 dec,FEB *     | 2025-12-01T00:00:00Z
            0 0 1 jul-dec/3 *   | 2025-07-01T00:00:00Z
            # weekdays: numbers and names, any case
            0 0 * * 0           | 2025-06-15T00:00:00Z
            0 0 * * sun         | 2025-06-15T00:00:00Z
            0 0 * * SUN         | 2025-06-15T00:00:00Z
            0 0 * * Fri         | 2025-06-13T00:00:00Z
            0 0 * * MON-FRI     | 2025-06-11T00:00:00Z
            0 0 * * sat,sun     | 2025-06-14T00:00:00Z
            0 0 * * 1/2         | 2025-06-11T00:00:00Z
            0 0 * * 4-6/2       | 2025-06-12T00:00:00Z
            # descriptors
            @yearly             | 2026-01-01T00:00:00Z
            @annually           | 2026-01-01T00:00:00Z
            @monthly            | 2025-07-01T00:00:00Z
            @weekly             | 2025-06-15T00:00:00Z
            @daily              | 2025-06-11T00:00:00Z
            @midnight           | 2025-06-11T00:00:00Z
            @hourly             | 2025-06-10T13:00:00Z
            """)
    void fieldForms(String spec, Instant expected) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneOffset.UTC).next(TUESDAY_NOON));
    }

    /**
     * robfig's day rule: if either day field carries a star (*, ?, or a list or step-1 form containing one), both
     * must match; if both are restricted, either may. A step above 1 is not a star.
     */
    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1} ({2})")
    @CsvSource(delimiter = '|', textBlock = """
            0 0 11 * 5          | 2025-06-11T00:00:00Z | both restricted: the 11th (a Wednesday) OR a Friday
            0 0 13 * 3          | 2025-06-11T00:00:00Z | both restricted: a Wednesday OR the 13th
            0 0 */2 * 5         | 2025-06-11T00:00:00Z | */2 is not a star: odd day OR Friday
            0 0 11 * */2        | 2025-06-11T00:00:00Z | */2 is not a star: the 11th OR Sun/Tue/Thu/Sat
            0 0 */1 * 5         | 2025-06-13T00:00:00Z | */1 keeps the star: any day AND Friday
            0 0 *,11 * 5        | 2025-06-13T00:00:00Z | a star inside a list counts: AND
            0 0 ? * 5           | 2025-06-13T00:00:00Z | ? is a star: AND
            0 0 * * 5           | 2025-06-13T00:00:00Z | dom star: weekday alone decides
            0 0 13 * *          | 2025-06-13T00:00:00Z | dow star: day of month alone decides
            0 0 13 * ?          | 2025-06-13T00:00:00Z | dow ?: day of month alone decides
            0 0 20 * 1-5        | 2025-06-11T00:00:00Z | both restricted: the 20th OR a weekday
            0 0 20 * */1        | 2025-06-20T00:00:00Z | dow */1 is a star: the 20th AND any weekday
            0 0 1-7 * 1         | 2025-06-16T00:00:00Z | the classic first-Monday trick does NOT work: 1st-7th OR Monday; next 1st is 2025-07-01, next Monday the 16th
            """)
    void dayOfMonthAndDayOfWeek(String spec, Instant expected, String why) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneOffset.UTC).next(TUESDAY_NOON), why);
    }

    /** Accepted oddities of robfig's parser that must keep working (an IHPA valid upstream must be valid here). */
    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1} ({2})")
    @CsvSource(delimiter = '|', textBlock = """
            1,,2 * * * *          | 2025-06-10T13:01:00Z | empty list items are skipped
            +5 * * * *            | 2025-06-10T13:05:00Z | a plus sign is allowed
            */+20 * * * *         | 2025-06-10T12:40:00Z | also in a step
            *-5 * * * *           | 2025-06-10T12:35:00Z | anything after a star's hyphen is ignored
            */99999999999 * * * * | 2025-06-10T13:00:00Z | a step beyond the range leaves only the start
            '0	9 *  *   *'       | 2025-06-11T09:00:00Z | any white space separates fields
            ' 0 9 * * * '         | 2025-06-11T09:00:00Z | leading and trailing white space is ignored
            """)
    void robfigQuirks(String spec, Instant expected, String why) {
        assertEquals(expected, CronSchedule.parse(spec, ZoneOffset.UTC).next(TUESDAY_NOON), why);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            , * * * *
            0 0 , * *
            0 0 30 2 *
            0 0 31 4,6,9,11 *
            0 0 31 feb *
            """)
    void schedulesThatNeverFireReturnNull(String spec) {
        assertNull(CronSchedule.parse(spec, ZoneOffset.UTC).next(TUESDAY_NOON));
    }

    /** Full messages: they reach IHPA conditions and admission responses verbatim. */
    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            61 * * * *                     | minute value 61 out of range [0, 59]
            70/5 * * * *                   | minute value 70 out of range [0, 59]
            * 24 * * *                     | hour value 24 out of range [0, 23]
            * 0-24 * * *                   | hour value 24 out of range [0, 23]
            * * 0 * *                      | day-of-month value 0 out of range [1, 31]
            * * 32 * *                     | day-of-month value 32 out of range [1, 31]
            * * * 0 *                      | month value 0 out of range [1, 12]
            * * * 13 *                     | month value 13 out of range [1, 12]
            * * * * 7                      | day-of-week value 7 out of range [0, 6]
            * * * * 0-7                    | day-of-week value 7 out of range [0, 6]
            5-1 * * * *                    | minute range "5-1": start 5 is after end 1
            * * * dec-jan *                | month range "dec-jan": start 12 is after end 1
            1-2-3 * * * *                  | minute "1-2-3": too many hyphens
            1/2/3 * * * *                  | minute "1/2/3": too many slashes
            */0 * * * *                    | minute "*/0": step must be a positive number
            */ * * * *                     | minute "*/": missing step
            -1 * * * *                     | minute "-1": missing number
            */x * * * *                    | minute step "x" in "*/x" is not a number
            a * * * *                      | minute value "a" is not a number
            9999999999999999999 * * * *    | minute value "9999999999999999999" is not a number
            ١ * * * *                      | minute value "١" is not a number
            0 0 jan * *                    | day-of-month value "jan" is not a number
            0 0 * foo *                    | month value "foo" is not a number or a name (JAN-DEC)
            0 0 * * funday                 | day-of-week value "funday" is not a number or a name (SUN-SAT)
            0 9 * *                        | expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4
            0 0 9 * * *                    | expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6
            `   `                          | expected exactly 5 fields (minute hour day-of-month month day-of-week), found 0
            ` @daily`                      | expected exactly 5 fields (minute hour day-of-month month day-of-week), found 1
            @daly                          | unrecognized descriptor "@daly"
            @DAILY                         | unrecognized descriptor "@DAILY"
            `@daily `                      | unrecognized descriptor "@daily "
            @every                         | unrecognized descriptor "@every"
            @every 1x                      | invalid @every duration: time: unknown unit "x" in duration "1x"
            @every 5                       | invalid @every duration: time: missing unit in duration "5"
            @every abc                     | invalid @every duration: time: invalid duration "abc"
            `@every  1h`                   | invalid @every duration: time: invalid duration " 1h"
            CRON_TZ=Mars/Olympus 0 9 * * * | provided bad location Mars/Olympus: unknown time zone Mars/Olympus
            TZ=+08:00 0 9 * * *            | provided bad location +08:00: unknown time zone +08:00
            TZ=Asia/Shanghai               | missing schedule after time zone prefix "TZ=Asia/Shanghai"
            CRON_TZ=UTC 61 * * * *         | minute value 61 out of range [0, 59]
            """)
    void invalidExpressions(String spec, String detail) {
        CronParseException e = assertThrows(CronParseException.class, () -> CronSchedule.parse(spec, ZoneOffset.UTC));
        assertEquals(detail, e.detail());
        assertEquals(spec, e.spec());
        assertEquals("failed to parse " + GoStrings.quote(spec) + ": " + detail, e.getMessage());
    }

    @Test
    void emptyAndNullSpecs() {
        assertEquals("failed to parse \"\": empty spec string",
                assertThrows(CronParseException.class, () -> CronSchedule.parse("", ZoneOffset.UTC)).getMessage());
        assertEquals("empty spec string",
                assertThrows(CronParseException.class, () -> CronSchedule.parse(null, ZoneOffset.UTC)).detail());
    }

    @Test
    void theBriefsExampleMessage() {
        assertEquals("failed to parse \"61 * * * *\": minute value 61 out of range [0, 59]",
                assertThrows(CronParseException.class, () -> CronSchedule.parse("61 * * * *", null)).getMessage());
    }

    @Test
    void specAndZoneAreKept() {
        CronSchedule s = CronSchedule.parse("CRON_TZ=Asia/Shanghai 0 9 * * *", ZoneId.of("Europe/Berlin"));
        assertEquals("CRON_TZ=Asia/Shanghai 0 9 * * *", s.spec());
        assertEquals(ZoneId.of("Asia/Shanghai"), s.zone());
        assertEquals(ZoneId.of("Europe/Berlin"), CronSchedule.parse("0 9 * * *", ZoneId.of("Europe/Berlin")).zone());
        assertEquals(ZoneOffset.UTC, CronSchedule.parse("0 9 * * *", null).zone());
    }
}
