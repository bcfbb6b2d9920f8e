package io.kapacitystack.kapacity.auth;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthThrottleTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T10:00:00Z"));
    private final AuthThrottle throttle = new AuthThrottle(now::get);

    private void fail(String address) {
        assertInstanceOf(AuthThrottle.Permit.class, throttle.acquire(address)).release(false);
    }

    @Test
    void anAddressMayPresentTenInvalidTokensThenOneEveryThirtySeconds() {
        for (int i = 0; i < AuthThrottle.BURST; i++) {
            fail("10.0.0.1");
        }
        AuthThrottle.Denied denied = assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("10.0.0.1"));
        assertEquals(30, denied.retryAfterSeconds());
        assertTrue(denied.message().contains("try again in 30 s"), denied.message());
        // other addresses are not affected
        fail("10.0.0.2");

        now.set(now.get().plus(Duration.ofSeconds(20)));
        assertEquals(10, assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("10.0.0.1")).retryAfterSeconds());
        now.set(now.get().plus(Duration.ofSeconds(10)));
        fail("10.0.0.1");
        assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("10.0.0.1"));
    }

    @Test
    void validOrUncheckableTokensCostNothing() {
        for (int i = 0; i < 3 * AuthThrottle.BURST; i++) {
            assertInstanceOf(AuthThrottle.Permit.class, throttle.acquire("10.0.0.3")).release(true);
        }
        assertEquals(0, throttle.addresses(), "an address with a full bucket is forgotten");
        for (int i = 0; i < AuthThrottle.BURST; i++) {
            fail("10.0.0.3");
        }
        assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("10.0.0.3"));
    }

    @Test
    void checksInFlightAreCapped() {
        List<AuthThrottle.Permit> held = new ArrayList<>();
        for (int i = 0; i < AuthThrottle.MAX_IN_FLIGHT; i++) {
            held.add(assertInstanceOf(AuthThrottle.Permit.class, throttle.acquire("10.1.0." + i)));
        }
        AuthThrottle.Denied busy = assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("10.2.0.1"));
        assertTrue(busy.message().contains("at once"), busy.message());
        held.remove(0).release(true);
        assertInstanceOf(AuthThrottle.Permit.class, throttle.acquire("10.2.0.1")).release(true);
        held.forEach(p -> p.release(true));
    }

    @Test
    void theAddressTableIsBounded() {
        for (int i = 0; i < AuthThrottle.MAX_ADDRESSES + 100; i++) {
            fail("addr-" + i);
        }
        assertTrue(throttle.addresses() <= AuthThrottle.MAX_ADDRESSES, "addresses: " + throttle.addresses());
        // the newest addresses are kept
        for (int i = 1; i < AuthThrottle.BURST; i++) {
            fail("addr-" + (AuthThrottle.MAX_ADDRESSES + 99));
        }
        assertInstanceOf(AuthThrottle.Denied.class, throttle.acquire("addr-" + (AuthThrottle.MAX_ADDRESSES + 99)));
    }
}
