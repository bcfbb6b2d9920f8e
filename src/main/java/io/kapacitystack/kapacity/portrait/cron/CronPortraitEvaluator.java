package io.kapacitystack.kapacity.portrait.cron;

import io.kapacitystack.kapacity.gocompat.GoStrings;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides which ReplicaCron rule is active at an instant (Kapacity's {@code pkg/portrait/provider/cron.go}), as upstream's {@code getActiveReplicaCron}
 * and {@code util.IsCronActive} do, and when the answer can next change. Pure apart from a parse cache; safe to
 * share between threads.
 *
 * <h2>Activity</h2>
 * For each rule, {@code nextStart = start.next(now)} and {@code nextEnd = end.next(now)} in the rule's zone; the
 * rule is active iff {@code nextStart} is after {@code nextEnd}, i.e. the next thing to happen is the window
 * closing. This yields a {@code [start, end)} window at second granularity. "Never within five years"
 * ({@code null} here, Go's zero time upstream) is compared the way Go compares its zero time, as the earliest
 * possible instant:
 * <ul>
 * <li>{@code nextEnd == null}, {@code nextStart != null}: active, with no expire time (never expires);</li>
 * <li>{@code nextStart == null}, {@code nextEnd != null}: <b>not</b> active. A start that never fires cannot open a
 *     window, and upstream ({@code zero.After(end)} is false) agrees; counting it active would pin the replicas
 *     forever;</li>
 * <li>both {@code null}, or both equal: not active.</li>
 * </ul>
 * Because activity is inferred from the <em>next</em> events only, a start that robfig skips makes the rule look
 * active before it: with start {@code 30 2 * * *} and end {@code 0 4 * * *} in Europe/Berlin, 02:30 does not exist
 * on the spring-forward day, so the rule is active from 04:00 the day before until 04:00 that day. Upstream
 * behaves the same, so this is kept (and tested).
 *
 * <h2>Errors</h2>
 * Rules are processed in order and the first problem wins, with upstream's messages: zone
 * ({@code failed to load time zone of cron "<name>": ...}), expressions ({@code failed to check active for cron
 * "<name>": failed to parse start cron "<expr>": ...}), or a second active rule ({@code found overlapping cron
 * "<first>" and "<second>"}).
 *
 * <h2>Next boundary</h2>
 * Upstream re-evaluates when any rule's start or end cron fires. {@link Evaluation#nextBoundary()} is the earliest
 * of all rules' {@code nextStart}/{@code nextEnd}, so a controller can arm a single timer for that instant instead.
 * It is also given for the overlap error, since an overlap resolves itself when a window closes; it is
 * {@code null} after a zone or parse error (upstream registers no triggers then) and when no rule ever fires.
 */
public final class CronPortraitEvaluator {

    /** Enough for every distinct (expression, zone) pair of a large cluster; each entry is ~200 bytes. */
    public static final int DEFAULT_CACHE_CAPACITY = 16_384;

    private final int cacheCapacity;
    /** Value: {@link CronSchedule} or the {@link CronParseException} it failed with (bad input is re-evaluated too). */
    private final ConcurrentHashMap<CacheKey, Object> cache = new ConcurrentHashMap<>();

    public CronPortraitEvaluator() {
        this(DEFAULT_CACHE_CAPACITY);
    }

    public CronPortraitEvaluator(int cacheCapacity) {
        if (cacheCapacity < 1) {
            throw new IllegalArgumentException("cacheCapacity must be positive, got " + cacheCapacity);
        }
        this.cacheCapacity = cacheCapacity;
    }

    /** The outcome of {@link #evaluate}. */
    public sealed interface Evaluation permits Failed, Inactive, Active {

        /** Earliest instant at which any rule's start or end fires after {@code now}; {@code null} if none. */
        Instant nextBoundary();
    }

    /** The provider must report an error (upstream: {@code FailedUpdateAndFetchPortraitValue}). */
    public record Failed(String message, Instant nextBoundary) implements Evaluation {
    }

    /** No rule is active: the Cron provider proposes no value. */
    public record Inactive(Instant nextBoundary) implements Evaluation {
    }

    /**
     * Exactly one rule is active.
     *
     * @param expireTime the rule's next end, after which the value is stale; {@code null} = never expires
     */
    public record Active(String name, int replicas, Instant expireTime, Instant nextBoundary) implements Evaluation {
    }

    /** Evaluates {@code rules} at {@code now}; a {@code null} or empty list is simply inactive, as upstream. */
    public Evaluation evaluate(List<ReplicaCronRule> rules, Instant now) {
        if (rules == null || rules.isEmpty()) {
            return new Inactive(null);
        }
        ReplicaCronRule active = null;
        Instant expireTime = null;
        Instant boundary = null;
        String overlap = null;
        for (ReplicaCronRule rule : rules) {
            ZoneId zone;
            try {
                zone = TimeZones.load(rule.timeZone());
            } catch (IllegalArgumentException e) {
                return new Failed(overlap != null ? overlap
                        : "failed to load time zone of cron " + GoStrings.quote(rule.name()) + ": " + e.getMessage(),
                        null);
            }
            CronSchedule start;
            CronSchedule end;
            try {
                start = scheduleFor("start", rule.start(), zone);
                end = scheduleFor("end", rule.end(), zone);
            } catch (RuleException e) {
                return new Failed(overlap != null ? overlap
                        : "failed to check active for cron " + GoStrings.quote(rule.name()) + ": " + e.getMessage(),
                        null);
            }
            Instant nextStart = start.next(now);
            Instant nextEnd = end.next(now);
            boundary = earliest(earliest(boundary, nextStart), nextEnd);
            if (overlap != null || !isActive(nextStart, nextEnd)) {
                continue;
            }
            if (active != null) {
                // keep going only to complete the boundary: the overlap ends when one of the windows closes
                overlap = "found overlapping cron " + GoStrings.quote(active.name()) + " and "
                        + GoStrings.quote(rule.name());
                continue;
            }
            active = rule;
            expireTime = nextEnd;
        }
        if (overlap != null) {
            return new Failed(overlap, boundary);
        }
        if (active == null) {
            return new Inactive(boundary);
        }
        return new Active(active.name(), active.replicas(), expireTime, boundary);
    }

    /**
     * Every problem of {@code rules} at once, for admission-style reporting (upstream reports only the first, at
     * reconcile time). Each message starts with the rule's position, e.g.
     * {@code crons[1]: failed to parse end cron "0 25 * * *": hour value 25 out of range [0, 23]}.
     * Besides what {@link #evaluate} would reject, it flags what the CRD promises but upstream never checks:
     * an empty list, missing or duplicate names and negative replicas.
     */
    public List<String> validate(List<ReplicaCronRule> rules) {
        List<String> problems = new ArrayList<>();
        if (rules == null || rules.isEmpty()) {
            problems.add("at least one cron rule is required");
            return problems;
        }
        Map<String, Integer> firstIndexByName = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String at = "crons[" + i + "]: ";
            ReplicaCronRule rule = rules.get(i);
            if (rule == null) {
                problems.add(at + "rule is null");
                continue;
            }
            if (rule.name() == null || rule.name().isBlank()) {
                problems.add(at + "name is required");
            } else {
                Integer first = firstIndexByName.putIfAbsent(rule.name(), i);
                if (first != null) {
                    problems.add(at + "duplicate name " + GoStrings.quote(rule.name()) + " (first used by crons["
                            + first + "])");
                }
            }
            ZoneId zone = ZoneOffset.UTC;
            try {
                zone = TimeZones.load(rule.timeZone());
            } catch (IllegalArgumentException e) {
                problems.add(at + "failed to load time zone of cron " + GoStrings.quote(rule.name()) + ": "
                        + e.getMessage());
            }
            // checked even after a bad zone (against UTC) so that all mistakes show up in one round trip
            for (String which : new String[] {"start", "end"}) {
                try {
                    scheduleFor(which, "start".equals(which) ? rule.start() : rule.end(), zone);
                } catch (RuleException e) {
                    problems.add(at + e.getMessage());
                }
            }
            if (rule.replicas() < 0) {
                problems.add(at + "replicas must be >= 0, got " + rule.replicas());
            }
        }
        return problems;
    }

    /**
     * {@link CronSchedule#parse} through the cache. Parsing costs about as much as a whole evaluation, and the
     * controller evaluates the same few expressions over and over.
     */
    public CronSchedule schedule(String spec, ZoneId defaultZone) {
        CacheKey key = new CacheKey(spec == null ? "" : spec, defaultZone == null ? ZoneOffset.UTC : defaultZone);
        Object cached = cache.get(key);
        if (cached == null) {
            try {
                cached = CronSchedule.parse(key.spec(), key.zone());
            } catch (CronParseException e) {
                cached = e;
            }
            if (cache.size() >= cacheCapacity) {
                evictSome();
            }
            cache.putIfAbsent(key, cached);
        }
        if (cached instanceof CronParseException e) {
            throw e;
        }
        return (CronSchedule) cached;
    }

    /**
     * Drops an arbitrary quarter of the entries: no LRU bookkeeping on the hot read path, and a cluster whose
     * distinct expressions exceed the capacity still keeps most of them.
     */
    private void evictSome() {
        int toRemove = Math.max(1, cacheCapacity / 4);
        Iterator<CacheKey> it = cache.keySet().iterator();
        while (toRemove-- > 0 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    int cacheSize() {
        return cache.size();
    }

    private CronSchedule scheduleFor(String which, String spec, ZoneId zone) {
        try {
            return schedule(spec, zone);
        } catch (CronParseException e) {
            throw new RuleException("failed to parse " + which + " cron " + GoStrings.quote(e.spec()) + ": "
                    + e.detail());
        }
    }

    private static boolean isActive(Instant nextStart, Instant nextEnd) {
        return nextStart != null && (nextEnd == null || nextStart.isAfter(nextEnd));
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return b.isBefore(a) ? b : a;
    }

    private record CacheKey(String spec, ZoneId zone) {
    }

    /** Internal carrier of an already-worded message. */
    private static final class RuleException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        RuleException(String message) {
            super(message, null, false, false);
        }
    }
}
