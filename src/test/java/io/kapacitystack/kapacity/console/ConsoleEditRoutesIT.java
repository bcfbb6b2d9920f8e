package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kapacitystack.kapacity.testing.MockCluster.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's write routes over real HTTP against fabric8's mock API: authentication (sandbox token, session cookie,
 * bearer header), CSRF refusals, form and YAML validation shown next to the fields, the planner preview, and create,
 * update and delete reaching the API.
 */
class ConsoleEditRoutesIT {

    static final String TOKEN = "test-token-0123456789-abcdefghij";
    static final String EXISTING = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata:
              name: web
              labels: {team: shop}
              finalizers: [autoscaling.kapacitystack.io/test]
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
              minReplicas: 1
              maxReplicas: 10
              portraitProviders:
              - type: Static
                priority: 1
                static: {replicas: 2}
              - type: Cron
                priority: 2
                cron:
                  crons:
                  - {name: morning, start: "0 8 * * *", end: "0 9 * * *", replicas: 5}
            """;

    static Vertx vertx;
    static MockCluster cluster;
    static ControllerManager manager;
    static Console.Listening server;
    static Console.Listening readOnly;
    static HttpClient http;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        cluster = new MockCluster(vertx);
        // 08:30 UTC: the cron rule is active
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T08:30:00Z"));
        manager = new ControllerManager(vertx, cluster.client, clock, new ControllerMetrics(), new ControllerManager.Settings());
        api().inNamespace("shop").resource(cluster.client.getKubernetesSerialization().unmarshal(EXISTING, GenericKubernetesResource.class)).create();
        Console console = Console.attach(vertx, manager, cluster.client).authenticator(new SandboxAuthenticator(TOKEN));
        Console withoutAuth = Console.attach(vertx, manager, cluster.client);
        join(manager.startCaches().toCompletionStage());
        server = join(console.listen("127.0.0.1", 0).toCompletionStage());
        readOnly = join(withoutAuth.listen("127.0.0.1", 0).toCompletionStage());
        http = vertx.createHttpClient();
        Await.until("the cache to hold the IHPA", () -> manager.ihpaCache().get(new ObjectKey("shop", "web")) != null);
    }

    @AfterAll
    static void stop() {
        join(server.close().toCompletionStage());
        join(readOnly.close().toCompletionStage());
        join(manager.stop().toCompletionStage());
        cluster.close();
        join(vertx.close().toCompletionStage());
    }

    static io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> api() {
        return cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT);
    }

    static GenericKubernetesResource stored(String ns, String name) {
        return api().inNamespace(ns).withName(name).get();
    }

    record Reply(int status, MultiMap headers, String body) {
        String cookie(String name) {
            for (String c : headers.getAll("Set-Cookie")) {
                if (c.startsWith(name + "=")) {
                    return c;
                }
            }
            return null;
        }
    }

    static Reply send(int port, HttpMethod method, String path, Map<String, String> headers, Map<String, String> form) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
        headers.forEach(o::putHeader);
        StringBuilder body = new StringBuilder();
        if (form != null) {
            o.putHeader("Content-Type", "application/x-www-form-urlencoded");
            form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        }
        return join(http.request(o).compose(r -> (form == null ? r.send() : r.send(Buffer.buffer(body.toString())))
                        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()))))
                .toCompletionStage());
    }

    static Reply post(String path, Map<String, String> headers, Map<String, String> form) {
        return send(server.actualPort(), HttpMethod.POST, path, headers, form);
    }

    static Reply get(String path, Map<String, String> headers) {
        return send(server.actualPort(), HttpMethod.GET, path, headers, null);
    }

    /** A logged-in browser: its session cookie and the CSRF token of its pages. */
    record Browser(String cookie, String csrf) {
        Map<String, String> headers() {
            return Map.of("Cookie", cookie);
        }
    }

    static String value(String cookieHeader) {
        return cookieHeader.substring(cookieHeader.indexOf('=') + 1, cookieHeader.indexOf(';'));
    }

    static String csrfOf(String page) {
        Matcher m = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">").matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    static Reply login(String token) {
        Reply page = get("/login", Map.of());
        assertEquals(200, page.status());
        String loginCookie = page.cookie(Sessions.LOGIN_COOKIE);
        assertNotNull(loginCookie, page.headers().toString());
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(m.find(), page.body());
        return post("/login", Map.of("Cookie", Sessions.LOGIN_COOKIE + "=" + value(loginCookie)),
                Map.of("_csrf", m.group(1), "token", token, "next", "/ihpa/shop/web"));
    }

    static Browser loggedIn() {
        Reply r = login(TOKEN);
        assertEquals(303, r.status(), r.body());
        String cookie = Sessions.COOKIE + "=" + value(r.cookie(Sessions.COOKIE));
        String page = get("/", Map.of("Cookie", cookie)).body();
        return new Browser(cookie, csrfOf(page));
    }

    static Map<String, String> form(String name) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("mode", "create");
        f.put("view", "form");
        f.put("namespace", "shop");
        f.put("name", name);
        f.put("targetApiVersion", "apps/v1");
        f.put("targetKind", "StatefulSet");
        f.put("targetName", "web");
        f.put("minReplicas", "1");
        f.put("maxReplicas", "10");
        f.put("scaleMode", "Auto");
        f.put("staticReplicas", "3");
        f.put("staticPriority", "1");
        f.put("cronPriority", "2");
        f.put("cron.0.name", "");
        f.put("cron.0.timeZone", "");
        f.put("cron.0.start", "");
        f.put("cron.0.end", "");
        f.put("cron.0.replicas", "");
        f.put("reactivePriority", "3");
        f.put("cpuUtilization", "");
        return f;
    }

    static Map<String, String> with(Map<String, String> f, String... kv) {
        Map<String, String> copy = new LinkedHashMap<>(f);
        for (int i = 0; i < kv.length; i += 2) {
            copy.put(kv[i], kv[i + 1]);
        }
        return copy;
    }

    // ---------------------------------------------------------------- authentication

    @Test
    void anonymousWritesAreRefusedWithAClearMessage() {
        Reply save = post("/edit/save", Map.of(), form("anon"));
        assertEquals(401, save.status(), save.body());
        assertTrue(save.body().contains("Authentication required: log in with a token, or send Authorization: Bearer"), save.body());
        assertEquals("Bearer realm=\"kapacity-console\"", save.headers().get("WWW-Authenticate"));
        assertEquals(Console.CSP, save.headers().get("Content-Security-Policy"));
        assertNull(stored("shop", "anon"));

        Reply delete = post("/ihpa/shop/web/delete", Map.of(), Map.of());
        assertEquals(401, delete.status());
        assertNotNull(stored("shop", "web"));
        assertEquals(401, post("/edit/preview", Map.of(), form("anon")).status());

        Reply wrongBearer = post("/edit/save", Map.of("Authorization", "Bearer not-the-token"), form("anon"));
        assertEquals(401, wrongBearer.status());
        assertTrue(wrongBearer.body().contains("The bearer token is not valid."), wrongBearer.body());
        assertNull(stored("shop", "anon"));

        // the editor's pages send anonymous readers to the login page; the read-only pages offer it
        Reply newPage = get("/new?ns=shop", Map.of());
        assertEquals(303, newPage.status());
        assertEquals("/login?next=/new?ns=shop", newPage.headers().get("Location"));
        assertEquals(303, get("/ihpa/shop/web/edit", Map.of()).status());
        String overview = get("/", Map.of()).body();
        assertTrue(overview.contains("href=\"/login\">Log in to edit</a>"), overview);
        assertFalse(overview.contains("New IHPA"), overview);
        assertFalse(overview.contains("csrf-token"), overview);
    }

    @Test
    void withoutAnAuthenticatorTheConsoleIsReadOnly() {
        Reply r = send(readOnly.actualPort(), HttpMethod.POST, "/edit/save", Map.of("Authorization", "Bearer " + TOKEN), form("ro"));
        assertEquals(403, r.status());
        assertTrue(r.body().contains("Writes are disabled: this console runs without authentication and is read-only."), r.body());
        assertNull(stored("shop", "ro"));
        String overview = send(readOnly.actualPort(), HttpMethod.GET, "/", Map.of(), null).body();
        assertFalse(overview.contains("Log in"), overview);
    }

    @Test
    void loginChecksTheTokenAndSetsAStrictHttpOnlyCookie() {
        Reply wrong = login("wrong-token");
        assertEquals(401, wrong.status());
        assertTrue(wrong.body().contains("id=\"login-error\" role=\"alert\">Invalid token.</p>"), wrong.body());
        assertNull(wrong.cookie(Sessions.COOKIE));

        // login CSRF: a form posted without the login page's cookie is refused
        Reply forged = post("/login", Map.of(), Map.of("_csrf", "x", "token", TOKEN));
        assertEquals(403, forged.status());
        assertNull(forged.cookie(Sessions.COOKIE));

        Reply ok = login(TOKEN);
        assertEquals(303, ok.status());
        assertEquals("/ihpa/shop/web", ok.headers().get("Location"));
        String cookie = ok.cookie(Sessions.COOKIE);
        assertTrue(cookie.toLowerCase().contains("; httponly"), cookie);
        assertTrue(cookie.contains("SameSite=Strict"), cookie);
        assertTrue(cookie.contains("Path=/"), cookie);
        assertFalse(cookie.contains("Secure"), "plain HTTP: " + cookie);
        assertFalse(cookie.contains(TOKEN), cookie);

        String page = get("/ihpa/shop/web", Map.of("Cookie", Sessions.COOKIE + "=" + value(cookie))).body();
        assertTrue(page.contains("signed in as <strong>" + SandboxAuthenticator.USER + "</strong>"), page);
        assertTrue(page.contains("hx-headers=\"{&quot;X-CSRF-Token&quot;:&quot;" + csrfOf(page) + "&quot;}\""), page);
        assertTrue(page.contains("id=\"edit-ihpa\" href=\"/ihpa/shop/web/edit\""), page);
        assertFalse(page.contains(TOKEN), "the token is never rendered");
        assertFalse(page.matches("(?s).*<script(?! src=\"/)[^>]*>.*"), page);
    }

    /** Guessing tokens: after ten invalid ones from an address, it must wait, whatever it presents next. */
    @Test
    void invalidTokensFromOneAddressAreThrottled() {
        Console own = Console.attach(vertx, manager, cluster.client).authenticator(new SandboxAuthenticator(TOKEN));
        Console.Listening guarded = join(own.listen("127.0.0.1", 0).toCompletionStage());
        try {
            int port = guarded.actualPort();
            for (int i = 0; i < AuthThrottle.BURST / 2; i++) {
                assertEquals(401, send(port, HttpMethod.POST, "/edit/save", Map.of("Authorization", "Bearer guess-" + i),
                        form("guess")).status());
            }
            for (int i = 0; i < AuthThrottle.BURST / 2; i++) {
                assertEquals(401, loginAt(port, "guess-" + i).status());
            }
            Reply refused = loginAt(port, TOKEN);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("30", refused.headers().get("Retry-After"));
            assertTrue(refused.body().contains("id=\"login-error\" role=\"alert\">Too many invalid tokens from your "
                    + "address: try again in 30 s.</p>"), refused.body());
            assertNull(refused.cookie(Sessions.COOKIE));
            Reply bearer = send(port, HttpMethod.POST, "/edit/save", Map.of("Authorization", "Bearer " + TOKEN),
                    form("after-guesses"));
            assertEquals(429, bearer.status(), bearer.body());
            assertNull(stored("shop", "after-guesses"));
            // the other console instance (another throttle) still lets the right token in
            assertEquals(303, login(TOKEN).status());
        } finally {
            join(guarded.close().toCompletionStage());
        }
    }

    /** In the sandbox the cluster's clock runs fast; a person's session must last a person's eight hours. */
    @Test
    void sessionsFollowThePeopleClockNotTheClusterClock() {
        ManualClock clusterClock = new ManualClock(vertx, Instant.parse("2026-01-01T08:30:00Z"));
        ManualClock peopleClock = new ManualClock(vertx, Instant.parse("2026-01-01T08:30:00Z"));
        ControllerManager own = new ControllerManager(vertx, cluster.client, clusterClock, new ControllerMetrics(),
                new ControllerManager.Settings());
        Console console = Console.attach(vertx, own, cluster.client).peopleClock(peopleClock)
                .authenticator(new SandboxAuthenticator(TOKEN));
        join(own.startCaches().toCompletionStage());
        Console.Listening listening = join(console.listen("127.0.0.1", 0).toCompletionStage());
        try {
            int port = listening.actualPort();
            Reply ok = loginAt(port, TOKEN);
            assertEquals(303, ok.status(), ok.body());
            Map<String, String> cookie = Map.of("Cookie", Sessions.COOKIE + "=" + value(ok.cookie(Sessions.COOKIE)));
            String signedIn = "signed in as <strong>" + SandboxAuthenticator.USER + "</strong>";

            clusterClock.advance(Duration.ofHours(9));
            String page = send(port, HttpMethod.GET, "/", cookie, null).body();
            assertTrue(page.contains(signedIn), "nine simulated hours are no idle time: " + page);

            peopleClock.advance(Sessions.IDLE.plusSeconds(1));
            page = send(port, HttpMethod.GET, "/", cookie, null).body();
            assertFalse(page.contains(signedIn), "eight idle hours of real time end the session: " + page);
        } finally {
            join(listening.close().toCompletionStage());
            join(own.stop().toCompletionStage());
        }
    }

    static Reply loginAt(int port, String token) {
        Reply page = send(port, HttpMethod.GET, "/login", Map.of(), null);
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(m.find(), page.body());
        return send(port, HttpMethod.POST, "/login", Map.of("Cookie", Sessions.LOGIN_COOKIE + "="
                + value(page.cookie(Sessions.LOGIN_COOKIE))), Map.of("_csrf", m.group(1), "token", token));
    }

    @Test
    void openRedirectsAreNotFollowed() {
        assertEquals("/", ConsoleLogin.localPath("https://evil.example/"));
        assertEquals("/", ConsoleLogin.localPath("//evil.example/"));
        assertEquals("/", ConsoleLogin.localPath("/\\evil.example/"));
        assertEquals("/ihpa/a/b", ConsoleLogin.localPath("/ihpa/a/b"));
    }

    @Test
    void logoutEndsTheSession() {
        Browser b = loggedIn();
        assertEquals(403, post("/logout", b.headers(), Map.of()).status(), "logout needs the CSRF token too");
        Reply out = post("/logout", b.headers(), Map.of("_csrf", b.csrf()));
        assertEquals(303, out.status());
        Reply after = post("/edit/save", b.headers(), with(form("after-logout"), "_csrf", b.csrf()));
        assertEquals(401, after.status());
        assertNull(stored("shop", "after-logout"));
    }

    // ---------------------------------------------------------------- CSRF

    @Test
    void sessionWritesNeedTheSessionsCsrfToken() {
        Browser b = loggedIn();
        Reply missing = post("/edit/save", b.headers(), form("csrf-test"));
        assertEquals(403, missing.status());
        assertTrue(missing.body().contains("Missing CSRF token"), missing.body());
        Reply wrong = post("/edit/save", b.headers(), with(form("csrf-test"), "_csrf", "forged"));
        assertEquals(403, wrong.status());
        assertTrue(wrong.body().contains("Wrong CSRF token"), wrong.body());
        Reply otherSession = post("/edit/save", b.headers(), with(form("csrf-test"), "_csrf", loggedIn().csrf()));
        assertEquals(403, otherSession.status(), "a token of another session is wrong");
        Reply wrongHeader = post("/ihpa/shop/web/delete", with(b.headers(), "X-CSRF-Token", "forged"), Map.of());
        assertEquals(403, wrongHeader.status());
        assertNull(stored("shop", "csrf-test"));
        assertNotNull(stored("shop", "web"));

        Reply ok = post("/edit/save", with(b.headers(), "X-CSRF-Token", b.csrf()), form("csrf-test"));
        assertEquals(303, ok.status(), ok.body());
        assertEquals("/ihpa/shop/csrf-test", ok.headers().get("Location"));
        GenericKubernetesResource created = stored("shop", "csrf-test");
        assertNotNull(created);
        assertEquals(3, ((Map<?, ?>) ((List<?>) ((Map<?, ?>) created.getAdditionalProperties().get("spec")).get("portraitProviders")).get(0))
                .get("static") instanceof Map<?, ?> s ? ((Number) s.get("replicas")).intValue() : -1);
    }

    @Test
    void aBearerHeaderNeedsNoCsrfToken() {
        Reply r = post("/edit/save", Map.of("Authorization", "Bearer " + TOKEN), with(form("by-bearer"), "cpuUtilization", "60"));
        assertEquals(303, r.status(), r.body());
        GenericKubernetesResource created = stored("shop", "by-bearer");
        String yaml = cluster.client.getKubernetesSerialization().asYaml(created.getAdditionalProperties().get("spec"));
        assertTrue(yaml.contains("portraitType: \"Reactive\"") || yaml.contains("portraitType: Reactive"), yaml);
        assertTrue(yaml.contains("averageUtilization: 60"), yaml);
    }

    /**
     * The save redirects to the new IHPA's page, which reads the controllers' cache; a cache whose watch has not yet
     * delivered the IHPA (here: never, its informers are not started) must still show the page with its live stream,
     * not "Not found" (the cause of ConsoleBrowserIT's page that never went live after saving, under load).
     */
    @Test
    void thePageASaveRedirectsToShowsTheIhpaBeforeTheCacheWatchDeliversIt() {
        ControllerManager lagging = new ControllerManager(vertx, cluster.client, new ManualClock(vertx, Instant.parse("2026-01-01T08:30:00Z")),
                new ControllerMetrics(), new ControllerManager.Settings());
        Console console = Console.attach(vertx, lagging, cluster.client).authenticator(new SandboxAuthenticator(TOKEN));
        Console.Listening listening = join(console.listen("127.0.0.1", 0).toCompletionStage());
        try {
            Map<String, String> bearer = Map.of("Authorization", "Bearer " + TOKEN);
            Reply saved = send(listening.actualPort(), HttpMethod.POST, "/edit/save", bearer, form("seen-at-once"));
            assertEquals(303, saved.status(), saved.body());
            assertEquals("/ihpa/shop/seen-at-once", saved.headers().get("Location"));
            assertNull(lagging.ihpaCache().list("shop").stream().filter(o -> "seen-at-once".equals(o.getMetadata().getName()))
                    .findAny().orElse(null), "the cache's informer has not delivered the IHPA");
            Reply page = send(listening.actualPort(), HttpMethod.GET, saved.headers().get("Location"), bearer, null);
            assertEquals(200, page.status(), page.body());
            assertTrue(page.body().contains("<main sse-connect=\"/sse/ihpa/shop/seen-at-once?since="), page.body());
        } finally {
            join(listening.close().toCompletionStage());
            join(lagging.stop().toCompletionStage());
        }
    }

    // ---------------------------------------------------------------- validation, YAML, preview

    @Test
    void invalidFieldsAreShownNextToTheFieldAndNothingIsWritten() {
        Browser b = loggedIn();
        Reply r = post("/edit/save", b.headers(), with(form("Bad_Name<script>"), "_csrf", b.csrf(), "minReplicas", "5", "maxReplicas", "2",
                "targetName", "", "cron.0.name", "night", "cron.0.start", "0 25 * * *", "cron.0.end", "0 9 * * *", "cron.0.replicas", "4",
                "grayDown.state", "Online", "grayDown.interval", "30", "grayDown.percent", "150"));
        assertEquals(422, r.status());
        String body = r.body();
        assertTrue(body.contains("id=\"f-name\" name=\"name\" value=\"Bad_Name&lt;script&gt;\" class=\"invalid\" aria-invalid=\"true\" "
                + "aria-describedby=\"err-name\"><span class=\"error\" id=\"err-name\">must be a DNS subdomain"), body);
        assertTrue(body.contains("id=\"err-maxReplicas\">must not be less than min replicas (5)</span>"), body);
        assertTrue(body.contains("id=\"err-targetName\">the scale target is required</span>"), body);
        assertTrue(body.contains("id=\"err-cron-2e0-2estart\">not a valid cron expression:"), body);
        assertTrue(body.contains("id=\"err-grayDown-2estate\">a scale-down gray stage is Cutoff, Standby or Deleted</span>"), body);
        assertTrue(body.contains("id=\"err-grayDown-2epercent\">must be between 1 and 100</span>"), body);
        assertFalse(body.contains("err-cron-2e0-2eend"), "the valid end expression has no error");
        // what was typed is kept
        assertTrue(body.contains("value=\"0 25 * * *\""), body);
        assertFalse(body.contains("<script>"), body);
        assertTrue(api().inNamespace("shop").list().getItems().stream().noneMatch(o -> o.getMetadata().getName().contains("Bad")));

        // the refused form comes back with one spare cron row, not one more per attempt
        Map<String, String> again = with(form("twice"), "_csrf", b.csrf(), "minReplicas", "5", "maxReplicas", "2",
                "cron.0.name", "night", "cron.0.start", "0 1 * * *", "cron.0.end", "0 9 * * *", "cron.0.replicas", "4",
                "cron.0.timeZone", "Mars/Olympus", "cron.1.name", "", "cron.1.timeZone", "", "cron.1.start", "", "cron.1.end", "", "cron.1.replicas", "");
        String refused = post("/edit/save", b.headers(), again).body();
        assertTrue(refused.contains("name=\"cron.1.name\""), refused);
        assertFalse(refused.contains("name=\"cron.2.name\""), "a second spare row: " + refused);
        assertTrue(refused.contains("id=\"err-cron-2e0-2etimeZone\">unknown time zone Mars/Olympus</span>"), refused);

        Reply noProvider = post("/edit/save", b.headers(), with(form("empty"), "_csrf", b.csrf(), "staticReplicas", ""));
        assertEquals(422, noProvider.status());
        assertTrue(noProvider.body().contains("id=\"err-providers\" role=\"alert\">at least one provider"), noProvider.body());
    }

    @Test
    void theYamlViewConvertsBothWaysAndIsValidatedToo() {
        Browser b = loggedIn();
        Map<String, String> f = with(form("from-yaml"), "_csrf", b.csrf(), "cron.0.name", "day", "cron.0.start", "0 8 * * *",
                "cron.0.end", "0 20 * * *", "cron.0.replicas", "6", "grayDown.state", "Cutoff", "grayDown.interval", "30", "grayDown.percent", "50");
        Reply toYaml = post("/edit/convert?to=yaml", b.headers(), f);
        assertEquals(200, toYaml.status(), toYaml.body());
        Matcher m = Pattern.compile("(?s)<textarea id=\"f-yaml\" name=\"yaml\"[^>]*>(.*?)</textarea>").matcher(toYaml.body());
        assertTrue(m.find(), toYaml.body());
        String yaml = m.group(1).replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        assertTrue(yaml.contains("name: \"from-yaml\"") || yaml.contains("name: from-yaml"), yaml);
        assertTrue(yaml.contains("grayState: \"Cutoff\"") || yaml.contains("grayState: Cutoff"), yaml);
        assertTrue(toYaml.body().contains("name=\"view\" value=\"yaml\""), toYaml.body());

        // edited as YAML, back to the form: the edit shows in the form's fields
        String edited = yaml.replace("replicas: 6", "replicas: 7");
        Reply toForm = post("/edit/convert?to=form", b.headers(), Map.of("_csrf", b.csrf(), "mode", "create", "view", "yaml", "yaml", edited));
        assertEquals(200, toForm.status(), toForm.body());
        assertTrue(toForm.body().contains("name=\"cron.0.replicas\" value=\"7\""), toForm.body());
        assertTrue(toForm.body().contains("name=\"cron.0.end\" value=\"0 20 * * *\""), toForm.body());

        Reply bad = post("/edit/save", b.headers(), Map.of("_csrf", b.csrf(), "mode", "create", "view", "yaml",
                "yaml", edited.replace("0 20 * * *", "0 99 * * *").replace("IntelligentHorizontalPodAutoscaler", "Secret")));
        assertEquals(422, bad.status());
        assertTrue(bad.body().contains("kind must be IntelligentHorizontalPodAutoscaler"), bad.body());
        assertNull(stored("shop", "from-yaml"));
        Reply badCron = post("/edit/save", b.headers(), Map.of("_csrf", b.csrf(), "mode", "create", "view", "yaml",
                "yaml", edited.replace("0 20 * * *", "0 99 * * *")));
        assertEquals(422, badCron.status());
        assertTrue(badCron.body().contains("spec.portraitProviders[1].cron.crons[0].end: not a valid cron expression"), badCron.body());
        Reply notYaml = post("/edit/save", b.headers(), Map.of("_csrf", b.csrf(), "mode", "create", "view", "yaml", "yaml", "spec: [unclosed"));
        assertEquals(422, notYaml.status());
        assertTrue(notYaml.body().contains("not valid YAML"), notYaml.body());

        Reply saved = post("/edit/save", b.headers(), Map.of("_csrf", b.csrf(), "mode", "create", "view", "yaml", "yaml", edited));
        assertEquals(303, saved.status(), saved.body());
        assertNotNull(stored("shop", "from-yaml"));
    }

    @Test
    void previewRunsThePlannerWithoutSaving() {
        Browser b = loggedIn();
        // htmx sends the token as a header (from hx-headers), not as a field
        Map<String, String> headers = with(b.headers(), "X-CSRF-Token", b.csrf(), "HX-Request", "true");
        Reply staticOnly = post("/edit/preview", headers, form("preview-a"));
        assertEquals(200, staticOnly.status(), staticOnly.body());
        assertTrue(staticOnly.body().contains("the target would be scaled to <strong id=\"preview-replicas\">3</strong>"), staticOnly.body());
        assertTrue(staticOnly.body().contains("Nothing was saved."), staticOnly.body());

        // 08:30: the cron rule (priority 2) wins over static; 12 replicas are limited to max 10
        Reply cron = post("/edit/preview", headers, with(form("preview-b"), "cron.0.name", "m", "cron.0.start", "0 8 * * *",
                "cron.0.end", "0 9 * * *", "cron.0.replicas", "12"));
        assertTrue(cron.body().contains("Provider <strong>Cron</strong> wins with <strong>12</strong> replicas: the target would be scaled to "
                + "<strong id=\"preview-replicas\">10</strong> (limited to 1\u201310)"), cron.body());
        assertTrue(cron.body().contains("loses: priority 1 &lt; 2"), cron.body());
        assertTrue(cron.body().contains("Next change: <time>2026-01-01T09:00:00Z</time>"), cron.body());

        Reply invalid = post("/edit/preview", headers, with(form("preview-c"), "maxReplicas", "0", "minReplicas", "3"));
        assertTrue(invalid.body().contains("id=\"preview-invalid\""), invalid.body());
        assertTrue(invalid.body().contains("Max replicas: must not be less than min replicas (3)"), invalid.body());
        assertNull(stored("shop", "preview-a"));
        assertNull(stored("shop", "preview-b"));
        assertEquals(403, post("/edit/preview", with(b.headers(), "X-CSRF-Token", "forged"), form("preview-d")).status());
    }

    // ---------------------------------------------------------------- edit and delete

    @Test
    void anExistingIhpaIsEditedInPlaceAndDeletedAfterConfirmation() {
        api().inNamespace("shop").resource(cluster.client.getKubernetesSerialization()
                .unmarshal(EXISTING.replace("name: web\n", "name: editme\n"), GenericKubernetesResource.class)).create();
        Await.until("the cache to hold editme", () -> manager.ihpaCache().get(new ObjectKey("shop", "editme")) != null);
        Browser b = loggedIn();
        Reply edit = get("/ihpa/shop/editme/edit", b.headers());
        assertEquals(200, edit.status());
        String page = edit.body();
        assertTrue(page.contains("name=\"name\" value=\"editme\" readonly"), page);
        assertTrue(page.contains("name=\"staticReplicas\" value=\"2\""), page);
        assertTrue(page.contains("name=\"cron.0.start\" value=\"0 8 * * *\""), page);
        Matcher rv = Pattern.compile("name=\"resourceVersion\" value=\"([^\"]*)\"").matcher(page);
        assertTrue(rv.find());

        Map<String, String> f = with(form("editme"), "_csrf", b.csrf(), "mode", "update", "origNamespace", "shop", "origName", "editme",
                "resourceVersion", rv.group(1), "maxReplicas", "8", "cron.0.name", "morning", "cron.0.start", "0 8 * * *",
                "cron.0.end", "0 9 * * *", "cron.0.replicas", "5", "staticReplicas", "2");
        Reply saved = post("/edit/save", b.headers(), f);
        assertEquals(303, saved.status(), saved.body());
        GenericKubernetesResource after = stored("shop", "editme");
        assertEquals(8, ((Number) ((Map<?, ?>) after.getAdditionalProperties().get("spec")).get("maxReplicas")).intValue());
        assertEquals("shop", after.getMetadata().getLabels().get("team"), "labels the form does not show are kept");
        assertEquals(List.of("autoscaling.kapacitystack.io/test"), after.getMetadata().getFinalizers(), "finalizers are kept");

        // saving again with the old resourceVersion is a conflict, not a silent overwrite
        Reply stale = post("/edit/save", b.headers(), with(f, "maxReplicas", "9"));
        assertEquals(409, stale.status(), stale.body());
        assertTrue(stale.body().contains("The object changed since this page was opened"), stale.body());

        // an existing object cannot be renamed through the form
        Reply renamed = post("/edit/save", b.headers(), with(f, "name", "other", "resourceVersion", ""));
        assertEquals(303, renamed.status());
        assertNull(stored("shop", "other"));

        Reply confirm = get("/ihpa/shop/editme/delete", b.headers());
        assertEquals(200, confirm.status());
        assertTrue(confirm.body().contains("<h1>Delete shop/editme?</h1>"), confirm.body());
        assertNotNull(stored("shop", "editme"), "the confirmation page deletes nothing");
        Reply deleted = post("/ihpa/shop/editme/delete", b.headers(), Map.of("_csrf", b.csrf()));
        assertEquals(303, deleted.status(), deleted.body());
        GenericKubernetesResource gone = stored("shop", "editme");
        assertTrue(gone == null || gone.getMetadata().getDeletionTimestamp() != null, "deleted (or deleting, with its finalizer)");

        Reply missing = post("/ihpa/shop/never-was/delete", b.headers(), Map.of("_csrf", b.csrf()));
        assertEquals(404, missing.status(), "deleting nothing is not a success");
        assertTrue(missing.body().contains("No IHPA shop/never-was: nothing was deleted."), missing.body());
    }

    /** Path parameters arrive decoded: an encoded '../' in the name must not become segments of the API path. */
    @Test
    void aDeleteWithAnEncodedPathInItsNameReachesNothing() {
        cluster.client.configMaps().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("victim").endMetadata().addToData("k", "v").build()).create();
        Browser b = loggedIn();
        String up = "..%2F".repeat(5);
        for (String name : List.of(up + "api%2Fv1%2Fnamespaces%2Fshop%2Fconfigmaps%2Fvictim",
                up + "api%2Fv1%2Fnamespaces%2Fshop%2Fconfigmaps%2Fvictim%3F", "web%3Fx%3D", "web%23", "..", "%2e%2e")) {
            Reply r = post("/ihpa/shop/" + name + "/delete", b.headers(), Map.of("_csrf", b.csrf()));
            if (name.contains("%2F") || name.contains("%3F") || name.contains("%23")) {
                assertEquals(404, r.status(), name + ": " + r.body());
            } else {
                // a dot segment is resolved by the router before any route sees it: refused either way
                assertTrue(r.status() >= 400, name + ": " + r.status());
            }
            assertNotNull(cluster.client.configMaps().inNamespace("shop").withName("victim").get(), name + " deleted the ConfigMap");
            assertNotNull(stored("shop", "web"), name + " deleted shop/web");
        }
    }

    /** Form view, then YAML view, then save: the YAML shows the object's labels and annotations, and keeps them. */
    @Test
    void switchingAnExistingIhpaToYamlKeepsItsLabelsAndAnnotations() {
        api().inNamespace("shop").resource(cluster.client.getKubernetesSerialization().unmarshal(EXISTING
                .replace("name: web\n", "name: labelled\n  annotations: {note: keep me}\n"), GenericKubernetesResource.class)).create();
        Await.until("the cache to hold labelled", () -> manager.ihpaCache().get(new ObjectKey("shop", "labelled")) != null);
        Browser b = loggedIn();
        Matcher rv = Pattern.compile("name=\"resourceVersion\" value=\"([^\"]*)\"")
                .matcher(get("/ihpa/shop/labelled/edit", b.headers()).body());
        assertTrue(rv.find());
        Map<String, String> f = with(form("labelled"), "_csrf", b.csrf(), "mode", "update", "origNamespace", "shop",
                "origName", "labelled", "resourceVersion", rv.group(1), "maxReplicas", "11", "staticReplicas", "2");
        Reply toYaml = post("/edit/convert?to=yaml", b.headers(), f);
        assertEquals(200, toYaml.status(), toYaml.body());
        Matcher m = Pattern.compile("(?s)<textarea id=\"f-yaml\" name=\"yaml\"[^>]*>(.*?)</textarea>").matcher(toYaml.body());
        assertTrue(m.find(), toYaml.body());
        String yaml = m.group(1).replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        assertTrue(yaml.contains("team:"), yaml);
        assertTrue(yaml.contains("note:"), yaml);

        Reply saved = post("/edit/save", b.headers(), Map.of("_csrf", b.csrf(), "mode", "update", "view", "yaml",
                "origNamespace", "shop", "origName", "labelled", "resourceVersion", rv.group(1), "yaml", yaml));
        assertEquals(303, saved.status(), saved.body());
        GenericKubernetesResource after = stored("shop", "labelled");
        assertEquals(11, ((Number) ((Map<?, ?>) after.getAdditionalProperties().get("spec")).get("maxReplicas")).intValue());
        assertEquals("shop", after.getMetadata().getLabels().get("team"));
        assertEquals("keep me", after.getMetadata().getAnnotations().get("note"));
    }

    @Test
    void theFormFallsBackToYamlForWhatItCannotShow() {
        IhpaForm f = IhpaForm.blank("shop").set("name", "x").set("targetName", "web").set("staticReplicas", 1);
        var ihpa = f.toIhpa();
        assertNotNull(ihpa, f.errors.toString());
        assertNull(IhpaForm.unsupported(ihpa));
        ihpa.getSpec().stabilityCheckers = new ArrayList<>(List.of(new io.kapacitystack.kapacity.api.v1alpha1.StabilityChecker()));
        assertEquals("stability checkers", IhpaForm.unsupported(ihpa));

        // the quick start's Reactive provider is CPU utilization on KubeHPA, but with KubeHPA settings: say which
        var reactive = IhpaForm.blank("shop").set("name", "r").set("targetName", "web").set("cpuUtilization", 30).toIhpa();
        assertNotNull(reactive);
        assertNull(IhpaForm.unsupported(reactive));
        var dynamic = reactive.getSpec().portraitProviders.stream()
                .filter(p -> p.type == io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider.Type.Dynamic).findFirst().orElseThrow();
        dynamic.dynamic.algorithm.kubeHPA = new io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm.KubeHPA();
        assertTrue(IhpaForm.unsupported(reactive).startsWith("the KubeHPA algorithm's settings"), IhpaForm.unsupported(reactive));
        dynamic.dynamic.algorithm.kubeHPA = null;
        dynamic.dynamic.portraitType = "Predictive";
        assertEquals("a Dynamic provider of portrait type Predictive (the form has Reactive only)", IhpaForm.unsupported(reactive));
    }
}
