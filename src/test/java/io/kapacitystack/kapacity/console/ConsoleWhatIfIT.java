package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's "What if" on the predictive quick start's IHPA in the sandbox: the backtest replays the Ingress
 * traffic the sandbox's metrics provider holds (the job's own query) through the IHPA as written and the
 * alternatives, and the page shows the table and the chart; bad parameters are refused, hostile ones escaped.
 */
class ConsoleWhatIfIT {

    private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    static Path dir;

    static Vertx vertx;
    static SandboxApp app;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.grpcPort = 0;
        s.clock = new ManualClock(vertx, START);
        s.kubeconfig = dir.resolve("kubeconfig");
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        app.loadSamples(vertx, List.of("predictive")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Await.until("the IHPA's page", Duration.ofSeconds(60), () -> get("/ihpa/predictive-sample/predictive-sample").statusCode() == 200);
        assertTrue(get("/ihpa/predictive-sample/predictive-sample").body()
                .contains("href=\"/ihpa/predictive-sample/predictive-sample/whatif\""), "the IHPA page links to What if");
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theBacktestOfTheIhpaAsWrittenAndTheAlternativesIsShownAsATableAndAChart() {
        HttpResponse<String> r = get("/ihpa/predictive-sample/predictive-sample/whatif?capacity=10&target=0.7");
        assertEquals(200, r.statusCode(), r.body());
        String body = r.body();
        for (String policy : List.of("oracle", "hpa", "predictive", "predictive+hpa", "this IHPA")) {
            assertTrue(body.contains("<tr><td>" + policy + "</td>"), policy + " in " + body);
        }
        assertTrue(body.contains("<svg role=\"img\""), body);
        assertTrue(body.contains("samples."), body);
        assertTrue(r.headers().firstValue("Content-Security-Policy").isPresent());
    }

    @Test
    void withoutACapacityThePageAsksForOneAndBadOrHostileParametersAreRefused() {
        HttpResponse<String> form = get("/ihpa/predictive-sample/predictive-sample/whatif");
        assertEquals(200, form.statusCode());
        assertTrue(form.body().contains("name=\"capacity\""), form.body());
        assertFalse(form.body().contains("<table"), form.body());
        assertEquals(400, get("/ihpa/predictive-sample/predictive-sample/whatif?capacity=-1").statusCode());
        assertEquals(400, get("/ihpa/predictive-sample/predictive-sample/whatif?capacity=10&target=2").statusCode());
        HttpResponse<String> hostile = get("/ihpa/predictive-sample/predictive-sample/whatif?capacity=%3Cscript%3E");
        assertEquals(400, hostile.statusCode());
        assertFalse(hostile.body().contains("<script>"), hostile.body());
        assertEquals(404, get("/ihpa/predictive-sample/nope/whatif?capacity=10").statusCode());
    }
}
