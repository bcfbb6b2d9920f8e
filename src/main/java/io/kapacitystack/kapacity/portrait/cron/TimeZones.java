package io.kapacitystack.kapacity.portrait.cron;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Go's {@code time.LoadLocation} for the names a ReplicaCron {@code timeZone} or a {@code CRON_TZ=} prefix may hold.
 *
 * <p>Only IANA region names (and Go's special names) are accepted, not everything {@link ZoneId#of} takes:
 * {@code +08:00}, {@code GMT+8} or {@code UTC+8} would fail upstream, and an IHPA that works here must work
 * there. Error texts are Go's, because they end up in IHPA conditions.
 */
public final class TimeZones {

    /** Copied once: {@link ZoneId#getAvailableZoneIds()} builds a fresh set on every call. */
    private static final Set<String> REGION_IDS = Set.copyOf(ZoneId.getAvailableZoneIds());
    private static final ConcurrentHashMap<String, ZoneId> CACHE = new ConcurrentHashMap<>();

    private TimeZones() {
    }

    /**
     * {@code ""} and {@code "UTC"} are UTC; {@code "Local"} is the JVM's default zone (Go's {@code time.Local});
     * anything else must be a tz database name known to the JDK.
     *
     * @throws IllegalArgumentException with Go's message, e.g. {@code unknown time zone Mars/Olympus}
     */
    public static ZoneId load(String name) {
        if (name == null || name.isEmpty() || name.equals("UTC")) {
            return ZoneOffset.UTC;
        }
        if (name.equals("Local")) {
            return ZoneId.systemDefault();
        }
        ZoneId cached = CACHE.get(name);
        if (cached != null) {
            return cached;
        }
        if (name.contains("..") || name.charAt(0) == '/' || name.charAt(0) == '\\') {
            throw new IllegalArgumentException("time: invalid location name");
        }
        if (!REGION_IDS.contains(name)) {
            throw new IllegalArgumentException("unknown time zone " + name);
        }
        ZoneId zone = ZoneId.of(name);
        // unbounded is fine: keys are limited to the JDK's few hundred region names
        CACHE.putIfAbsent(name, zone);
        return zone;
    }
}
