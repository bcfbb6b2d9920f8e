package io.kapacitystack.kapacity.portrait.cron;

import io.kapacitystack.kapacity.gocompat.GoDuration;
import io.kapacitystack.kapacity.gocompat.GoStrings;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed cron expression with the semantics of robfig/cron v3's {@code ParseStandard} and
 * {@code SpecSchedule.Next} / {@code ConstantDelaySchedule.Next}, which is what upstream Kapacity evaluates
 * ReplicaCron rules with. Immutable and thread-safe.
 *
 * <h2>Accepted syntax</h2>
 * Exactly five fields (minute hour day-of-month month day-of-week) separated by white space, or a descriptor
 * ({@code @yearly}, {@code @annually}, {@code @monthly}, {@code @weekly}, {@code @daily}, {@code @midnight},
 * {@code @hourly}, {@code @every <Go duration>}), optionally preceded by {@code CRON_TZ=<zone> } or
 * {@code TZ=<zone> }. Each field is a comma list of {@code *}, {@code ?}, {@code a}, {@code a-b}, <code>*&#47;n</code>,
 * {@code a/n} (meaning {@code a-max/n}), {@code a-b/n}. Months accept {@code JAN}-{@code DEC}, weekdays
 * {@code SUN}-{@code SAT}, case-insensitively; weekdays are 0-6 (7 is rejected, as in robfig).
 *
 * <h2>robfig behaviours kept on purpose</h2>
 * Any difference would make an IHPA behave differently here and upstream, so these are reproduced even where
 * they are surprising:
 * <ul>
 * <li>Day matching uses robfig's "star" rule: if day-of-month <em>or</em> day-of-week was written with a
 *     {@code *}/{@code ?} (alone, in a list, or as <code>*&#47;1</code>), both must match; otherwise either may.
 *     <code>*&#47;2</code> is <em>not</em> a star for this rule (a step above 1 clears it).</li>
 * <li>{@code *-5} is accepted and means {@code *}: robfig ignores whatever follows a star's hyphen.</li>
 * <li>Empty list items are skipped ({@code 1,,2}); a field made only of commas matches nothing, so such a
 *     schedule never fires and {@link #next} returns {@code null}.</li>
 * <li>Numbers may carry a {@code +} sign ({@code +5}); only ASCII digits count.</li>
 * <li>Descriptors are case-sensitive and must be the whole remaining text ({@code @daily } with a trailing space
 *     is rejected).</li>
 * <li>{@code @every}: durations under one second become one second, and fractions of a second are truncated;
 *     {@code next(t)} is {@code t} truncated to the second plus the delay.</li>
 * <li>{@code TZ=Local} means "no override" (robfig uses {@code time.Local} as that marker), so the schedule
 *     runs in the default zone it was parsed with, not the JVM's zone; {@code TZ=} with an empty name is UTC.</li>
 * <li>{@link #next} gives up after five calendar years (counted from the year of the first candidate second)
 *     and returns {@code null}.</li>
 * </ul>
 *
 * <h2>Daylight-saving transitions</h2>
 * {@link #next} walks wall-clock fields exactly as robfig does: months and days are stepped as wall-clock dates
 * (re-resolved with Go's {@code time.Date} rule, see {@link GoClock}), hours, minutes and seconds by adding
 * absolute time. Consequences, all matching robfig:
 * <ul>
 * <li>Spring forward: a wall time inside the gap is skipped for that day ({@code 30 2 * * *} in New York does
 *     not fire on the transition day; the next firing is 02:30 the day after). Hourly schedules simply have one
 *     firing fewer.</li>
 * <li>Fall back: a wall time inside the repeated hour fires twice, once per offset ({@code 30 1 * * *} in New
 *     York fires at 01:30 EDT and again at 01:30 EST).</li>
 * <li>Zones whose midnight falls into a gap follow robfig's "hour is not 0 after adding a day" correction.</li>
 * </ul>
 *
 * <h2>Differences from robfig</h2>
 * <ul>
 * <li>Error texts are this project's own (naming the field and value); robfig's would say e.g.
 *     {@code end of range (61) above maximum (59): 61}.</li>
 * <li>{@code TZ=Zone} with nothing after it is a parse error here; robfig panics (slice out of range).</li>
 * <li>When a whole calendar day does not exist in the zone (Pacific/Apia and Pacific/Fakaofo skipped
 *     2011-12-30), robfig's {@code Next} loops forever; here the day loop moves on to the next day.</li>
 * <li>Zone names are those of the JDK's tz database (see {@link TimeZones}); Go reads the system's, so a zone
 *     added in a newer tz release may be known on one side only, and rules may differ by tz version.</li>
 * </ul>
 */
public final class CronSchedule {

    private static final Field MINUTE = new Field("minute", 0, 59, null);
    private static final Field HOUR = new Field("hour", 0, 23, null);
    private static final Field DOM = new Field("day-of-month", 1, 31, null);
    private static final Field MONTH = new Field("month", 1, 12, Map.ofEntries(
            Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4),
            Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
            Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12)));
    private static final Field DOW = new Field("day-of-week", 0, 6, Map.of(
            "sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6));

    private static final long NONE = Long.MIN_VALUE;
    private static final int MAX_RESTARTS = 100_000;

    private final String spec;
    private final ZoneId zone;
    private final long minutes;
    private final long hours;
    private final long daysOfMonth;
    private final long months;
    private final long daysOfWeek;
    private final boolean domStar;
    private final boolean dowStar;
    /** Non-zero for {@code @every}: the constant delay in whole seconds. */
    private final long everySeconds;

    private CronSchedule(String spec, ZoneId zone, long minutes, long hours, long daysOfMonth, long months,
                         long daysOfWeek, boolean domStar, boolean dowStar, long everySeconds) {
        this.spec = spec;
        this.zone = zone;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.domStar = domStar;
        this.dowStar = dowStar;
        this.everySeconds = everySeconds;
    }

    /**
     * Parses {@code spec} as robfig's standard parser does.
     *
     * @param defaultZone zone to evaluate in unless the spec has a {@code CRON_TZ=}/{@code TZ=} prefix;
     *                    {@code null} means UTC
     * @throws CronParseException naming the offending field and value
     */
    public static CronSchedule parse(String spec, ZoneId defaultZone) {
        if (spec == null || spec.isEmpty()) {
            throw new CronParseException(spec == null ? "" : spec, "empty spec string");
        }
        ZoneId zone = defaultZone == null ? ZoneOffset.UTC : defaultZone;
        String rest = spec;
        if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
            // robfig looks for the first ASCII space only, not any white space
            int space = rest.indexOf(' ');
            int eq = rest.indexOf('=');
            if (space < 0) {
                throw new CronParseException(spec, "missing schedule after time zone prefix "
                        + GoStrings.quote(rest));
            }
            String name = rest.substring(eq + 1, space);
            if (!name.equals("Local")) {
                try {
                    zone = TimeZones.load(name);
                } catch (IllegalArgumentException e) {
                    throw new CronParseException(spec, "provided bad location " + name + ": " + e.getMessage());
                }
            }
            rest = GoStrings.trimSpace(rest.substring(space));
        }
        if (rest.startsWith("@")) {
            return parseDescriptor(spec, rest, zone);
        }
        List<String> fields = GoStrings.fields(rest);
        if (fields.size() != 5) {
            throw new CronParseException(spec, "expected exactly 5 fields (minute hour day-of-month month "
                    + "day-of-week), found " + fields.size());
        }
        long minute = MINUTE.parse(spec, fields.get(0));
        long hour = HOUR.parse(spec, fields.get(1));
        long dom = DOM.parse(spec, fields.get(2));
        long month = MONTH.parse(spec, fields.get(3));
        long dow = DOW.parse(spec, fields.get(4));
        return new CronSchedule(spec, zone, minute & ~Field.STAR, hour & ~Field.STAR, dom & ~Field.STAR,
                month & ~Field.STAR, dow & ~Field.STAR, (dom & Field.STAR) != 0, (dow & Field.STAR) != 0, 0);
    }

    private static CronSchedule parseDescriptor(String spec, String descriptor, ZoneId zone) {
        long allHours = Field.bits(0, 23, 1);
        long allDom = Field.bits(1, 31, 1);
        long allMonths = Field.bits(1, 12, 1);
        long allDow = Field.bits(0, 6, 1);
        switch (descriptor) {
            case "@yearly", "@annually":
                return new CronSchedule(spec, zone, 1L, 1L, 1L << 1, 1L << 1, allDow, false, true, 0);
            case "@monthly":
                return new CronSchedule(spec, zone, 1L, 1L, 1L << 1, allMonths, allDow, false, true, 0);
            case "@weekly":
                return new CronSchedule(spec, zone, 1L, 1L, allDom, allMonths, 1L, true, false, 0);
            case "@daily", "@midnight":
                return new CronSchedule(spec, zone, 1L, 1L, allDom, allMonths, allDow, true, true, 0);
            case "@hourly":
                return new CronSchedule(spec, zone, 1L, allHours, allDom, allMonths, allDow, true, true, 0);
            default:
                break;
        }
        String every = "@every ";
        if (descriptor.startsWith(every)) {
            long nanos;
            try {
                nanos = GoDuration.parseNanos(descriptor.substring(every.length()));
            } catch (IllegalArgumentException e) {
                throw new CronParseException(spec, "invalid @every duration: " + e.getMessage());
            }
            return new CronSchedule(spec, zone, 0, 0, 0, 0, 0, false, false,
                    everyDelaySeconds(nanos));
        }
        throw new CronParseException(spec, "unrecognized descriptor " + GoStrings.quote(descriptor));
    }

    /** The expression exactly as given to {@link #parse}. */
    public String spec() {
        return spec;
    }

    /** The zone the schedule is evaluated in: the {@code CRON_TZ=} zone if any, else the default zone. */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The earliest activation strictly after {@code after}, at whole-second resolution: {@code after} is first
     * truncated to its second and moved one second on (so 12:10:00.000 and 12:09:59.500 search from 12:10:01 and
     * 12:10:00 respectively). {@code null} when nothing matches within five years, robfig's zero time.
     */
    public Instant next(Instant after) {
        Objects.requireNonNull(after, "after");
        if (everySeconds > 0) {
            return Instant.ofEpochSecond(after.getEpochSecond() + everySeconds);
        }
        long found = search(after.getEpochSecond() + 1);
        return found == NONE ? null : Instant.ofEpochSecond(found);
    }

    /**
     * robfig's {@code SpecSchedule.Next} over epoch seconds. The loop structure (including which steps reset
     * lower fields and where it restarts from the month) is deliberately the same as robfig's, since its DST
     * behaviour emerges from exactly that structure. The only change is speed: inside a stretch with a constant
     * UTC offset, runs of non-matching hours/minutes/seconds are skipped in one jump instead of one unit at a
     * time; near a transition it falls back to single steps so that the wall-clock sequence seen is robfig's.
     */
    private long search(long start) {
        Cursor s = new Cursor(new GoClock(zone), start);
        s.c.at(s.t);
        int yearLimit = s.c.year + 5;
        int restarts = 0;
        while (true) {
            s.c.at(s.t);
            // The restart cap is a backstop against tz-data oddities like the one handled in the day loop: a
            // controller thread that never returns is far worse than a schedule treated as never firing. Real
            // searches restart at most a few hundred times (once per month and day tried over five years).
            if (s.c.year > yearLimit || ++restarts > MAX_RESTARTS) {
                return NONE;
            }
            // each step either leaves its field matching or wraps into the next higher unit, which restarts the
            // search from the month as robfig's "goto WRAP" does
            if (monthWrapped(s) || dayWrapped(s) || hourWrapped(s) || minuteWrapped(s) || secondWrapped(s)) {
                continue;
            }
            return s.t;
        }
    }

    /** The search's position: the instant, its wall clock, and whether a field has moved yet (robfig's {@code added}). */
    private static final class Cursor {
        final GoClock c;
        long t;
        boolean added;

        Cursor(GoClock c, long t) {
            this.c = c;
            this.t = t;
        }
    }

    private boolean monthWrapped(Cursor s) {
        GoClock c = s.c;
        while ((months & (1L << c.month)) == 0) {
            if (!s.added) {
                s.added = true;
                s.t = c.date(c.year, c.month, 1, 0, 0, 0);
            }
            s.t = c.addDate(s.t, 1, 0);
            c.at(s.t);
            if (c.month == 1) {
                return true;
            }
        }
        return false;
    }

    private boolean dayWrapped(Cursor s) {
        GoClock c = s.c;
        while (!dayMatches(c)) {
            if (!s.added) {
                s.added = true;
                s.t = c.date(c.year, c.month, c.day, 0, 0, 0);
                c.at(s.t);
            }
            int days = daysToNextMatchOrMonthEnd(c);
            if (canAddWholeDays(c, s.t, days)) {
                s.t += days * (long) GoClock.SECONDS_PER_DAY;
                c.at(s.t);
                if (c.day == 1) {
                    return true;
                }
                continue;
            }
            long before = s.t;
            s.t = c.addDate(s.t, 0, 1);
            c.at(s.t);
            // robfig's correction for days whose midnight does not exist
            if (c.hour != 0) {
                s.t += (c.hour > 12 ? 24 - c.hour : -c.hour) * 3600L;
                c.at(s.t);
            }
            if (s.t <= before) {
                // A calendar day that does not exist at all (Pacific/Apia skipped 2011-12-30) sends Go's
                // time.Date back to the day before, and robfig spins forever there. Move on by a day instead.
                s.t = before + GoClock.SECONDS_PER_DAY;
                c.at(s.t);
            }
            if (c.day == 1) {
                return true;
            }
        }
        return false;
    }

    private boolean hourWrapped(Cursor s) {
        GoClock c = s.c;
        while ((hours & (1L << c.hour)) == 0) {
            if (!s.added) {
                s.added = true;
                s.t = c.date(c.year, c.month, c.day, c.hour, 0, 0);
                c.at(s.t);
            }
            s.t = advance(c, s.t, stepsToNextOrWrap(hours, c.hour, 24), 3600);
            c.at(s.t);
            if (c.hour == 0) {
                return true;
            }
        }
        return false;
    }

    private boolean minuteWrapped(Cursor s) {
        GoClock c = s.c;
        while ((minutes & (1L << c.minute)) == 0) {
            if (!s.added) {
                s.added = true;
                s.t -= Math.floorMod(s.t, 60); // Go's Truncate works on absolute time, not wall time
                c.at(s.t);
            }
            s.t = advance(c, s.t, stepsToNextOrWrap(minutes, c.minute, 60), 60);
            c.at(s.t);
            if (c.minute == 0) {
                return true;
            }
        }
        return false;
    }

    /** The standard parser always has second = 0: a start inside a minute moves to the next whole minute. */
    private boolean secondWrapped(Cursor s) {
        GoClock c = s.c;
        while (c.second != 0) {
            s.added = true;
            s.t = advance(c, s.t, 60 - c.second, 1);
            c.at(s.t);
            if (c.second == 0) {
                return true;
            }
        }
        return false;
    }

    private boolean dayMatches(GoClock c) {
        return dayMatches(c.day, c.weekday);
    }

    private boolean dayMatches(int day, int weekday) {
        boolean dom = (daysOfMonth & (1L << day)) != 0;
        boolean dow = (daysOfWeek & (1L << weekday)) != 0;
        return domStar || dowStar ? dom && dow : dom || dow;
    }

    /** Single day steps until a matching day or the 1st of the next month (where robfig restarts). */
    private int daysToNextMatchOrMonthEnd(GoClock c) {
        int length = c.monthLength();
        for (int d = c.day + 1; d <= length; d++) {
            if (dayMatches(d, (c.weekday + d - c.day) % 7)) {
                return d - c.day;
            }
        }
        return length - c.day + 1;
    }

    /**
     * Whether {@code days} of robfig's AddDate(0, 0, 1) steps from midnight are simply {@code days * 86400}
     * seconds: true when every step and the wall time Go's time.Date first probes (the instant plus the offset)
     * stay inside the current constant-offset stretch, so neither Go's gap/overlap resolution nor robfig's
     * midnight correction can come into play.
     */
    private static boolean canAddWholeDays(GoClock c, long t, int days) {
        if (c.hour != 0) {
            return false;
        }
        long last = t + days * (long) GoClock.SECONDS_PER_DAY;
        return last < c.stretchEnd && last + c.offset < c.stretchEnd
                && t + GoClock.SECONDS_PER_DAY + c.offset >= c.stretchStart;
    }

    /** Single steps of {@code unit} seconds from a field value {@code from}: how many until a set bit or the wrap. */
    private static int stepsToNextOrWrap(long bits, int from, int size) {
        long above = bits & (-1L << (from + 1));
        int next = above == 0 ? size : Math.min(Long.numberOfTrailingZeros(above), size);
        return next - from;
    }

    /** {@code k} steps at once when they stay within one UTC offset, else one step (robfig's own granularity). */
    private static long advance(GoClock c, long t, int k, int unit) {
        long target = t + (long) k * unit;
        return target < c.stretchEnd ? target : t + unit;
    }

    @Override
    public String toString() {
        return "CronSchedule[" + spec + " @ " + zone + "]";
    }

    /** One of the five positions, with robfig's bounds and names. */
    private record Field(String name, int min, int max, Map<String, Integer> names) {

        /** Marks that a {@code *}/{@code ?} without a step above 1 was used, for the day-matching rule. */
        static final long STAR = 1L << 63;

        long parse(String spec, String field) {
            long bits = 0;
            // strings.FieldsFunc semantics: empty items between commas are dropped
            for (String item : field.split(",", -1)) {
                if (!item.isEmpty()) {
                    bits |= parseItem(spec, item);
                }
            }
            return bits;
        }

        private long parseItem(String spec, String item) {
            String[] rangeAndStep = item.split("/", -1);
            String[] lowAndHigh = rangeAndStep[0].split("-", -1);
            boolean single = lowAndHigh.length == 1;
            long start;
            long end;
            boolean star = false;
            if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
                start = min;
                end = max;
                star = true;
            } else {
                start = value(spec, item, lowAndHigh[0]);
                if (lowAndHigh.length == 1) {
                    end = start;
                } else if (lowAndHigh.length == 2) {
                    end = value(spec, item, lowAndHigh[1]);
                } else {
                    throw new CronParseException(spec, name + " " + GoStrings.quote(item) + ": too many hyphens");
                }
            }
            long step = 1;
            if (rangeAndStep.length == 2) {
                if (rangeAndStep[1].isEmpty()) {
                    throw new CronParseException(spec, name + " " + GoStrings.quote(item) + ": missing step");
                }
                step = number(rangeAndStep[1]);
                if (step < 0) {
                    throw new CronParseException(spec, name + " step " + GoStrings.quote(rangeAndStep[1]) + " in "
                            + GoStrings.quote(item) + " is not a number");
                }
                if (single) {
                    end = max;
                }
                if (step > 1) {
                    star = false;
                }
            } else if (rangeAndStep.length > 2) {
                throw new CronParseException(spec, name + " " + GoStrings.quote(item) + ": too many slashes");
            }
            if (start < min || start > max) {
                throw outOfRange(spec, start);
            }
            if (end < min || end > max) {
                throw outOfRange(spec, end);
            }
            if (start > end) {
                throw new CronParseException(spec, name + " range " + GoStrings.quote(item)
                        + ": start " + start + " is after end " + end);
            }
            if (step == 0) {
                throw new CronParseException(spec, name + " " + GoStrings.quote(item)
                        + ": step must be a positive number");
            }
            return bits((int) start, (int) end, step) | (star ? STAR : 0);
        }

        private long value(String spec, String item, String text) {
            if (text.isEmpty()) {
                throw new CronParseException(spec, name + " " + GoStrings.quote(item) + ": missing number");
            }
            if (names != null) {
                Integer named = names.get(text.toLowerCase(Locale.ROOT));
                if (named != null) {
                    return named;
                }
            }
            long v = number(text);
            if (v < 0) {
                String expected = names == null ? "a number"
                        : "a number or a name (" + (max == 12 ? "JAN-DEC" : "SUN-SAT") + ")";
                throw new CronParseException(spec, name + " value " + GoStrings.quote(text) + " is not " + expected);
            }
            return v;
        }

        private CronParseException outOfRange(String spec, long v) {
            return new CronParseException(spec, name + " value " + v + " out of range [" + min + ", " + max + "]");
        }

        /**
         * Go's {@code strconv.Atoi} restricted to what can get here (no '-', which the range split consumed):
         * optional '+', ASCII digits, int64 range. Returns -1 for anything Atoi would reject.
         */
        private static long number(String text) {
            int i = text.startsWith("+") ? 1 : 0;
            if (i == text.length()) {
                return -1;
            }
            long v = 0;
            for (; i < text.length(); i++) {
                char ch = text.charAt(i);
                if (ch < '0' || ch > '9') {
                    return -1;
                }
                if (v > (Long.MAX_VALUE - (ch - '0')) / 10) {
                    return -1;
                }
                v = v * 10 + (ch - '0');
            }
            return v;
        }

        static long bits(int from, int to, long step) {
            long bits = 0;
            for (long i = from; i <= to; i += step) {
                bits |= 1L << i;
                if (to - i < step) {
                    break;
                }
            }
            return bits;
        }
    }

    /**
     * robfig's {@code Every}: anything under a second (including zero and negative durations) becomes one second,
     * and sub-second remainders are dropped, not rounded, so {@code 1.9s} is one second.
     */
    static long everyDelaySeconds(long nanos) {
        if (nanos < 1_000_000_000L) {
            return 1;
        }
        return nanos / 1_000_000_000L;
    }
}
