package io.kapacitystack.kapacity.grpc;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TokenReviewAuthenticator} behind the gRPC metrics service: real gRPC calls with bearer tokens, checked
 * against fabric8's mock API server answering TokenReviews (expectation mode: "good" and "aud-good" are valid
 * tokens, "aud-good" is the only one issued for the audience "kapacity-metrics", "forbidden" makes the API server
 * answer 403 as without the RBAC grant).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenReviewAuthIT {

    private static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final Provider.QueryLatestRequest REQUEST = Provider.QueryLatestRequest.newBuilder()
            .setQuery(Metric.Query.newBuilder().setType(Metric.QueryType.WORKLOAD_RESOURCE).setWorkloadResource(
                    Metric.WorkloadResourceQuery.newBuilder().setGroupKind(Metric.GroupKind.newBuilder()
                                    .setGroup("apps").setKind("StatefulSet"))
                            .setNamespace("default").setName("web").setResourceName("cpu").setReadyPodsOnly(true)))
            .build();

    private final Vertx vertx = Vertx.vertx();
    private final FakeProvider provider = new FakeProvider();
    private final List<TokenReview> reviews = new CopyOnWriteArrayList<>();
    private final KubernetesSerialization json = new KubernetesSerialization();
    private KubernetesMockServer api;
    private KubernetesClient client;
    private KubeExecutor executor;

    @BeforeAll
    void start() {
        api = new KubernetesMockServer(false);
        api.init();
        api.expect().post().withPath(PATH).andReply(new ResponseProvider<Object>() {
            private Headers headers = new Headers.Builder().build();

            // the request body can be read once: one answer per request, whichever method is asked first
            private final Map<RecordedRequest, Object> answers = java.util.Collections.synchronizedMap(
                    new java.util.IdentityHashMap<>());

            @Override
            public int getStatusCode(RecordedRequest req) {
                return answers.computeIfAbsent(req, r -> review(r)) instanceof TokenReview ? 201 : 403;
            }

            @Override
            public Object getBody(RecordedRequest req) {
                return answers.computeIfAbsent(req, r -> review(r));
            }

            @Override
            public Headers getHeaders() {
                return headers;
            }

            @Override
            public void setHeaders(Headers h) {
                headers = h;
            }
        }).always();
        client = api.createClient();
        executor = new KubeExecutor(vertx, 0, 1, 2);
        provider.latest = q -> Future.succeededFuture(List.of(new Sample(1000, 0.5, Map.of("pod", "web-0"), null)));
    }

    /** What the API server answers to a posted TokenReview. */
    private Object review(RecordedRequest req) {
        TokenReview posted = json.unmarshal(req.getUtf8Body(), TokenReview.class);
        reviews.add(posted);
        String token = posted.getSpec().getToken();
        if (token.equals("forbidden")) {
            return new StatusBuilder().withCode(403).withReason("Forbidden").withStatus("Failure")
                    .withMessage("tokenreviews.authentication.k8s.io is forbidden: User \"x\" cannot create "
                            + "resource \"tokenreviews\"").build();
        }
        List<String> asked = posted.getSpec().getAudiences();
        boolean valid = token.equals("good") || token.equals("aud-good");
        TokenReviewBuilder answer = new TokenReviewBuilder(posted).withNewStatus().withAuthenticated(valid)
                .endStatus();
        if (valid) {
            answer.editStatus().withNewUser().withUsername("system:serviceaccount:kapacity-system:job").endUser()
                    .endStatus();
            if (asked != null && !asked.isEmpty()) {
                // the API server answers the intersection of the asked audiences and the token's
                answer.editStatus().withAudiences(token.equals("aud-good") ? asked : List.of()).endStatus();
            }
        } else {
            answer.editStatus().withError("invalid bearer token").endStatus();
        }
        return answer.build();
    }

    @BeforeEach
    void clear() {
        reviews.clear();
        provider.lastQuery = null;
    }

    @AfterAll
    void stop() {
        executor.close();
        client.close();
        api.destroy();
        await(vertx.close());
    }

    private record Served(GrpcMetricsServer server, GrpcTestClient client) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            await(server.close());
        }
    }

    private Served serve(TokenAuthenticator auth) {
        return serve(auth, null);
    }

    private Served serve(TokenAuthenticator auth, AuthThrottle throttle) {
        GrpcMetricsServer s = new GrpcMetricsServer();
        int port = await(s.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags("", "", "",
                auth).withTokenThrottle(throttle)));
        return new Served(s, new GrpcTestClient(vertx, port));
    }

    /** Guessing tokens: after ten invalid ones an address must wait, and no TokenReview is made meanwhile. */
    @Test
    void invalidTokensFromOneAddressAreThrottledBeforeAnyTokenReview() {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        TokenReviewAuthenticator auth = new TokenReviewAuthenticator(client, executor, clock, null,
                Duration.ofSeconds(30), Duration.ofSeconds(5));
        try (Served s = serve(auth, new AuthThrottle(clock::now))) {
            int before = reviews.size();
            for (int i = 0; i < AuthThrottle.BURST; i++) {
                assertEquals(GrpcStatus.UNAUTHENTICATED, latest(s.client(), "guess-" + i).status());
            }
            assertEquals(before + AuthThrottle.BURST, reviews.size());
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(s.client(), "good");
            assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, r.status());
            assertEquals("Too many invalid tokens from your address: try again in 30 s.", r.message());
            assertEquals(before + AuthThrottle.BURST, reviews.size(), "no TokenReview while throttled");

            clock.advance(AuthThrottle.REFILL);
            // a valid token gives its attempt back: it can be used again and again
            assertEquals(GrpcStatus.OK, latest(s.client(), "good").status());
            assertEquals(GrpcStatus.OK, latest(s.client(), "good").status());
            assertEquals(GrpcStatus.UNAUTHENTICATED, latest(s.client(), "guess-again").status());
            assertEquals(GrpcStatus.RESOURCE_EXHAUSTED, latest(s.client(), "good").status());
        }
    }

    private static GrpcTestClient.Outcome<Provider.QueryLatestResponse> latest(GrpcTestClient c, String token) {
        return await(c.callAsync(ProviderServiceGrpcClient.QueryLatest, REQUEST, 10_000,
                token == null ? Map.of() : Map.of("authorization", "Bearer " + token)));
    }

    @Test
    void validTokensAreServedInvalidOnesRefusedAndAnswersCached() {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        TokenReviewAuthenticator auth = new TokenReviewAuthenticator(client, executor, clock, null,
                Duration.ofSeconds(30), Duration.ofSeconds(5));
        try (Served s = serve(auth)) {
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(s.client(), null);
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status());
            assertEquals("missing bearer token", r.message());
            assertEquals(0, reviews.size(), "no TokenReview without a token");

            r = latest(s.client(), "bad");
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status());
            assertEquals("invalid bearer token", r.message());
            assertNull(provider.lastQuery, "a refused call never reaches the provider");
            assertEquals(1, reviews.size());
            assertEquals("bad", reviews.get(0).getSpec().getToken());
            assertTrue(reviews.get(0).getSpec().getAudiences() == null
                    || reviews.get(0).getSpec().getAudiences().isEmpty(), "no audience asked");

            r = latest(s.client(), "good");
            assertEquals(GrpcStatus.OK, r.status());
            assertEquals(0.5, r.body().getSamples(0).getPoint().getValue());
            assertNotNull(provider.lastQuery);
            assertEquals(2, reviews.size());

            // cached: no more reviews within the TTLs
            assertEquals(GrpcStatus.OK, latest(s.client(), "good").status());
            assertEquals(GrpcStatus.UNAUTHENTICATED, latest(s.client(), "bad").status());
            assertEquals(2, reviews.size());
            assertEquals(2, auth.cached());

            // the negative answer expires first, then the positive one
            clock.advance(Duration.ofSeconds(6));
            assertEquals(GrpcStatus.UNAUTHENTICATED, latest(s.client(), "bad").status());
            assertEquals(GrpcStatus.OK, latest(s.client(), "good").status());
            assertEquals(3, reviews.size());
            clock.advance(Duration.ofSeconds(25));
            assertEquals(GrpcStatus.OK, latest(s.client(), "good").status());
            assertEquals(4, reviews.size());
            assertEquals("good", reviews.get(3).getSpec().getToken());
        }
    }

    @Test
    void anAudienceAdmitsOnlyTokensIssuedForIt() {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        try (Served s = serve(new TokenReviewAuthenticator(client, executor, clock, "kapacity-metrics"))) {
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(s.client(), "good");
            assertEquals(GrpcStatus.UNAUTHENTICATED, r.status(), "valid, but for another audience");
            assertEquals("invalid bearer token", r.message());
            assertEquals(List.of("kapacity-metrics"), reviews.get(0).getSpec().getAudiences());
            r = latest(s.client(), "aud-good");
            assertEquals(GrpcStatus.OK, r.status());
            assertEquals(1, r.body().getSamplesCount());
        }
    }

    @Test
    void anApiServerThatCannotAnswerMakesCallsUnavailable() throws Exception {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        // without the RBAC grant the API server answers 403: not the client's fault, and not cached
        try (Served s = serve(new TokenReviewAuthenticator(client, executor, clock, null))) {
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(s.client(), "forbidden");
            assertEquals(GrpcStatus.UNAVAILABLE, r.status());
            assertTrue(r.message().startsWith("bearer token could not be checked: "), r.message());
            assertTrue(r.message().contains("Forbidden") || r.message().contains("forbidden"), r.message());
            assertEquals(GrpcStatus.UNAVAILABLE, latest(s.client(), "forbidden").status());
            assertEquals(2, reviews.size(), "failures are not cached");
            assertNull(provider.lastQuery);
        }
        // an API server nobody listens on
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (KubernetesClient down = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(2_000).withRequestTimeout(2_000).build()).build();
             Served s = serve(new TokenReviewAuthenticator(down, executor, clock, null))) {
            GrpcTestClient.Outcome<Provider.QueryLatestResponse> r = latest(s.client(), "good");
            assertEquals(GrpcStatus.UNAVAILABLE, r.status());
            assertTrue(r.message().startsWith("bearer token could not be checked: "), r.message());
            assertEquals(GrpcStatus.UNAUTHENTICATED, latest(s.client(), null).status(),
                    "a missing token is refused without asking the API server");
            assertNull(provider.lastQuery);
        }
    }

    @Test
    void concurrentCallsWithOneTokenShareOneReview() {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z"));
        try (Served s = serve(new TokenReviewAuthenticator(client, executor, clock, null))) {
            List<Future<GrpcTestClient.Outcome<Provider.QueryLatestResponse>>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(s.client().callAsync(ProviderServiceGrpcClient.QueryLatest, REQUEST, 10_000,
                        Map.of("authorization", "Bearer good")));
            }
            for (var call : calls) {
                assertEquals(GrpcStatus.OK, await(call).status());
            }
            assertEquals(1, reviews.size(), "one review for eight concurrent calls");
        }
    }
}
