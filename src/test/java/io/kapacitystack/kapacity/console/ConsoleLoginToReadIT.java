package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kapacitystack.kapacity.testing.MockCluster.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manager's console with {@code anonymousRead(false)} (its default, {@code --console-anonymous-read} off): the
 * pages and event streams need a user, checked by the real {@link KubernetesAuthenticator} against an API server
 * that answers TokenReviews and SubjectAccessReviews like kube-apiserver; reading needs {@code list} on IHPAs in all
 * namespaces. The same console with {@code anonymousRead(true)} is the opt-in.
 */
class ConsoleLoginToReadIT {

    /** may list IHPAs everywhere */
    static final String READER = "reader-token";
    /** may only create IHPAs in team-a */
    static final String WRITER = "writer-token";

    static Vertx vertx;
    static MockCluster cluster;
    static ControllerManager manager;
    static HttpServer reviews;
    static KubernetesClient reviewClient;
    static KubeExecutor executor;
    static Console.Listening closed;
    static Console.Listening open;
    static HttpClient http;
    static final List<JsonObject> accessReviews = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        cluster = new MockCluster(vertx);
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T08:30:00Z"));
        manager = new ControllerManager(vertx, cluster.client, clock, new ControllerMetrics(), new ControllerManager.Settings());
        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("shop")
                .resource(cluster.client.getKubernetesSerialization().unmarshal(ConsoleEditRoutesIT.EXISTING,
                        GenericKubernetesResource.class)).create();
        reviews = join(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            JsonObject in = body.toJsonObject();
            JsonObject answer = in.copy();
            if (req.path().equals("/apis/authentication.k8s.io/v1/tokenreviews")) {
                String token = in.getJsonObject("spec").getString("token");
                String user = READER.equals(token) ? "reader" : WRITER.equals(token) ? "writer" : null;
                answer.put("status", user == null ? new JsonObject().put("authenticated", false)
                        : new JsonObject().put("authenticated", true).put("user", new JsonObject().put("username", user)
                        .put("uid", user).put("groups", new JsonArray().add("system:authenticated"))));
            } else if (req.path().equals("/apis/authorization.k8s.io/v1/subjectaccessreviews")) {
                accessReviews.add(in);
                JsonObject spec = in.getJsonObject("spec");
                JsonObject ra = spec.getJsonObject("resourceAttributes");
                String ns = ra.getString("namespace", "");
                boolean allowed = "reader".equals(spec.getString("user")) && "list".equals(ra.getString("verb")) && ns.isEmpty()
                        || "writer".equals(spec.getString("user")) && "create".equals(ra.getString("verb")) && "team-a".equals(ns);
                answer.put("status", new JsonObject().put("allowed", allowed));
            } else {
                req.response().setStatusCode(404).end();
                return;
            }
            req.response().setStatusCode(201).putHeader("Content-Type", "application/json").end(answer.encode());
        })).listen(0, "127.0.0.1").toCompletionStage());
        reviewClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + reviews.actualPort()).withRequestRetryBackoffLimit(0).build()).build();
        executor = new KubeExecutor(vertx, 0, 1, 2);
        KubernetesAuthenticator auth = new KubernetesAuthenticator(reviewClient, executor, clock, Duration.ofSeconds(10));
        Console loginToRead = Console.attach(vertx, manager, cluster.client).authenticator(auth).anonymousRead(false);
        Console anonymous = Console.attach(vertx, manager, cluster.client).authenticator(auth).anonymousRead(true);
        join(manager.startCaches().toCompletionStage());
        closed = join(loginToRead.listen("127.0.0.1", 0).toCompletionStage());
        open = join(anonymous.listen("127.0.0.1", 0).toCompletionStage());
        http = vertx.createHttpClient();
        Await.until("the cache to hold the IHPA", () -> manager.ihpaCache().get(new ObjectKey("shop", "web")) != null);
    }

    @AfterAll
    static void stop() {
        join(closed.close().toCompletionStage());
        join(open.close().toCompletionStage());
        join(manager.stop().toCompletionStage());
        reviewClient.close();
        executor.close();
        join(reviews.close().toCompletionStage());
        cluster.close();
        join(vertx.close().toCompletionStage());
    }

    record Reply(int status, MultiMap headers, String body) {
    }

    /** One request; an event stream is read only up to its first bytes (its status and headers are what matter). */
    static Reply send(int port, HttpMethod method, String path, Map<String, String> headers, String form) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
        headers.forEach(o::putHeader);
        if (form != null) {
            o.putHeader("Content-Type", "application/x-www-form-urlencoded");
        }
        return join(http.request(o).compose(r -> (form == null ? r.send() : r.send(Buffer.buffer(form))).compose(resp -> {
            if (String.valueOf(resp.getHeader("Content-Type")).startsWith("text/event-stream")) {
                io.vertx.core.Promise<Reply> first = io.vertx.core.Promise.promise();
                resp.handler(chunk -> {
                    if (first.tryComplete(new Reply(resp.statusCode(), resp.headers(), chunk.toString()))) {
                        r.connection().close();
                    }
                });
                return first.future();
            }
            return resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()));
        })).toCompletionStage());
    }

    static Reply get(int port, String path, Map<String, String> headers) {
        return send(port, HttpMethod.GET, path, headers, null);
    }

    /** Logs in through the form and returns the session cookie. */
    static String login(String token) {
        Reply page = get(closed.actualPort(), "/login", Map.of());
        assertEquals(200, page.status(), "the login page is open to anyone");
        String loginCookie = page.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith(Sessions.LOGIN_COOKIE + "="))
                .findFirst().orElseThrow();
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(m.find(), page.body());
        Reply r = send(closed.actualPort(), HttpMethod.POST, "/login",
                Map.of("Cookie", Sessions.LOGIN_COOKIE + "=" + ConsoleEditRoutesIT.value(loginCookie)),
                "_csrf=" + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8) + "&token=" + token + "&next=/");
        assertEquals(303, r.status(), r.body());
        String session = r.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith(Sessions.COOKIE + "="))
                .findFirst().orElseThrow();
        return Sessions.COOKIE + "=" + ConsoleEditRoutesIT.value(session);
    }

    @Test
    void anonymousReadersAreSentToTheLoginPageAndStreamsRefused() {
        int port = closed.actualPort();
        for (String page : List.of("/", "/?ns=shop", "/ihpa/shop/web", "/ihpa/shop/web/edit", "/ihpa/shop/web/delete")) {
            Reply r = get(port, page, Map.of());
            assertEquals(303, r.status(), page + ": " + r.body());
            assertEquals("/login?next=" + page, r.headers().get("Location"), page);
            assertFalse(r.body().contains("web"), page + " shows nothing of the IHPA: " + r.body());
        }
        for (String stream : List.of("/sse/overview", "/sse/ihpa/shop/web")) {
            Reply r = get(port, stream, Map.of());
            assertEquals(401, r.status(), stream);
            assertEquals("", r.body(), stream + " streams nothing");
        }
        Reply htmx = get(port, "/", Map.of("HX-Request", "true"));
        assertEquals(401, htmx.status(), "htmx gets the refusal, not a redirect it would swap in");
        assertEquals("Bearer realm=\"kapacity-console\"", htmx.headers().get("WWW-Authenticate"));
        // what every page needs before login stays open
        assertEquals(200, get(port, "/console/console.css", Map.of()).status());
        assertEquals(200, get(port, "/login", Map.of()).status());
        Reply wrong = get(port, "/", Map.of("Authorization", "Bearer forged"));
        assertEquals(401, wrong.status());
        assertTrue(wrong.body().contains("The bearer token is not valid."), wrong.body());
        assertEquals(Console.CSP, wrong.headers().get("Content-Security-Policy"), "refusals carry the security headers");
    }

    @Test
    void aUserWhoMayListIhpasEverywhereReads() {
        int port = closed.actualPort();
        String session = login(READER);
        Reply overview = get(port, "/", Map.of("Cookie", session));
        assertEquals(200, overview.status(), overview.body());
        assertTrue(overview.body().contains("/ihpa/shop/web"), overview.body());
        assertEquals(200, get(port, "/ihpa/shop/web", Map.of("Cookie", session)).status());
        Reply stream = get(port, "/sse/overview", Map.of("Cookie", session));
        assertEquals(200, stream.status());
        assertTrue(stream.body().startsWith("retry:"), stream.body());
        // a bearer header reads without a session (curl, scripts)
        Reply bearer = get(port, "/ihpa/shop/web", Map.of("Authorization", "Bearer " + READER));
        assertEquals(200, bearer.status(), bearer.body());
        JsonObject review = accessReviews.stream().filter(r -> "reader".equals(r.getJsonObject("spec").getString("user")))
                .findFirst().orElseThrow().getJsonObject("spec").getJsonObject("resourceAttributes");
        assertEquals("list", review.getString("verb"));
        assertEquals("", review.getString("namespace", ""), "all namespaces");
        assertEquals(ConsoleAuthenticator.GROUP, review.getString("group"));
        assertEquals(ConsoleAuthenticator.RESOURCE, review.getString("resource"));
    }

    @Test
    void aUserWhoMayNotListIhpasEverywhereIsRefusedWithTheReason() {
        int port = closed.actualPort();
        String session = login(WRITER);
        Reply overview = get(port, "/", Map.of("Cookie", session));
        assertEquals(403, overview.status(), overview.body());
        assertTrue(overview.body().contains("User writer may not list intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io"
                + " in all namespaces, which this console shows."), overview.body());
        assertFalse(overview.body().contains("/ihpa/shop/web"), overview.body());
        assertEquals(403, get(port, "/ihpa/shop/web", Map.of("Cookie", session)).status());
        assertEquals(403, get(port, "/sse/ihpa/shop/web", Map.of("Cookie", session)).status());
    }

    @Test
    void anonymousReadIsTheOptIn() {
        Reply overview = get(open.actualPort(), "/", Map.of());
        assertEquals(200, overview.status());
        assertTrue(overview.body().contains("/ihpa/shop/web"), overview.body());
        Reply stream = get(open.actualPort(), "/sse/overview", Map.of());
        assertEquals(200, stream.status());
        assertNotNull(stream.body());
    }
}
