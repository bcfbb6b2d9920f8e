package io.kapacitystack.kapacity.grpc;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link TokenAuthenticator} of the manager's {@code --grpc-server-token-auth}: asks the API server
 * ({@code authentication.k8s.io/v1} TokenReview) whether a client's bearer token is valid, e.g. the service-account
 * token of an algorithm job. Any identity the API server authenticates is admitted (authentication, not
 * authorization); with an audience, only tokens issued for it (projected service-account tokens with that
 * audience) are.
 *
 * <p>The blocking fabric8 call runs on the {@link KubeExecutor}'s workers, never on the event loop. Answers are
 * cached by the token's SHA-256 (the token itself is not kept): valid tokens for {@code positiveTtl}, invalid ones
 * for {@code negativeTtl}, both on the injected {@link Clock}; concurrent calls with the same uncached token share
 * one review. A review that fails (API server unreachable, an error status, no permission to create TokenReviews)
 * fails the returned future (the gRPC call gets UNAVAILABLE) and is not cached.
 */
public final class TokenReviewAuthenticator implements TokenAuthenticator {

    public static final Duration DEFAULT_POSITIVE_TTL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(10);
    /** At most this many cached answers; expired ones are dropped first, then the whole cache. */
    static final int MAX_ENTRIES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(TokenReviewAuthenticator.class);

    private record Entry(boolean valid, Instant expires) {
    }

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final Clock clock;
    private final String audience;
    private final Duration positiveTtl;
    private final Duration negativeTtl;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final Map<String, Future<Boolean>> inFlight = new ConcurrentHashMap<>();

    /** @param audience the audience tokens must be issued for; null or blank = the API server's default */
    public TokenReviewAuthenticator(KubernetesClient client, KubeExecutor executor, Clock clock, String audience) {
        this(client, executor, clock, audience, DEFAULT_POSITIVE_TTL, DEFAULT_NEGATIVE_TTL);
    }

    public TokenReviewAuthenticator(KubernetesClient client, KubeExecutor executor, Clock clock, String audience,
                                    Duration positiveTtl, Duration negativeTtl) {
        this.client = client;
        this.executor = executor;
        this.clock = clock;
        this.audience = audience == null || audience.isBlank() ? null : audience.trim();
        this.positiveTtl = positiveTtl;
        this.negativeTtl = negativeTtl;
    }

    @Override
    public Future<Boolean> authenticate(String token) {
        String key = sha256(token);
        Instant now = clock.now();
        Entry cached = cache.get(key);
        if (cached != null) {
            if (now.isBefore(cached.expires())) {
                return Future.succeededFuture(cached.valid());
            }
            cache.remove(key, cached);
        }
        Future<Boolean> pending = inFlight.get(key);
        if (pending != null) {
            return pending;
        }
        Future<Boolean> review = executor.call(() -> review(token)).andThen(ar -> {
            inFlight.remove(key);
            if (ar.succeeded()) {
                remember(key, new Entry(ar.result(), clock.now().plus(ar.result() ? positiveTtl : negativeTtl)));
            } else {
                LOG.warn("TokenReview failed: {}", ar.cause().getMessage());
            }
        });
        // a review answered before this line (cannot happen with a worker pool, but cheap to be sure of)
        if (!review.isComplete()) {
            inFlight.put(key, review);
        }
        return review;
    }

    /** Blocking: one TokenReview. */
    private boolean review(String token) {
        TokenReviewBuilder b = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec();
        if (audience != null) {
            b.editSpec().withAudiences(audience).endSpec();
        }
        TokenReview answer = client.authentication().v1().tokenReviews().create(b.build());
        TokenReviewStatus status = answer == null ? null : answer.getStatus();
        if (status == null) {
            throw new IllegalStateException("TokenReview answered without a status");
        }
        if (!Boolean.TRUE.equals(status.getAuthenticated())) {
            if (status.getError() != null && !status.getError().isBlank()) {
                LOG.debug("bearer token refused: {}", status.getError());
            }
            return false;
        }
        if (audience != null) {
            List<String> audiences = status.getAudiences();
            if (audiences == null || !audiences.contains(audience)) {
                LOG.debug("bearer token of {} is not for audience {}", user(status), audience);
                return false;
            }
        }
        return true;
    }

    private static String user(TokenReviewStatus status) {
        return status.getUser() == null ? "?" : status.getUser().getUsername();
    }

    private void remember(String key, Entry entry) {
        if (cache.size() >= MAX_ENTRIES) {
            Instant now = clock.now();
            cache.values().removeIf(e -> !now.isBefore(e.expires()));
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
        }
        cache.put(key, entry);
    }

    /** Cached answers (for tests). */
    int cached() {
        return cache.size();
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
