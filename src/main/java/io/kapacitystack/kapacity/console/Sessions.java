package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.runtime.time.Clock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions of authenticated console users, in memory: a random id (the HttpOnly cookie) maps to the user and
 * a CSRF token of its own (synchronizer token: every write must echo it in {@code X-CSRF-Token} or {@code _csrf}).
 * Sessions end at logout, after {@link #IDLE} without use, or when the process restarts.
 */
final class Sessions {

    static final String COOKIE = "kapacity_session";
    static final String LOGIN_COOKIE = "kapacity_login";
    static final Duration IDLE = Duration.ofHours(8);
    static final int MAX = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String id, ConsoleAuthenticator.User user, String csrf) {
    }

    private record Entry(Session session, Instant lastUse) {
    }

    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    Sessions(Clock clock) {
        this.clock = clock;
    }

    static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    Session create(ConsoleAuthenticator.User user) {
        Instant now = clock.now();
        if (sessions.size() >= MAX) {
            sessions.values().removeIf(e -> e.lastUse().plus(IDLE).isBefore(now));
        }
        Session s = new Session(random(), user, random());
        sessions.put(s.id(), new Entry(s, now));
        return s;
    }

    /** The live session of this id, or null. */
    Session get(String id) {
        if (id == null || id.isEmpty()) {
            return null;
        }
        Entry e = sessions.get(id);
        if (e == null) {
            return null;
        }
        Instant now = clock.now();
        if (e.lastUse().plus(IDLE).isBefore(now)) {
            sessions.remove(id);
            return null;
        }
        sessions.put(id, new Entry(e.session(), now));
        return e.session();
    }

    void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    int size() {
        return sessions.size();
    }

    /** Constant-time comparison of a presented token with the expected one. */
    static boolean same(String expected, String presented) {
        return expected != null && presented != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }
}
