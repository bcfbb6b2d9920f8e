package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20, "the console history rebuilt after a manager restart", with real processes: a manager (its own process,
 * publishing to a real in-process KRaft broker, its console on) scales nginx 5 -> 1 in a gray scale-down; it is
 * stopped as Kubernetes stops a pod (SIGTERM) and a new manager process with the same flags takes over. The new
 * console's replica chart shows the 5 online replicas it never saw itself: they were read back from the topic. A
 * third manager told not to read the topic ({@code --kafka-console-history 0s}) shows only what it saw, so the
 * history really came from Kafka.
 */
class ConsoleHistoryRestartIT {

    private static final Pattern CHART = Pattern.compile("data-chart=\"([^\"]*)\"");

    private SuiteKafka kafka;
    private FaultSuite suite;

    @AfterEach
    void stop() throws Exception {
        if (suite != null) {
            suite.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aRestartedManagersConsoleShowsTheReplicaHistoryFromBeforeItsStart() throws Exception {
        kafka = SuiteKafka.start();
        suite = FaultSuite.start("console-history");
        int console = freePort();
        suite.managerFlags(flags(console, "6h")).startManager();
        suite.awaitConverged(5, FaultSuite.START);
        suite.desire(1);
        suite.awaitConverged(1, FaultSuite.START);
        Await.until("the live console's chart shows 5 and then 1 online", FaultSuite.START,
                () -> online(console).contains(5) && online(console).contains(1));
        Await.until("every record acknowledged", FaultSuite.START,
                () -> suite.metric(0, "kapacity_kafka_records_sent_total") > 0
                        && suite.metric(0, "kapacity_kafka_records_buffered") == 0);

        stopLeaderAndAwaitTheNext();
        Await.until("the restarted console shows the 5 online replicas of before its start, read from the topic",
                FaultSuite.START, () -> online(console).contains(5));
        assertTrue(suite.converged(1), "nothing scaled meanwhile");

        // without reading the topic, a restarted console has only what it saw itself: 1 online
        suite.managerFlags(flags(console, "0s"));
        stopLeaderAndAwaitTheNext();
        Await.until("the console without stream history shows the IHPA's current replicas", FaultSuite.START,
                () -> online(console).contains(1));
        assertFalse(online(console).contains(5), "without the stream the history before the restart is gone");
    }

    private String[] flags(int consolePort, String history) {
        List<String> flags = new ArrayList<>(List.of(kafka.managerFlags()));
        flags.addAll(List.of("--console-bind-address", "127.0.0.1:" + consolePort, "--console-auth-mode", "none",
                "--console-anonymous-read", "--kafka-console-history", history));
        return flags.toArray(String[]::new);
    }

    /** SIGTERM to the leader, as Kubernetes stops a pod; the suite starts another with the current flags. */
    private void stopLeaderAndAwaitTheNext() throws InterruptedException {
        String previous = suite.holder();
        Process leader = suite.leader();
        leader.destroy();
        assertTrue(leader.waitFor(60, TimeUnit.SECONDS), "the manager stops on SIGTERM");
        Await.until("another manager leads", FaultSuite.START, () -> suite.holder() != null && !suite.holder().equals(previous));
    }

    /** The online replicas of the IHPA page's chart (empty while the console does not answer). */
    private static List<Integer> online(int port) {
        try {
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/ihpa/" + FaultSuite.NS + "/chaos"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher chart = CHART.matcher(page.body());
            if (page.statusCode() != 200 || !chart.find()) {
                return List.of();
            }
            JsonArray online = new JsonObject(chart.group(1).replace("&quot;", "\"")).getJsonArray("online");
            List<Integer> out = new ArrayList<>();
            online.forEach(v -> {
                if (v != null) {
                    out.add(((Number) v).intValue());
                }
            });
            return out;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
