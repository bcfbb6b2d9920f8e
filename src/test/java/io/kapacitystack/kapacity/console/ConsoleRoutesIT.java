package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kapacitystack.kapacity.testing.MockCluster.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every console route over real HTTP, against a controller manager's caches on fabric8's mock API. */
class ConsoleRoutesIT {

    static final String HOSTILE = "<script>alert(1)</script>";
    static final String IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata:
              name: web
              labels:
                team: "<script>alert(1)</script>"
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: "<img src=x onerror=alert(2)>"}
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
                  - {name: "morning<b>", start: "0 8 * * *", end: "0 9 * * *", replicas: 5}
            status:
              currentPortraitValue: {provider: Static, replicas: 2}
              gray: {grayPercent: 50, lastUpdateTime: "2026-01-01T10:00:00Z"}
              conditions:
              - {type: ScalingActive, status: "True", reason: SucceededAutoscaling, message: "<i>fine</i>", lastTransitionTime: "2026-01-01T10:00:00Z"}
            """;

    /** An IHPA with two Dynamic providers: Reactive (its HorizontalPortrait exists) and Predictive (not yet). */
    static final String REACTIVE_IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata: {name: shopfront}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shopfront}
              minReplicas: 1
              maxReplicas: 20
              portraitProviders:
              - type: Dynamic
                priority: 1
                dynamic:
                  portraitType: Reactive
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 30}}
                  - type: Pods
                    pods: {metric: {name: "qps<b>"}, target: {type: AverageValue, averageValue: "100"}}
                  algorithm: {type: KubeHPA}
              - type: Dynamic
                priority: 2
                dynamic:
                  portraitType: Predictive
                  algorithm: {type: ExternalJob}
            """;
    static final ObjectKey SHOPFRONT = new ObjectKey("shop", "shopfront");
    static final String SHOPFRONT_SERIES = "{type: TimeSeries, timeSeries: {timeSeries: [{timestamp: 1767261600, replicas: 3}, {timestamp: 1767261900, replicas: 4}]}}";

    /** Replaces the portrait data of shopfront's Reactive HorizontalPortrait and waits until the cache has it. */
    static void setShopfrontData(String data, String typeInCache) {
        var hps = cluster.client.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT).inNamespace("shop");
        GenericKubernetesResource current = hps.withName("shopfront-reactive").get();
        GenericKubernetesResource changed = shopfrontPortrait(current.getMetadata().getOwnerReferences().get(0).getUid(), data);
        current.setAdditionalProperty("status", changed.getAdditionalProperties().get("status"));
        hps.resource(current).updateStatus();
        Await.until("the cache to hold the " + typeInCache + " portrait", () -> String.valueOf(
                manager.horizontalPortraitCache().get(new ObjectKey("shop", "shopfront-reactive")).getAdditionalProperties().get("status"))
                .contains("type=" + typeInCache));
    }

    /** The Reactive provider's HorizontalPortrait, owned by the IHPA {@code uid}, with {@code data} as portraitData. */
    static GenericKubernetesResource shopfrontPortrait(String uid, String data) {
        GenericKubernetesResource hp = cluster.client.getKubernetesSerialization().unmarshal("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata:
                  name: shopfront-reactive
                  ownerReferences:
                  - {apiVersion: autoscaling.kapacitystack.io/v1alpha1, kind: IntelligentHorizontalPodAutoscaler, name: shopfront, uid: "%s", controller: true}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shopfront}
                  portraitType: Reactive
                  algorithm: {type: KubeHPA}
                status:
                  portraitData: %s
                  currentMetrics:
                  - {metric: "cpu resource utilization (percentage of request)", current: "171%% (171m)", target: "30%%"}
                  - {metric: "pods metric <b>", current: "<unknown>", target: ""}
                  conditions:
                  - {type: PortraitGenerated, status: "True", reason: SucceededGeneratePortrait, message: "portrait generated", lastTransitionTime: "2026-01-01T10:00:00Z"}
                  - {type: AbleToScale, status: "True", reason: SucceededGetScale, message: "the HPA controller was able to get the target's current scale", lastTransitionTime: "2026-01-01T10:00:00Z"}
                  - {type: ScalingActive, status: "False", reason: FailedGetResourceMetric, message: "<script>alert(1)</script> no metrics", lastTransitionTime: "2026-01-01T10:00:00Z"}
                  - {type: ScalingLimited, status: "True", reason: TooFewReplicas, message: "the desired replica count is less than the minimum", lastTransitionTime: "2026-01-01T10:00:00Z"}
                """.formatted(uid, data), GenericKubernetesResource.class);
        return hp;
    }

    static Vertx vertx;
    static MockCluster cluster;
    static ControllerManager manager;
    static Console console;
    static Console.Listening server;
    static HttpClient http;
    static int port;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        cluster = new MockCluster(vertx);
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-01-01T10:00:00Z"));
        manager = new ControllerManager(vertx, cluster.client, clock, new ControllerMetrics(), new ControllerManager.Settings());
        GenericKubernetesResource raw = cluster.client.getKubernetesSerialization().unmarshal(IHPA, GenericKubernetesResource.class);
        GenericKubernetesResource created = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("shop")
                .resource(raw).create();
        created.setAdditionalProperty("status", raw.getAdditionalProperties().get("status"));
        cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("shop").resource(created).updateStatus();
        GenericKubernetesResource shopfront = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("shop")
                .resource(cluster.client.getKubernetesSerialization().unmarshal(REACTIVE_IHPA, GenericKubernetesResource.class)).create();
        GenericKubernetesResource hp = shopfrontPortrait(shopfront.getMetadata().getUid(), SHOPFRONT_SERIES);
        Object hpStatus = hp.getAdditionalProperties().get("status");
        GenericKubernetesResource hpCreated = cluster.client.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT)
                .inNamespace("shop").resource(hp).create();
        hpCreated.setAdditionalProperty("status", hpStatus);
        cluster.client.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT).inNamespace("shop").resource(hpCreated).updateStatus();
        console = Console.attach(vertx, manager, cluster.client);
        join(manager.startCaches().toCompletionStage());
        server = join(console.listen("127.0.0.1", 0).toCompletionStage());
        port = server.actualPort();
        // SSE streams hold their connections: room for them beside the page requests (5 by default)
        http = vertx.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
        Await.until("the cache to hold the IHPA", () -> manager.ihpaCache().get(new ObjectKey("shop", "web")) != null);
        Await.until("the caches to hold the portrait", () -> manager.ihpaCache().get(SHOPFRONT) != null
                && manager.horizontalPortraitCache().get(new ObjectKey("shop", "shopfront-reactive")) != null);
    }

    @AfterAll
    static void stop() {
        join(server.close().toCompletionStage());
        join(manager.stop().toCompletionStage());
        cluster.close();
        join(vertx.close().toCompletionStage());
    }

    record Reply(int status, MultiMap headers, String body) {
    }

    static Reply get(String path) {
        return send(HttpMethod.GET, path);
    }

    static Reply send(HttpMethod method, String path) {
        return join(http.request(method, port, "127.0.0.1", path)
                .compose(r -> r.send().compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()))))
                .toCompletionStage());
    }

    static void assertSecured(Reply r) {
        assertEquals(Console.CSP, r.headers().get("Content-Security-Policy"));
        assertTrue(Console.CSP.contains("script-src 'self'") && !Console.CSP.contains("unsafe"), Console.CSP);
        assertEquals("nosniff", r.headers().get("X-Content-Type-Options"));
        assertEquals("DENY", r.headers().get("X-Frame-Options"));
    }

    static void assertNoHostileMarkup(String body) {
        assertFalse(body.contains("<script>alert"), body);
        assertFalse(body.contains("<img src=x"), body);
        assertFalse(body.contains("<b>"), body);
        assertFalse(body.contains("<i>fine"), body);
        // the only scripts are the console's own files
        assertFalse(body.matches("(?s).*<script(?! src=\"/)[^>]*>.*"), body);
    }

    /** The console's own server sends the headers on what no route answers too (before, its 404s had none). */
    @Test
    void unroutedPathsAndStaticFilesCarryTheSecurityHeaders() {
        for (String path : List.of("/no-such-page", "/console/no-such-file.css", "/console/console.css")) {
            Reply r = get(path);
            assertSecured(r);
            assertEquals("no-referrer", r.headers().get("Referrer-Policy"), path);
        }
        assertEquals(404, get("/no-such-page").status());
    }

    @Test
    void overviewListsIhpasEscapedWithStrictCsp() {
        Reply r = get("/");
        assertEquals(200, r.status());
        assertSecured(r);
        assertTrue(r.headers().get("Content-Type").startsWith("text/html"));
        String b = r.body();
        assertTrue(b.contains("href=\"/ihpa/shop/web\">web</a>"), b);
        assertTrue(b.contains("team=&lt;script&gt;alert(1)&lt;/script&gt;"), b);
        assertTrue(b.contains("StatefulSet/&lt;img src=x onerror=alert(2)&gt;"), b);
        assertTrue(b.contains("<strong class=\"replicas\">2</strong> from Static"), b);
        assertTrue(b.contains("<progress max=\"100\" value=\"50\"></progress>"), b);
        assertTrue(b.contains("ScalingActive=True: SucceededAutoscaling"), b);
        assertTrue(b.contains("sse-connect=\"/sse/overview?ns=&amp;since="), b);
        assertTrue(b.contains("hx-ext=\"sse\""), b);
        assertNoHostileMarkup(b);
    }

    @Test
    void namespaceFilterIsAppliedAndReflectedEscaped() {
        Reply other = get("/?ns=elsewhere");
        assertEquals(200, other.status());
        assertFalse(other.body().contains("/ihpa/shop/web"), other.body());
        assertTrue(other.body().contains("No IHPA in namespace elsewhere"), other.body());
        Reply hostile = get("/?ns=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertEquals(200, hostile.status());
        assertTrue(hostile.body().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), hostile.body());
        assertNoHostileMarkup(hostile.body());
        assertTrue(get("/?ns=shop").body().contains("/ihpa/shop/web"));
    }

    @Test
    void ihpaPageExplainsProvidersAndCronRules() {
        Reply r = get("/ihpa/shop/web");
        assertEquals(200, r.status());
        assertSecured(r);
        String b = r.body();
        // 10:00 on the manual clock: the cron rule (08:00-09:00) is inactive, so Static wins despite its lower priority
        assertTrue(b.contains("Now: <strong>2</strong> replicas from provider #1 (Static)"), b);
        assertTrue(b.contains("wins: highest priority among valid values"), b);
        assertTrue(b.contains("morning&lt;b&gt;"), b);
        assertTrue(b.contains("<time>2026-01-02T08:00:00Z</time></td><td><time>2026-01-02T09:00:00Z</time>"), b);
        assertTrue(b.contains("data-chart=\"{&quot;t&quot;:["), b);
        // the chart runs up to the controller's clock, not only to the last change
        assertTrue(b.matches("(?s).*data-chart=\"[^\"]*&quot;now&quot;:[0-9.E]+\\}\".*"), b);
        assertTrue(b.contains("sse-connect=\"/sse/ihpa/shop/web?since="), b);
        assertTrue(b.contains(ConsoleView.UPLOT_JS), b);
        assertNoHostileMarkup(b);
    }

    @Test
    void ihpaPageShowsEventsTheApiHeldBeforeTheConsoleStarted() {
        for (String[] e : new String[][]{{"web", "IntelligentHorizontalPodAutoscaler", "BeforeConsole"},
                {"web", "ReplicaProfile", "UpdateScale"}, {"other", "IntelligentHorizontalPodAutoscaler", "NotMine"},
                {"web", "Pod", "NotMineEither"}}) {
            cluster.client.v1().events().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                    .withNewMetadata().withName(e[0] + "." + e[2]).endMetadata()
                    .withNewInvolvedObject().withKind(e[1]).withName(e[0]).withNamespace("shop").endInvolvedObject()
                    .withType("Warning").withReason(e[2]).withMessage(HOSTILE + " " + e[2])
                    .withFirstTimestamp("2025-12-31T23:00:00Z").withLastTimestamp("2025-12-31T23:30:00Z").build()).create();
        }
        String b = get("/ihpa/shop/web").body();
        assertTrue(b.contains("<td>BeforeConsole</td><td>&lt;script&gt;alert(1)&lt;/script&gt; BeforeConsole</td>"), b);
        assertTrue(b.contains("<td>ReplicaProfile</td><td>Warning</td><td>UpdateScale</td>"), b);
        assertTrue(b.contains("<time>2025-12-31T23:30:00Z</time>"), b);
        assertFalse(b.contains("NotMine"), b);
        assertNoHostileMarkup(b);
    }

    @Test
    void unknownIhpaIs404AndEscaped() {
        Reply r = get("/ihpa/shop/%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        assertEquals(404, r.status());
        assertSecured(r);
        assertTrue(r.body().contains("shop/&lt;script&gt;"), r.body());
        assertNoHostileMarkup(r.body());
    }

    @Test
    void assetsAreServedFromThisOrigin() {
        for (String path : List.of("/console/console.js", "/console/console.css", ConsoleView.HTMX, ConsoleView.HTMX_SSE,
                ConsoleView.UPLOT_JS, ConsoleView.UPLOT_CSS)) {
            Reply r = get(path);
            assertEquals(200, r.status(), path);
            assertSecured(r);
            assertTrue(r.body().length() > 100, path);
        }
    }

    @Test
    void thereAreNoWriteRoutes() {
        for (HttpMethod m : List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
            for (String path : List.of("/", "/ihpa/shop/web", "/sse/overview")) {
                int status = send(m, path).status();
                assertTrue(status == 404 || status == 405, m + " " + path + " gave " + status);
            }
        }
    }

    /** Reads an SSE stream into a buffer until closed. */
    static final class Stream {
        final StringBuffer text = new StringBuffer();
        final HttpClientResponse response;

        Stream(String path, String lastEventId) {
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path)
                    .putHeader("Accept", "text/event-stream");
            if (lastEventId != null) {
                o.putHeader("Last-Event-ID", lastEventId);
            }
            response = join(http.request(o).compose(r -> r.send()).map(resp -> {
                resp.handler(buf -> text.append(buf.toString()));
                return resp;
            }).toCompletionStage());
        }

        void await(String what, String needle) {
            Await.until(what + " (stream so far: " + text.length() + " chars)", Duration.ofSeconds(20), () -> text.toString().contains(needle));
        }

        void close() {
            response.request().connection().close();
        }
    }

    static IntelligentHorizontalPodAutoscaler webIhpa() {
        GenericKubernetesResource raw = manager.ihpaCache().get(new ObjectKey("shop", "web"));
        return io.kapacitystack.kapacity.kube.KubeObjects.convert(cluster.client.getKubernetesSerialization(), raw,
                IntelligentHorizontalPodAutoscaler.class);
    }

    @Test
    void streamsSendARecordedEventLive() {
        long since = console.hub().lastId();
        Stream page = new Stream("/sse/ihpa/shop/web?since=" + since, null);
        Stream overview = new Stream("/sse/overview?ns=shop&since=" + since, null);
        try {
            assertEquals("text/event-stream; charset=utf-8", page.response.getHeader("Content-Type"));
            assertNotNull(page.response.getHeader("Content-Security-Policy"));
            Await.until("both subscribed", () -> console.hub().subscriberCount() >= 2);
            join(manager.ihpaEvents().record(webIhpa(), PlannedEvent.warning("LiveTest", HOSTILE)).toCompletionStage());
            page.await("the event row", "event: event\ndata: <tr class=\"warning\">");
            assertTrue(page.text.toString().contains("LiveTest</td><td>&lt;script&gt;alert(1)&lt;/script&gt;"), page.text.toString());
            overview.await("the log line", "event: log\n");
            overview.await("the row", "event: " + ConsoleView.rowToken(new ObjectKey("shop", "web")) + "\n");
            assertFalse(overview.text.toString().contains("<script>alert"), overview.text.toString());
            assertFalse(page.text.toString().contains("<script>alert"), page.text.toString());
        } finally {
            page.close();
            overview.close();
        }
    }

    /** The overview opens with what already happened; what happens next arrives over the stream. */
    @Test
    void theOverviewOpensWithRecentEventsEscaped() {
        join(manager.ihpaEvents().record(webIhpa(), PlannedEvent.warning("EarlierEvent", HOSTILE)).toCompletionStage());
        String b = get("/").body();
        int log = b.indexOf("<ul id=\"log\"");
        assertTrue(log > 0 && b.indexOf("EarlierEvent", log) > log, b);
        assertTrue(b.contains("href=\"/ihpa/shop/web\">shop/web</a>"), b);
        assertNoHostileMarkup(b);
        assertFalse(get("/?ns=elsewhere").body().contains("EarlierEvent"), "the namespace filter applies to them too");
    }

    @Test
    void aReconnectWithLastEventIdReplaysOnlyWhatWasMissed() {
        IntelligentHorizontalPodAutoscaler ihpa = webIhpa();
        join(manager.ihpaEvents().record(ihpa, PlannedEvent.normal("Replay1", "first")).toCompletionStage());
        long after1 = console.hub().lastId();
        join(manager.ihpaEvents().record(ihpa, PlannedEvent.normal("UpdateReplicaProfile",
                "update ReplicaProfile with onlineReplcas: 2 -> 5, cutoffReplicas: 0 -> 0, standbyReplicas: 0 -> 0")).toCompletionStage());
        join(manager.ihpaEvents().record(ihpa, PlannedEvent.normal("Replay3", "third")).toCompletionStage());
        long after3 = console.hub().lastId();

        Stream s = new Stream("/sse/ihpa/shop/web", Long.toString(after1));
        try {
            s.await("the third event", "Replay3");
            String t = s.text.toString();
            assertFalse(t.contains("Replay1"), t);
            assertTrue(t.contains("event: history\ndata: <tr><td><time>"), t);
            assertTrue(t.contains("<td>2 \u2192 5</td>"), t);
            assertTrue(t.contains("id: " + after3 + "\n"), t);
            assertTrue(t.indexOf("UpdateReplicaProfile") < t.indexOf("Replay3"), t);
        } finally {
            s.close();
        }
        // the history survives into a fresh page render
        assertTrue(get("/ihpa/shop/web").body().contains("<td>2 \u2192 5</td>"));

        // an id this process never issued (a restart in between): the whole current state instead
        Stream fresh = new Stream("/sse/ihpa/shop/web", Long.toString(after3 + 1_000_000));
        try {
            fresh.await("a full summary", "event: summary\n");
            assertFalse(fresh.text.toString().contains("Replay3"), fresh.text.toString());
        } finally {
            fresh.close();
        }
    }

    @Test
    void ihpaPageShowsTheHorizontalPortraitOfEachDynamicProviderEscaped() {
        Reply r = get("/ihpa/shop/shopfront");
        assertEquals(200, r.status());
        String b = r.body();
        // the Reactive provider: its metric targets from the spec, its time series and its conditions
        assertTrue(b.contains("Dynamic provider #1: Reactive portrait"), b);
        assertTrue(b.contains("<code>shopfront-reactive</code>"), b);
        assertTrue(b.contains("<li>cpu 30 % of request</li>"), b);
        assertTrue(b.contains("<li>qps&lt;b&gt; per pod average 100</li>"), b);
        assertTrue(b.contains("Data: <strong>TimeSeries</strong>"), b);
        // the reactive metric against its target, as the last generation saw it
        assertTrue(b.contains("<tr><td>cpu resource utilization (percentage of request)</td>"
                + "<td class=\"current-metric\">171% (171m)</td><td>30%</td></tr>"), b);
        assertTrue(b.contains("<tr><td>pods metric &lt;b&gt;</td><td class=\"current-metric\">&lt;unknown&gt;</td>"), b);
        assertTrue(b.contains("<tr><td><time>2026-01-01T10:00:00Z</time></td><td>3</td></tr><tr><td><time>2026-01-01T10:05:00Z</time></td><td>4</td></tr>"), b);
        assertTrue(b.contains("<tr><td>PortraitGenerated</td><td><span class=\"badge ok\">True</span></td><td>SucceededGeneratePortrait</td>"), b);
        assertTrue(b.contains("<tr><td>AbleToScale</td><td><span class=\"badge ok\">True</span></td><td>SucceededGetScale</td>"), b);
        assertTrue(b.contains("<tr><td>ScalingActive</td><td><span class=\"badge bad\">False</span></td><td>FailedGetResourceMetric</td>"
                + "<td>&lt;script&gt;alert(1)&lt;/script&gt; no metrics</td>"), b);
        assertTrue(b.contains("<tr><td>ScalingLimited</td><td><span class=\"badge warn\">True</span></td><td>TooFewReplicas</td>"), b);
        // the Predictive provider's portrait does not exist yet
        assertTrue(b.contains("Dynamic provider #2: Predictive portrait"), b);
        assertTrue(b.contains("<code>shopfront-predictive</code>"), b);
        assertTrue(b.indexOf("Not created yet") > b.indexOf("shopfront-predictive"), b);
        assertNoHostileMarkup(b);
        // the page of an IHPA without Dynamic providers shows none
        assertFalse(get("/ihpa/shop/web").body().contains("Dynamic provider #"));
    }

    /** The providers table shows what each Dynamic provider recommends, read from its HorizontalPortrait. */
    @Test
    void providersTableReadsDynamicValuesFromTheirPortraits() {
        String b = get("/ihpa/shop/shopfront").body();
        // no status stored: the Reactive portrait's time series says 3 at 10:00
        assertTrue(b.contains("<tr class=\"winner\"><td>1</td><td>Dynamic</td><td>1</td><td>3</td>"), b);
        assertTrue(b.contains("<td>2</td><td>Dynamic</td><td>2</td><td>-</td><td>-</td>"
                + "<td>no value now (its HorizontalPortrait has no data yet)</td>"), b);
    }

    @Test
    void aHorizontalPortraitChangeAndItsEventsReachTheIhpaPageLive() {
        Stream page = new Stream("/sse/ihpa/shop/shopfront?since=" + console.hub().lastId(), null);
        try {
            Await.until("subscribed", () -> console.hub().subscriberCount() >= 1);
            setShopfrontData("{type: Static, static: {replicas: 7}, expireTime: \"2026-01-01T11:00:00Z\"}", "Static");
            page.await("the new portrait data", "<strong class=\"hp-replicas\">7</strong>");
            String t = page.text.toString();
            String summary = t.substring(t.lastIndexOf("event: summary\n"));
            assertTrue(summary.contains("Data: <strong>Static</strong>, expires <time>2026-01-01T11:00:00Z</time>"), summary);
            assertFalse(summary.contains("hp-series"), summary);

            // an event recorded on the portrait appears on its IHPA's page
            GenericKubernetesResource hp = manager.horizontalPortraitCache().get(new ObjectKey("shop", "shopfront-reactive"));
            join(manager.horizontalPortraitEvents().record(hp, PlannedEvent.warning("FailedComputeMetricsReplicas", HOSTILE)).toCompletionStage());
            page.await("the portrait's event", "FailedComputeMetricsReplicas");
            t = page.text.toString();
            assertTrue(t.contains("<td>HorizontalPortrait</td><td>Warning</td><td>FailedComputeMetricsReplicas</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), t);
            assertFalse(t.contains("<script>alert"), t);
        } finally {
            page.close();
            setShopfrontData(SHOPFRONT_SERIES, "TimeSeries"); // as the other tests expect it
        }
    }

    @Test
    void severalInstancesShareThePortAndAllCloseTogether() throws Exception {
        Console.Listening three = join(console.listen("127.0.0.1", 0, null, 3).toCompletionStage());
        int p = three.actualPort();
        Reply r = join(http.request(HttpMethod.GET, p, "127.0.0.1", "/")
                .compose(q -> q.send().compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()))))
                .toCompletionStage());
        assertEquals(200, r.status());
        join(three.close().toCompletionStage());
        // nothing listens on the port any more: it can be bound again (once the client's pooled connection, accepted
        // on that port, has been closed by the server too)
        Await.until("port " + p + " free again", () -> {
            try (java.net.ServerSocket again = new java.net.ServerSocket(p, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                return again.getLocalPort() == p;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void closedStreamsUnsubscribe() {
        int before = console.hub().subscriberCount();
        Stream s = new Stream("/sse/overview", null);
        Await.until("subscribed", () -> console.hub().subscriberCount() == before + 1);
        s.close();
        Await.until("unsubscribed", () -> console.hub().subscriberCount() == before);
    }

    /** A predictive IHPA (its own namespace) whose ExternalJob HorizontalPortrait holds a TimeSeries and a job report. */
    static final String PREDICTIVE_IHPA = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: IntelligentHorizontalPodAutoscaler
            metadata: {name: forecast}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
              minReplicas: 1
              maxReplicas: 10
              portraitProviders:
              - type: Dynamic
                priority: 1
                dynamic:
                  portraitType: Predictive
                  algorithm: {type: ExternalJob}
            """;

    static void createForecastIhpa() {
        if (manager.horizontalPortraitCache().get(new ObjectKey("predict", "forecast-predictive")) != null) {
            return;
        }
        var ihpas = cluster.client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT).inNamespace("predict");
        GenericKubernetesResource ihpa = ihpas.resource(cluster.client.getKubernetesSerialization()
                .unmarshal(PREDICTIVE_IHPA, GenericKubernetesResource.class)).create();
        GenericKubernetesResource hp = cluster.client.getKubernetesSerialization().unmarshal("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata:
                  name: forecast-predictive
                  ownerReferences:
                  - {apiVersion: autoscaling.kapacitystack.io/v1alpha1, kind: IntelligentHorizontalPodAutoscaler, name: forecast, uid: "%s", controller: true}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
                  portraitType: Predictive
                  algorithm: {type: ExternalJob}
                status:
                  portraitData: {type: TimeSeries, expireTime: "2026-01-01T11:00:00Z", timeSeries: {timeSeries: [{timestamp: 1767261000, replicas: 2}, {timestamp: 1767261600, replicas: 5}, {timestamp: 1767262200, replicas: 3}]}}
                  jobReport:
                    model: "qps=seasonal-profile<b>"
                    periods: "qps=1h"
                    backtestMAPE: "qps=4.2%%"
                    naiveMAPE: "qps=31.0%%"
                    underForecastRate: "qps=12.5%%"
                    generatedAt: "2026-01-01T09:30:16.00Z"
                    custom<b>: "<script>alert(1)</script>"
                  conditions:
                  - {type: PortraitGenerated, status: "True", reason: SucceededGeneratePortrait, message: "<i>fine</i>", lastTransitionTime: "2026-01-01T09:30:16Z"}
                """.formatted(ihpa.getMetadata().getUid()), GenericKubernetesResource.class);
        Object status = hp.getAdditionalProperties().get("status");
        var hps = cluster.client.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT).inNamespace("predict");
        GenericKubernetesResource created = hps.resource(hp).create();
        created.setAdditionalProperty("status", status);
        hps.resource(created).updateStatus();
        Await.until("the caches to hold the predictive portrait", () -> manager.ihpaCache().get(new ObjectKey("predict", "forecast")) != null
                && String.valueOf(manager.horizontalPortraitCache().get(new ObjectKey("predict", "forecast-predictive"))
                .getAdditionalProperties().get("status")).contains("jobReport"));
    }

    @Test
    void aPredictivePortraitShowsItsJobsReportEscapedAndLoadsItsForecastChart() {
        createForecastIhpa();
        Reply page = get("/ihpa/predict/forecast");
        assertEquals(200, page.status());
        String b = page.body();
        assertTrue(b.contains("<div class=\"algorithm-job\">"), b);
        assertTrue(b.contains("<dd class=\"job-model\">qps=seasonal-profile&lt;b&gt;</dd>"), b);
        assertTrue(b.contains("MAPE qps=4.2% (naive baseline qps=31.0%), under-forecast qps=12.5%"), b);
        assertTrue(b.contains("PortraitGenerated=True: SucceededGeneratePortrait"), b);
        assertTrue(b.contains("<code>custom&lt;b&gt;</code>: &lt;script&gt;alert(1)&lt;/script&gt;"), b);
        // this manager has no algorithm-job namespace: the CronJob cannot be read, and the page says so
        assertTrue(b.contains("not readable here"), b);
        assertTrue(b.contains("hx-get=\"/ihpa/predict/forecast/forecast/forecast-predictive\""), b);
        assertNoHostileMarkup(b);

        Reply chart = get("/ihpa/predict/forecast/forecast/forecast-predictive");
        assertEquals(200, chart.status());
        assertSecured(chart);
        String c = chart.body();
        // three points 10 min apart, held until the expiry: 3 + 2 risers + 1 hold
        assertTrue(c.matches("(?s).*<polyline class=\"forecast\" points=\"(\\S+ ){5}\\S+\"/>.*"), c);
        assertTrue(c.contains("the manager has no metrics provider"), c);
        assertFalse(c.contains("style="), c);
    }

    @Test
    void theForecastRouteDrawsOnlyPortraitsOfThatIhpa() {
        createForecastIhpa();
        assertEquals(404, get("/ihpa/predict/forecast/forecast/shopfront-reactive").status());
        assertEquals(404, get("/ihpa/shop/shopfront/forecast/forecast-predictive").status());
        Reply none = get("/ihpa/predict/nosuch/forecast/%3Cscript%3E");
        assertEquals(404, none.status());
        assertNoHostileMarkup(none.body());
        // a portrait of the IHPA without a TimeSeries: said, not drawn
        Reply reactive = get("/ihpa/shop/shopfront/forecast/shopfront-predictive");
        assertEquals(200, reactive.status());
        assertTrue(reactive.body().contains("No forecast yet"), reactive.body());
    }
}
