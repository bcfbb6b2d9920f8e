package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.kapacitystack.kapacity.testing.Await;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsList;
import io.kapacitystack.kapacity.sandbox.traffic.PodUsage;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadRef;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Traffic annotations → per-pod usage, PodMetrics, Prometheus exposition, and warnings for bad annotations. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrafficMetricsIT {

    private static final String NS = "traffic";
    private static final WorkloadRef NGINX = new WorkloadRef("StatefulSet", NS, "nginx");
    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();

    @BeforeAll
    void start() {
        sandbox.apply(NS, SandboxFixture.resource("nginx-statefulset.yaml"));
        sandbox.apply(NS, SandboxFixture.resource("nginx-ingress.yaml"));
        Kubectl k = sandbox.kubectl;
        k.run("annotate", "sts", "nginx", "-n", NS, "sandbox.kapacitystack.io/traffic=constant 300",
                "sandbox.kapacitystack.io/cpu-per-request=10m").ok();
        k.run("scale", "sts", "nginx", "-n", NS, "--replicas=3").ok();
        Await.until("3 pods", () -> sandbox.client().pods().inNamespace(NS).list().getItems().size() == 3);
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
        Await.until("3 ready pods use traffic", () -> sandbox.cluster.metrics()
                .workloadUsages(NGINX, sandbox.clock.now()).stream().filter(PodUsage::ready).count() == 3
                && sandbox.cluster.metrics().requestsPerSecond(NGINX, sandbox.clock.now()) == 300);
    }

    @Test
    void cpuIsTrafficSpreadOverReadyPodsTimesCost() {
        Instant now = sandbox.clock.now();
        List<PodUsage> usages = sandbox.cluster.metrics().workloadUsages(NGINX, now);
        assertEquals(3, usages.size());
        for (PodUsage u : usages) {
            assertEquals(100, u.requestsPerSecond(), 1e-9);
            assertEquals(0.001 + 100 * 0.010, u.cpuCores(), 1e-9);
            assertEquals(20 * 1024 * 1024 + 100 * 100 * 1024, u.memoryBytes());
        }
        // synthesized history: a day ago, as if the same pods had been running; nothing before the horizon
        assertEquals(3, sandbox.cluster.metrics().workloadUsages(NGINX, now.minus(Duration.ofDays(1))).size());
        assertTrue(sandbox.cluster.metrics().workloadUsages(NGINX, now.minus(Duration.ofDays(15))).isEmpty());
        assertEquals(300, sandbox.cluster.metrics().ingressRequestsPerSecond(NS, "nginx-server", now), 1e-9);
    }

    @Test
    void podMetricsApiServesMetricsServerDocuments() {
        PodMetricsList list = sandbox.client().top().pods().metrics(NS);
        assertEquals(3, list.getItems().size());
        PodMetrics one = sandbox.client().top().pods().metrics(NS, "nginx-0");
        assertEquals("nginx", one.getContainers().get(0).getName());
        double cores = one.getContainers().get(0).getUsage().get("cpu").getNumericalAmount().doubleValue();
        assertEquals(1.001, cores, 1e-6);
        assertEquals(Duration.ofSeconds(30), one.getWindow().getDuration());
        String top = sandbox.kubectl.run("top", "pod", "-n", NS).ok().out();
        assertTrue(top.matches("(?s).*nginx-0\\s+1001m\\s+\\d+Mi.*"), top);
    }

    @Test
    void prometheusExpositionHasTheRealExportersSeries() throws Exception {
        HttpServer server = sandbox.vertx.createHttpServer().requestHandler(sandbox.cluster.metricsRouter());
        int port = server.listen(0).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).actualPort();
        try {
            String first = get(port);
            assertTrue(first.contains("# TYPE container_cpu_usage_seconds_total counter"), first);
            assertTrue(first.contains("container_memory_working_set_bytes{namespace=\"traffic\",pod=\"nginx-0\",container=\"nginx\""), first);
            assertTrue(first.contains("kube_pod_status_ready{namespace=\"traffic\",pod=\"nginx-0\",uid="), first);
            assertTrue(first.matches("(?s).*kube_pod_status_ready\\{namespace=\"traffic\",pod=\"nginx-1\",uid=\"[^\"]+\",condition=\"true\"} 1\n.*"), first);
            assertTrue(first.contains("nginx_ingress_controller_requests{namespace=\"traffic\",ingress=\"nginx-server\",service=\"nginx\""), first);
            assertTrue(first.contains("nginx_ingress_controller_requests_rate{namespace=\"traffic\",ingress=\"nginx-server\"} 300\n"), first);
            double before = cpuCounter(first, "nginx-0");
            sandbox.clock.advance(Duration.ofSeconds(60));
            double after = cpuCounter(get(port), "nginx-0");
            assertEquals(1.001 * 60, after - before, 1e-6);
        } finally {
            server.close();
        }
    }

    @Test
    void malformedAnnotationIsAWarningEventAndIsIgnored() {
        var r = sandbox.kubectl.run("annotate", "--overwrite", "sts", "nginx", "-n", NS,
                "sandbox.kapacitystack.io/traffic=sometimes lots");
        r.ok();
        Await.until("warning event", () -> sandbox.client().v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(TrafficMetricsIT::isTrafficWarning));
        Event event = sandbox.client().v1().events().inNamespace(NS).list().getItems().stream()
                .filter(TrafficMetricsIT::isTrafficWarning).findFirst().orElseThrow();
        assertTrue(event.getMessage().contains("unknown traffic profile \"sometimes\""), event.getMessage());
        assertEquals("StatefulSet", event.getInvolvedObject().getKind());
        assertEquals(300, sandbox.cluster.metrics().requestsPerSecond(NGINX, sandbox.clock.now()));
        String events = sandbox.kubectl.run("get", "events", "-n", NS).ok().out();
        assertTrue(events.contains("InvalidTrafficAnnotation") && events.contains("statefulset/nginx"), events);

        sandbox.kubectl.run("annotate", "--overwrite", "sts", "nginx", "-n", NS,
                "sandbox.kapacitystack.io/traffic=vshape 100").ok();
        Await.until("vshape traffic", () -> Math.abs(sandbox.cluster.metrics()
                .requestsPerSecond(NGINX, Instant.parse("2024-05-01T10:15:00Z")) - 1501 / 60.0) < 1e-9);
        sandbox.kubectl.run("annotate", "--overwrite", "sts", "nginx", "-n", NS,
                "sandbox.kapacitystack.io/traffic=constant 300").ok();
        Await.until("back to constant", () -> sandbox.cluster.metrics().requestsPerSecond(NGINX, sandbox.clock.now()) == 300);
    }

    private static boolean isTrafficWarning(Event e) {
        return "InvalidTrafficAnnotation".equals(e.getReason()) && "Warning".equals(e.getType());
    }

    private static String get(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/sandbox/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static double cpuCounter(String text, String pod) {
        Matcher m = Pattern.compile("container_cpu_usage_seconds_total\\{namespace=\"traffic\",pod=\"" + pod
                + "\",container=\"nginx\",cpu=\"total\"} ([0-9.]+)").matcher(text);
        assertTrue(m.find(), text);
        return Double.parseDouble(m.group(1));
    }
}
