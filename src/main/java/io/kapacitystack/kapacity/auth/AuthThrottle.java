package io.kapacitystack.kapacity.auth;

import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Limits how often one client address may present a token that turns out invalid (a console login or bearer write, a
 * gRPC metrics call), and how many token checks run at once. Without it a token-checking endpoint is a way to guess
 * tokens, and, with the Kubernetes authenticators, to make the API server run a TokenReview per request. Each address has a bucket of
 * {@link #BURST} attempts refilled at one per {@link #REFILL}; an attempt takes one, and gets it back if the token was
 * valid or could not be checked (the API unreachable is not the client's fault).
 *
 * <p>The address is the connection's peer: behind a proxy every client shares the proxy's bucket (forwarded headers
 * are not trusted, since a client can set them), which at worst slows logins down, never lets guesses through.
 */
public final class AuthThrottle {

    public static final int BURST = 10;
    public static final Duration REFILL = Duration.ofSeconds(30);
    public static final int MAX_IN_FLIGHT = 32;
    public static final int MAX_ADDRESSES = 10_000;

    /** What {@link #acquire} answers: a {@link Permit} or a {@link Denied}. */
    public sealed interface Attempt permits Permit, Denied {
    }

    /** A reserved attempt; {@link #release} it once the token has been checked. */
    public non-sealed interface Permit extends Attempt {
        /** @param refund true when the token was valid or could not be checked */
        void release(boolean refund);
    }

    /** Why an attempt is refused now, and when to try again. */
    public record Denied(String message, long retryAfterSeconds) implements Attempt {
    }

    /** An attempt's price in milliseconds of refill; a bucket holds up to {@link #BURST} of them. */
    private static final long COST = REFILL.toMillis();
    private static final long CAPACITY = BURST * COST;

    private static final class Bucket {
        long credit = CAPACITY; // milliseconds of refill, exact (no rounding in the wait we tell the client)
        Instant at;

        Bucket(Instant at) {
            this.at = at;
        }
    }

    private final Supplier<Instant> clock;
    private final Map<String, Bucket> buckets = new HashMap<>();
    private int inFlight;

    /** @param clock the controller's clock (the injected one, as every time in the console) */
    public AuthThrottle(Supplier<Instant> clock) {
        this.clock = clock;
    }

    /** {@link #acquire(String)} for a connection's peer (its host; "unknown" when the transport has none). */
    public Attempt acquire(SocketAddress peer) {
        return acquire(peer == null || peer.host() == null ? "unknown" : peer.host());
    }

    public synchronized Attempt acquire(String address) {
        if (inFlight >= MAX_IN_FLIGHT) {
            return new Denied("Too many token checks at once: try again in a moment.", 1);
        }
        Instant now = clock.get();
        Bucket b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= MAX_ADDRESSES) {
                forgetIdle(now);
            }
            b = new Bucket(now);
            buckets.put(address, b);
        }
        refill(b, now);
        if (b.credit < COST) {
            long wait = Math.max(1, (COST - b.credit + 999) / 1000);
            return new Denied("Too many invalid tokens from your address: try again in " + wait + " s.", wait);
        }
        b.credit -= COST;
        inFlight++;
        Bucket taken = b;
        return (Permit) refund -> release(address, taken, refund);
    }

    private synchronized void release(String address, Bucket b, boolean refund) {
        inFlight--;
        if (refund) {
            b.credit = Math.min(CAPACITY, b.credit + COST);
            if (b.credit >= CAPACITY) {
                buckets.remove(address, b); // nothing to remember about this address
            }
        }
    }

    private static void refill(Bucket b, Instant now) {
        long elapsed = Math.max(0, Duration.between(b.at, now).toMillis());
        b.credit = Math.min(CAPACITY, b.credit + elapsed);
        b.at = now;
    }

    /** Drops the buckets that have refilled, then, if still too many, the longest unused. */
    private void forgetIdle(Instant now) {
        buckets.values().forEach(b -> refill(b, now));
        buckets.values().removeIf(b -> b.credit >= CAPACITY);
        while (buckets.size() >= MAX_ADDRESSES) {
            buckets.entrySet().stream().min(Comparator.comparing(e -> e.getValue().at))
                    .ifPresent(e -> buckets.remove(e.getKey()));
        }
    }

    public synchronized int addresses() {
        return buckets.size();
    }
}
