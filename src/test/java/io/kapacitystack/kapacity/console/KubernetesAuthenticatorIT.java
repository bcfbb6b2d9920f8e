package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.kapacitystack.kapacity.testing.MockCluster.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TokenReview and SubjectAccessReview through fabric8 against a fake API server that answers like a real one: the
 * requests' contents, the answers' use, that the calls leave the event loop, and the cache on the injected clock.
 */
class KubernetesAuthenticatorIT {

    Vertx vertx;
    HttpServer api;
    KubernetesClient client;
    KubeExecutor executor;
    ManualClock clock;
    KubernetesAuthenticator auth;
    final List<JsonObject> tokenReviews = new CopyOnWriteArrayList<>();
    final List<JsonObject> accessReviews = new CopyOnWriteArrayList<>();
    final List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        api = join(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            JsonObject in = body.toJsonObject();
            JsonObject answer = in.copy();
            if (req.path().equals("/apis/authentication.k8s.io/v1/tokenreviews")) {
                tokenReviews.add(in);
                boolean good = "good-token".equals(in.getJsonObject("spec").getString("token"));
                answer.put("status", good
                        ? new JsonObject().put("authenticated", true).put("user", new JsonObject().put("username", "alice")
                        .put("uid", "u-1").put("groups", new JsonArray().add("dev").add("system:authenticated")))
                        : new JsonObject().put("authenticated", false).put("error", "token has expired"));
            } else if (req.path().equals("/apis/authorization.k8s.io/v1/subjectaccessreviews")) {
                accessReviews.add(in);
                JsonObject ra = in.getJsonObject("spec").getJsonObject("resourceAttributes");
                boolean allowed = "team-a".equals(ra.getString("namespace")) && !"delete".equals(ra.getString("verb"));
                answer.put("status", new JsonObject().put("allowed", allowed));
            } else {
                req.response().setStatusCode(404).end();
                return;
            }
            req.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(answer.encode());
        })).listen(0, "127.0.0.1").toCompletionStage());
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + api.actualPort())
                .withRequestRetryBackoffLimit(0).build()).build();
        executor = new KubeExecutor(vertx, 0, 1, 2);
        clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        auth = new KubernetesAuthenticator(client, executor, clock, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        client.close();
        executor.close();
        join(api.close().toCompletionStage());
        join(vertx.close().toCompletionStage());
    }

    /** Calls from an event loop, as the console does, and waits. */
    <T> T onLoop(java.util.function.Supplier<Future<T>> call) throws Exception {
        var ctx = vertx.getOrCreateContext();
        java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
        ctx.runOnContext(v -> call.get().onSuccess(out::complete).onFailure(out::completeExceptionally));
        return out.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aValidTokenIsTheUserTheApiSays() throws Exception {
        ConsoleAuthenticator.User u = onLoop(() -> auth.authenticate("good-token"));
        assertEquals("alice", u.name());
        assertEquals(List.of("dev", "system:authenticated"), u.groups());
        assertEquals("u-1", u.uid());
        assertEquals(1, tokenReviews.size());
        assertEquals("good-token", tokenReviews.get(0).getJsonObject("spec").getString("token"));
        assertEquals("TokenReview", tokenReviews.get(0).getString("kind"));
        assertFalse(u.toString().contains("good-token"), "the token never reaches a log line");
    }

    @Test
    void anInvalidTokenIsRefusedWithTheApisReason() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> onLoop(() -> auth.authenticate("stolen")));
        assertInstanceOf(ConsoleAuthenticator.Refused.class, e.getCause());
        assertEquals("the token is not valid: token has expired", e.getCause().getMessage());
        assertThrows(ExecutionException.class, () -> onLoop(() -> auth.authenticate("")));
        assertEquals(1, tokenReviews.size(), "an empty token is refused without asking");
    }

    @Test
    void eachWriteIsASubjectAccessReviewForItsNamespaceAndVerb() throws Exception {
        ConsoleAuthenticator.User u = onLoop(() -> auth.authenticate("good-token"));
        assertTrue(onLoop(() -> auth.allowed(u, "create", "team-a")));
        assertFalse(onLoop(() -> auth.allowed(u, "create", "team-b")));
        assertFalse(onLoop(() -> auth.allowed(u, "delete", "team-a")));
        assertEquals(3, accessReviews.size());
        JsonObject spec = accessReviews.get(0).getJsonObject("spec");
        assertEquals("alice", spec.getString("user"));
        assertEquals("u-1", spec.getString("uid"));
        assertEquals(new JsonArray().add("dev").add("system:authenticated"), spec.getJsonArray("groups"));
        JsonObject ra = spec.getJsonObject("resourceAttributes");
        assertEquals("autoscaling.kapacitystack.io", ra.getString("group"));
        assertEquals("intelligenthorizontalpodautoscalers", ra.getString("resource"));
        assertEquals("create", ra.getString("verb"));
        assertEquals("team-a", ra.getString("namespace"));
    }

    @Test
    void answersAreCachedBrieflyOnTheInjectedClock() throws Exception {
        ConsoleAuthenticator.User u = onLoop(() -> auth.authenticate("good-token"));
        onLoop(() -> auth.authenticate("good-token"));
        assertThrows(ExecutionException.class, () -> onLoop(() -> auth.authenticate("stolen")));
        assertThrows(ExecutionException.class, () -> onLoop(() -> auth.authenticate("stolen")));
        onLoop(() -> auth.allowed(u, "update", "team-a"));
        onLoop(() -> auth.allowed(u, "update", "team-a"));
        assertEquals(2, tokenReviews.size(), "one review per token, refusals cached too");
        assertEquals(1, accessReviews.size());

        clock.advance(Duration.ofSeconds(9));
        onLoop(() -> auth.authenticate("good-token"));
        assertEquals(2, tokenReviews.size(), "still fresh after 9 s");
        clock.advance(Duration.ofSeconds(2));
        onLoop(() -> auth.authenticate("good-token"));
        onLoop(() -> auth.allowed(u, "update", "team-a"));
        assertEquals(3, tokenReviews.size(), "asked again after the 10 s TTL");
        assertEquals(2, accessReviews.size());
    }

    @Test
    void theReviewsRunOnWorkersNotOnTheEventLoop() throws Exception {
        KubeExecutor probing = executor;
        var ctx = vertx.getOrCreateContext();
        java.util.concurrent.CompletableFuture<String> thread = new java.util.concurrent.CompletableFuture<>();
        ctx.runOnContext(v -> probing.call(() -> Thread.currentThread().getName()).onSuccess(thread::complete));
        assertFalse(thread.get(10, TimeUnit.SECONDS).contains("eventloop"), thread.get());
        assertNotEquals(0, onLoop(() -> auth.authenticate("good-token")).name().length());
    }

    @Test
    void anUnreachableApiIsAFailureNotARefusal() {
        KubernetesClient down = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:1")
                .withRequestRetryBackoffLimit(0).build()).build();
        try {
            KubernetesAuthenticator a = new KubernetesAuthenticator(down, executor, clock, Duration.ofSeconds(10));
            ExecutionException e = assertThrows(ExecutionException.class, () -> onLoop(() -> a.authenticate("good-token")));
            assertFalse(e.getCause() instanceof ConsoleAuthenticator.Refused, e.getCause().toString());
        } finally {
            down.close();
        }
    }
}
