package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;

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
 * In a cluster: a bearer token is checked with a TokenReview, and each write with a SubjectAccessReview (verb on
 * {@code intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io} in the namespace), so a console user can
 * do exactly what RBAC lets them. Both calls are blocking fabric8 calls and run on the manager's
 * {@link KubeExecutor} workers, never on the event loop. Answers (also refusals) are cached for {@code ttl} of the
 * injected clock, so a page of writes costs one review each, not one per request.
 * The manager's service account needs {@code create} on tokenreviews and subjectaccessreviews (the chart grants
 * it when console authentication is on).
 */
public final class KubernetesAuthenticator implements ConsoleAuthenticator {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
    static final int MAX_ENTRIES = 10_000;

    private final KubernetesClient client;
    private final KubeExecutor executor;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Cached<User>> users = new ConcurrentHashMap<>();
    private final Map<String, Cached<Boolean>> decisions = new ConcurrentHashMap<>();

    record Cached<T>(T value, String refusal, Instant expires) {
    }

    public KubernetesAuthenticator(KubernetesClient client, KubeExecutor executor, Clock clock, Duration ttl) {
        this.client = client;
        this.executor = executor;
        this.clock = clock;
        this.ttl = ttl;
    }

    @Override
    public String mode() {
        return "kubernetes";
    }

    @Override
    public Future<User> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Future.failedFuture(new Refused("no token"));
        }
        String key = sha256(token);
        Instant now = clock.now();
        Cached<User> c = users.get(key);
        if (c != null && now.isBefore(c.expires())) {
            return c.value() != null ? Future.succeededFuture(c.value()) : Future.failedFuture(new Refused(c.refusal()));
        }
        TokenReview review = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build();
        return executor.call(() -> client.authentication().v1().tokenReviews().create(review)).compose(answer -> {
            Instant expires = clock.now().plus(ttl);
            if (answer == null || answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAuthenticated())) {
                String why = answer == null || answer.getStatus() == null || answer.getStatus().getError() == null
                        || answer.getStatus().getError().isBlank() ? "the token is not valid" : "the token is not valid: " + answer.getStatus().getError();
                put(users, key, new Cached<>(null, why, expires));
                return Future.failedFuture(new Refused(why));
            }
            UserInfo info = answer.getStatus().getUser();
            User user = new User(info == null ? "" : info.getUsername(), info == null || info.getGroups() == null ? List.of()
                    : List.copyOf(info.getGroups()), info == null ? null : info.getUid(), token);
            put(users, key, new Cached<>(user, null, expires));
            return Future.succeededFuture(user);
        });
    }

    @Override
    public Future<Boolean> allowed(User user, String verb, String namespace) {
        if (user == null) {
            return Future.succeededFuture(false);
        }
        String key = sha256(user.name() + "\u0000" + String.join(",", user.groups()) + "\u0000" + user.uid() + "\u0000" + verb
                + "\u0000" + namespace);
        Instant now = clock.now();
        Cached<Boolean> c = decisions.get(key);
        if (c != null && now.isBefore(c.expires())) {
            return Future.succeededFuture(c.value());
        }
        SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec()
                .withUser(user.name()).withGroups(user.groups()).withUid(user.uid())
                .withNewResourceAttributes().withGroup(GROUP).withResource(RESOURCE).withVerb(verb).withNamespace(namespace)
                .endResourceAttributes().endSpec().build();
        return executor.call(() -> client.authorization().v1().subjectAccessReview().create(review)).map(answer -> {
            boolean ok = answer != null && answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed())
                    && !Boolean.TRUE.equals(answer.getStatus().getDenied());
            put(decisions, key, new Cached<>(ok, null, clock.now().plus(ttl)));
            return ok;
        });
    }

    private <T> void put(Map<String, Cached<T>> map, String key, Cached<T> value) {
        if (map.size() >= MAX_ENTRIES) {
            Instant now = clock.now();
            map.values().removeIf(c -> !now.isBefore(c.expires()));
            if (map.size() >= MAX_ENTRIES) {
                map.clear();
            }
        }
        map.put(key, value);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
