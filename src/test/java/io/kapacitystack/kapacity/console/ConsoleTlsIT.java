package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.metrics.prometheus.TestCerts;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kapacitystack.kapacity.testing.MockCluster.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console over HTTPS with a self-signed certificate made by openssl in the test; session cookies are Secure. */
class ConsoleTlsIT {

    @TempDir
    Path dir;

    @Test
    void servesHttpsAndMarksTheSessionCookieSecure() throws Exception {
        TestCerts.Pair cert = new TestCerts(dir).selfSigned("console");
        Vertx vertx = Vertx.vertx();
        MockCluster cluster = new MockCluster(vertx);
        ControllerManager manager = new ControllerManager(vertx, cluster.client, new ManualClock(vertx, Instant.parse("2026-01-01T00:00:00Z")),
                new ControllerMetrics(), new ControllerManager.Settings());
        String token = SandboxAuthenticator.randomToken();
        Console console = Console.attach(vertx, manager, cluster.client).authenticator(new SandboxAuthenticator(token));
        try {
            join(manager.startCaches().toCompletionStage());
            Console.Listening server = join(console.listen("127.0.0.1", 0, Console.Tls.of(cert.cert().toString(), cert.key().toString())).toCompletionStage());
            int port = server.actualPort();
            HttpClient https = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
                    .setTrustOptions(new PemTrustOptions().addCertPath(cert.cert().toString())).setVerifyHost(true));
            var page = join(https.request(HttpMethod.GET, port, "localhost", "/login")
                    .compose(r -> r.send().compose(resp -> resp.body().map(b -> new Object[]{resp.statusCode(), resp.headers(), b.toString()})))
                    .toCompletionStage());
            assertEquals(200, page[0]);
            io.vertx.core.MultiMap headers = (io.vertx.core.MultiMap) page[1];
            assertEquals(Console.CSP, headers.get("Content-Security-Policy"));
            String loginCookie = headers.getAll("Set-Cookie").stream().filter(c -> c.startsWith(Sessions.LOGIN_COOKIE)).findFirst().orElseThrow();
            assertTrue(loginCookie.contains("; Secure"), loginCookie);
            Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher((String) page[2]);
            assertTrue(m.find());
            String cookieValue = loginCookie.substring(loginCookie.indexOf('=') + 1, loginCookie.indexOf(';'));
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost("localhost").setPort(port).setURI("/login")
                    .putHeader("Cookie", Sessions.LOGIN_COOKIE + "=" + cookieValue).putHeader("Content-Type", "application/x-www-form-urlencoded");
            var login = join(https.request(o).compose(r -> r.send(Buffer.buffer("_csrf=" + m.group(1) + "&token=" + token))
                    .map(resp -> resp)).toCompletionStage());
            assertEquals(303, login.statusCode());
            String session = login.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith(Sessions.COOKIE)).findFirst().orElseThrow();
            assertTrue(session.contains("; Secure") && session.toLowerCase().contains("; httponly") && session.contains("SameSite=Strict"), session);

            // plain HTTP on the TLS port gets no page
            HttpClient plain = vertx.createHttpClient();
            assertThrows(IllegalStateException.class, () -> join(plain.request(HttpMethod.GET, port, "127.0.0.1", "/")
                    .compose(r -> r.send().compose(resp -> resp.body())).toCompletionStage()));
            join(server.close().toCompletionStage());
        } finally {
            join(manager.stop().toCompletionStage());
            cluster.close();
            join(vertx.close().toCompletionStage());
        }
    }

    @Test
    void certificateAndKeyGoTogether() {
        assertThrows(IllegalArgumentException.class, () -> Console.Tls.of("/a.crt", ""));
        assertEquals(null, Console.Tls.of("", ""));
    }
}
