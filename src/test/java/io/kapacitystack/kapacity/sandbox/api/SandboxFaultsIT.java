package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox API's injected faults as a client meets them over HTTP: each kind's answer (status, headers, body),
 * that a refused write is not applied, watch drops and 410s, a stall that holds requests until it ends, the sandbox's
 * own client left alone, and the same plan giving the same answers again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxFaultsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String CM = "/api/v1/namespaces/default/configmaps";

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private SandboxApiServer server;
    private String api;

    @BeforeAll
    void start() throws Exception {
        ManualClock clock = new ManualClock(vertx, Instant.parse("2024-05-01T10:00:00Z"));
        CustomResourceRegistry crds = new CustomResourceRegistry();
        server = new SandboxApiServer(vertx, clock, new SandboxDispatcher(clock, crds, Duration.ofSeconds(1)), crds);
        api = "http://127.0.0.1:" + Await.result(server.listen("127.0.0.1", 0), WAIT);
        assertEquals(201, send("POST", CM, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"0\"}}").statusCode());
    }

    @AfterEach
    void clear() {
        server.faults().clear();
    }

    @AfterAll
    void stop() {
        Await.result(server.close(), WAIT);
        Await.result(vertx.close(), WAIT);
    }

    private HttpRequest.Builder request(String method, String path, String body, String userAgent) {
        return HttpRequest.newBuilder(URI.create(api + path)).timeout(WAIT).header("User-Agent", userAgent)
                .header("Content-Type", "application/merge-patch+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        return http.send(request(method, path, body, "kapacity-manager").build(), HttpResponse.BodyHandlers.ofString());
    }

    private String data() throws Exception {
        return new JsonObject(send("GET", CM + "/c", null).body()).getJsonObject("data").getString("k");
    }

    @Test
    void refusedWritesAreAnsweredAsKubeApiserverAndNotApplied() throws Exception {
        server.faults().install(FaultPlan.of(1, Rule.of(Kind.CONFLICT, 1).onVerbs("patch")));
        HttpResponse<String> conflict = send("PATCH", CM + "/c", "{\"data\":{\"k\":\"1\"}}");
        assertEquals(409, conflict.statusCode());
        assertEquals("Conflict", new JsonObject(conflict.body()).getString("reason"));
        assertEquals("0", data(), "a refused write is not applied; reads are not faulted by a patch rule");
        assertEquals(java.util.Map.of("conflict", 1L), server.faults().injected());

        server.faults().install(FaultPlan.of(1, new Rule(Kind.TOO_MANY_REQUESTS, 1, java.util.Set.of("patch"),
                java.util.Set.of(), Duration.ofSeconds(1), 3)));
        HttpResponse<String> tooMany = send("PATCH", CM + "/c", "{\"data\":{\"k\":\"1\"}}");
        assertEquals(429, tooMany.statusCode());
        assertEquals("3", tooMany.headers().firstValue("Retry-After").orElse(""));
        assertEquals(3, new JsonObject(tooMany.body()).getJsonObject("details").getInteger("retryAfterSeconds"));

        for (Kind kind : List.of(Kind.INTERNAL_ERROR, Kind.UNAVAILABLE)) {
            server.faults().install(FaultPlan.of(1, Rule.of(kind, 1).onVerbs("patch")));
            assertEquals(kind == Kind.UNAVAILABLE ? 503 : 500, send("PATCH", CM + "/c", "{\"data\":{\"k\":\"1\"}}").statusCode());
        }
        server.faults().install(FaultPlan.of(1, Rule.of(Kind.TIMEOUT, 1).onVerbs("patch").after(Duration.ofMillis(200))));
        HttpResponse<String> timeout = send("PATCH", CM + "/c", "{\"data\":{\"k\":\"1\"}}");
        assertEquals(504, timeout.statusCode());
        assertEquals("Timeout", new JsonObject(timeout.body()).getString("reason"));
        assertEquals("0", data());
        assertEquals(java.util.Map.of("timeout", 1L), server.faults().injected(), "counted from the plan's installation");

        server.faults().clear();
        assertEquals(200, send("PATCH", CM + "/c", "{\"data\":{\"k\":\"2\"}}").statusCode());
        assertEquals("2", data());
    }

    @Test
    void aSlowAnswerComesLateButRight() throws Exception {
        server.faults().install(FaultPlan.of(1, Rule.of(Kind.SLOW, 1).onVerbs("get").after(Duration.ofMillis(400))));
        long start = System.nanoTime();
        HttpResponse<String> slow = send("GET", CM + "/c", null);
        assertEquals(200, slow.statusCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 400, "the answer waited for the delay");
        assertEquals(1L, server.faults().injected().get("slow"));
    }

    @Test
    void watchesAreDroppedAndResumesGetGone() throws Exception {
        String rv = new JsonObject(send("GET", CM, null).body()).getJsonObject("metadata").getString("resourceVersion");
        server.faults().install(FaultPlan.of(1, Rule.of(Kind.GONE, 1)));
        HttpResponse<String> gone = send("GET", CM + "?watch=true&resourceVersion=" + rv, null);
        JsonObject event = new JsonObject(gone.body().lines().findFirst().orElseThrow());
        assertEquals("ERROR", event.getString("type"));
        assertEquals(410, event.getJsonObject("object").getInteger("code"));
        assertEquals("Expired", event.getJsonObject("object").getString("reason"));
        // a watch without a resourceVersion cannot be "too old": it starts normally (and lives until its timeout)
        HttpResponse<String> fresh = send("GET", CM + "?watch=true&timeoutSeconds=1", null);
        assertEquals("ADDED", new JsonObject(fresh.body().lines().findFirst().orElseThrow()).getString("type"));

        server.faults().install(FaultPlan.of(1, Rule.of(Kind.DROP_WATCH, 1).after(Duration.ofMillis(300))));
        // no timeoutSeconds: only the injected drop can end this stream before the request's own timeout
        HttpResponse<String> dropped = send("GET", CM + "?watch=true", null);
        assertEquals(200, dropped.statusCode());
        assertEquals("ADDED", new JsonObject(dropped.body().lines().findFirst().orElseThrow()).getString("type"));
        assertEquals(1L, server.faults().injected().get("dropWatch"));
    }

    @Test
    void aStallHoldsRequestsUntilItEndsAndDropsWatchesButNotTheSandboxsOwn() throws Exception {
        CompletableFuture<HttpResponse<String>> watch = http.sendAsync(request("GET", CM + "?watch=true", null,
                "kapacity-manager").build(), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> ownWatch = http.sendAsync(request("GET", CM + "?watch=true&timeoutSeconds=30", null,
                ApiFaults.EXEMPT_USER_AGENT).build(), HttpResponse.BodyHandlers.ofString());
        Await.until("both watches open", () -> openWatches() == 2);
        server.faults().stall(Duration.ofSeconds(2));
        assertTrue(server.faults().stalled());
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(request("GET", CM + "/c", null, "kapacity-manager").build(),
                HttpResponse.BodyHandlers.ofString());
        // the sandbox's own client is still served during the stall
        assertEquals(200, http.send(request("GET", CM + "/c", null, ApiFaults.EXEMPT_USER_AGENT).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(server.faults().stalled(), "the exempt answer came during the stall");
        assertFalse(held.isDone(), "a faultable request waits for the stall to end");
        Await.until("the faultable watch to be dropped at the stall's start", WAIT, watch::isDone);
        assertFalse(ownWatch.isDone(), "the sandbox's own watch is not dropped");
        HttpResponse<String> answer = held.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode());
        assertFalse(server.faults().stalled());
        assertEquals(1L, server.faults().injected().get("stall"));
    }

    private int openWatches() {
        return server.store().openWatches();
    }

    @Test
    void theSamePlanGivesTheSameAnswersAgain() throws Exception {
        FaultPlan plan = FaultPlan.of(11, Rule.of(Kind.CONFLICT, 0.3).onVerbs("patch"), Rule.of(Kind.INTERNAL_ERROR, 0.3).onVerbs("patch"));
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        server.faults().install(plan);
        for (int i = 0; i < 30; i++) {
            first.add(send("PATCH", CM + "/c", "{\"data\":{\"n\":\"" + i + "\"}}").statusCode());
        }
        server.faults().install(plan);
        for (int i = 0; i < 30; i++) {
            second.add(send("PATCH", CM + "/c", "{\"data\":{\"n\":\"" + i + "\"}}").statusCode());
        }
        assertEquals(first, second);
        assertTrue(first.contains(409) && first.contains(500) && first.contains(200), "a mix: " + first);
    }
}
