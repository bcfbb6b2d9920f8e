package io.kapacitystack.kapacity.portrait.cron;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.concurrent.ConcurrentHashMap;
import java.time.ZonedDateTime;

/**
 * The slice of Go's {@code time} package that robfig's {@code SpecSchedule.Next} relies on, over whole epoch
 * seconds in one zone: wall-clock fields of an instant, {@code time.Date} and {@code Time.AddDate}.
 *
 * <p>Why not {@link ZonedDateTime}: Go resolves a wall time that falls in a DST gap or overlap
 * differently from {@code java.time}, and robfig's search visits such wall times, so its answers around
 * transitions depend on Go's rule. Go's {@code time.Date} takes the offset in force at the wall time read as if
 * it were UTC, and keeps it only if the resulting instant really has that offset; otherwise it takes the offset
 * in force at that resulting instant. For a zone west of UTC (New York) this turns the nonexistent 02:30 into
 * 01:30 standard time and the ambiguous 01:30 into the first (daylight) occurrence; east of UTC (Berlin) the
 * nonexistent 02:30 becomes 03:30 summer time and the ambiguous 02:30 the second (standard) occurrence.
 * {@code java.time} would always shift gaps forward and pick the earlier offset in overlaps.
 *
 * <p>Offsets are looked up once per stretch between two transitions and remembered, which is what makes a
 * search cost well under a microsecond. Not thread-safe: one instance per search.
 */
final class GoClock {

    static final int SECONDS_PER_DAY = 86_400;
    private static final int[] DAYS_IN_MONTH = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private final ZoneRules rules;

    /**
     * The last stretch computed for each zone, shared by all searches: consecutive evaluations nearly always fall
     * in the same stretch, and computing one costs more than a whole search in a fixed-offset zone.
     */
    private static final ConcurrentHashMap<ZoneId, Stretch> SHARED = new ConcurrentHashMap<>();

    private final ZoneId zone;
    // two remembered constant-offset stretches, since a search near a transition alternates between both sides
    private Stretch a;
    private Stretch b;
    private boolean replaceA = true;
    private Stretch last;

    // wall-clock fields of `current`, valid when `decoded`
    private long current;
    private boolean decoded;
    int year;
    int month; // 1..12
    int day; // 1..31
    int hour;
    int minute;
    int second;
    int weekday; // 0 = Sunday, as Go's time.Weekday
    /** UTC offset of {@code current}, in seconds. */
    int offset;
    /** Bounds of the constant-offset stretch that contains {@code current}: [stretchStart, stretchEnd). */
    long stretchStart;
    long stretchEnd;

    GoClock(ZoneId zone) {
        this.zone = zone;
        this.rules = zone.getRules();
        if (rules.isFixedOffset()) {
            a = new Stretch(Long.MIN_VALUE, Long.MAX_VALUE, rules.getOffset(Instant.EPOCH).getTotalSeconds());
        } else {
            a = SHARED.get(zone);
        }
        b = a;
    }

    /** Decodes the wall-clock fields of {@code t} into this object's fields. */
    void at(long t) {
        if (decoded && t == current) {
            return;
        }
        offset = offsetAt(t);
        stretchStart = last.start;
        stretchEnd = last.end;
        long local = t + offset;
        long days = Math.floorDiv(local, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(local, SECONDS_PER_DAY);
        hour = secondOfDay / 3600;
        minute = secondOfDay / 60 % 60;
        second = secondOfDay % 60;
        // 1970-01-01 was a Thursday
        weekday = (int) Math.floorMod(days + 4, 7);
        civilFromDays(days);
        current = t;
        decoded = true;
    }

    /**
     * Go's {@code time.Date(y, m, d, h, mi, s, 0, loc)}, including its normalisation of out-of-range months and days
     * ({@code Date(2025, 2, 31)} is 3 March) and its resolution of gaps and overlaps (see the class comment).
     */
    long date(long y, long m, long d, long h, long mi, long s) {
        long m0 = m - 1;
        y += Math.floorDiv(m0, 12);
        m0 = Math.floorMod(m0, 12);
        long days = daysFromCivil(y, m0 + 1, 1) + d - 1;
        long local = days * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
        int guess = offsetAt(local);
        return local - offsetAt(local - guess);
    }

    /** Go's {@code t.AddDate(0, months, days)}: a wall-clock operation, re-resolved with {@link #date}. */
    long addDate(long t, int months, int days) {
        at(t);
        return date(year, (long) month + months, (long) day + days, hour, minute, second);
    }

    private int offsetAt(long t) {
        if (a != null && a.contains(t)) {
            last = a;
            return a.offset;
        }
        if (b != null && b.contains(t)) {
            last = b;
            return b.offset;
        }
        Stretch shared = SHARED.get(zone);
        Stretch found = shared != null && shared.contains(t) ? shared : compute(t);
        if (replaceA) {
            a = found;
        } else {
            b = found;
        }
        replaceA = !replaceA;
        last = found;
        return found.offset;
    }

    private Stretch compute(long t) {
        Instant instant = Instant.ofEpochSecond(t);
        ZoneOffsetTransition next = rules.nextTransition(instant);
        // previousTransition is strict, so ask for the one before t+1 to include a transition exactly at t
        ZoneOffsetTransition previous = rules.previousTransition(Instant.ofEpochSecond(t + 1));
        Stretch stretch = new Stretch(previous == null ? Long.MIN_VALUE : previous.toEpochSecond(),
                next == null ? Long.MAX_VALUE : next.toEpochSecond(), rules.getOffset(instant).getTotalSeconds());
        SHARED.put(zone, stretch);
        return stretch;
    }

    /** A maximal run of instants [start, end) with one UTC offset. */
    private record Stretch(long start, long end, int offset) {

        boolean contains(long t) {
            return t >= start && t < end;
        }
    }

    /** Length of the month of {@code current}. */
    int monthLength() {
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return month == 2 && leap ? 29 : DAYS_IN_MONTH[month];
    }

    // Proleptic Gregorian day arithmetic without allocating LocalDate objects (H. Hinnant's algorithms).

    private void civilFromDays(long epochDay) {
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        day = (int) (doy - (153 * mp + 2) / 5 + 1);
        month = (int) (mp < 10 ? mp + 3 : mp - 9);
        year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    }

    static long daysFromCivil(long y, long m, long d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
