package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Sample;
import io.kapacitystack.kapacity.metrics.Series;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.kapacitystack.kapacity.grpc.GrpcTestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Python gRPC client (Debian's python3-grpcio and python3-protobuf, modules generated at test time by
 * Debian's protoc from our .proto files) making the calls of Kapacity's predictive algorithm job (spec §11.2)
 * against the service. scripts/test.sh installs the packages; without them this test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonInteropIT {

    static final String PYTHON = "/usr/bin/python3";
    static final String PROTOC = "/usr/bin/protoc";
    static final long T0 = 1_700_000_000_000L;

    private final Vertx vertx = Vertx.vertx();
    private final FakeProvider provider = new FakeProvider();
    private final List<Object[]> ranges = new CopyOnWriteArrayList<>();
    private Path pb2;
    private Path script;

    @BeforeAll
    void generateStubs() throws Exception {
        assertTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing: run scripts/test.sh (installs python3)");
        assertTrue(Files.isExecutable(Path.of(PROTOC)),
                PROTOC + " is missing: run scripts/test.sh (installs protobuf-compiler)");
        String modules = run(List.of(PYTHON, "-c", "import grpc, google.protobuf; print(grpc.__version__)"), 0);
        assertTrue(modules.strip().matches("\\d+\\.\\d+.*"), "python3-grpcio / python3-protobuf: " + modules);

        Path dir = Files.createTempDirectory("python-grpc");
        pb2 = Files.createDirectories(dir.resolve("pb2"));
        // the well-known types our protos import, from the protobuf-java jar (protoc's own include dir is in
        // libprotobuf-dev, which is not needed otherwise)
        Path include = Files.createDirectories(dir.resolve("include/google/protobuf"));
        for (String wkt : List.of("timestamp.proto", "duration.proto")) {
            try (InputStream in = com.google.protobuf.Timestamp.class.getResourceAsStream("/google/protobuf/" + wkt)) {
                Files.copy(in, include.resolve(wkt));
            }
        }
        Path protos = Path.of("src/main/proto").toAbsolutePath();
        run(List.of(PROTOC, "-I" + protos, "-I" + dir.resolve("include"), "--python_out=" + pb2,
                protos.resolve("metric.proto").toString(), protos.resolve("provider.proto").toString()), 0);
        assertTrue(Files.exists(pb2.resolve("metric_pb2.py")) && Files.exists(pb2.resolve("provider_pb2.py")));
        script = dir.resolve("kapacity_job_client.py");
        try (InputStream in = getClass().getResourceAsStream("/grpc/kapacity_job_client.py")) {
            Files.copy(in, script);
        }

        provider.latest = q -> Future.succeededFuture(List.of(
                new Sample(T0, 1.25, Map.of("namespace", "shop"), Duration.ofMinutes(3))));
        provider.range = q -> {
            ranges.add(new Object[] {q, provider.lastStart, provider.lastEnd, provider.lastStep});
            List<Point> points = new ArrayList<>();
            double base = q instanceof MetricQuery.WorkloadResource ? 0.5
                    : q instanceof MetricQuery.WorkloadExternal ? 3 : 100;
            for (int i = 0; i < 3; i++) {
                points.add(new Point(T0 + i * 60_000L, base + i));
            }
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("namespace", "shop");
            return Future.succeededFuture(List.of(new Series(points, labels,
                    q instanceof MetricQuery.WorkloadResource ? Duration.ofMinutes(3) : null)));
        };
    }

    @AfterAll
    void stop() {
        await(vertx.close());
    }

    private static String run(List<String> command, int expectedExit) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(expectedExit, p.exitValue(), command + ":\n" + text);
        return text;
    }

    /** The JSON lines the script printed, by call name. */
    private Map<String, JsonObject> job(int port, String token) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(), pb2.toString(),
                "127.0.0.1:" + port, "shop", "web", "shop-ingress"));
        if (token != null) {
            command.add(token);
        }
        Map<String, JsonObject> calls = new LinkedHashMap<>();
        for (String line : run(command, 0).split("\n")) {
            if (line.startsWith("{")) {
                JsonObject o = new JsonObject(line);
                calls.put(o.getString("call"), o);
            }
        }
        assertEquals(List.of("resource", "resource-latest", "replicas", "traffic", "bad-selector"),
                new ArrayList<>(calls.keySet()));
        return calls;
    }

    @Test
    void kapacitysJobCallsAreAnswered() throws Exception {
        GrpcMetricsServer server = new GrpcMetricsServer();
        int port = await(server.start(vertx, provider, "127.0.0.1:0"));
        try {
            ranges.clear();
            Map<String, JsonObject> calls = job(port, null);

            JsonObject resource = calls.get("resource");
            assertEquals("OK", resource.getString("code"));
            assertEquals(1, resource.getInteger("series"));
            // points as the job reads them: (timestamp ms / 1000 → seconds, value)
            assertEquals(new JsonArray().add(new JsonArray().add(T0 / 1000).add(0.5))
                    .add(new JsonArray().add(T0 / 1000 + 60).add(1.5))
                    .add(new JsonArray().add(T0 / 1000 + 120).add(2.5)), resource.getJsonArray("points"));
            assertEquals(Map.of("namespace", "shop"), resource.getJsonObject("labels").getMap());
            assertEquals(180, resource.getInteger("window"));
            Object[] first = ranges.get(0);
            assertEquals(new MetricQuery.WorkloadResource(new GroupKind("apps", "StatefulSet"), "shop", "web", "cpu",
                    true), first[0]);
            assertEquals(resource.getLong("start"), ((java.time.Instant) first[1]).getEpochSecond());
            assertEquals(resource.getLong("end"), ((java.time.Instant) first[2]).getEpochSecond());
            assertEquals(86_400, resource.getLong("end") - resource.getLong("start"));
            assertEquals(Duration.ofSeconds(60), first[3]);

            JsonObject latest = calls.get("resource-latest");
            assertEquals("OK", latest.getString("code"));
            JsonObject sample = latest.getJsonArray("samples").getJsonObject(0);
            assertEquals(T0, sample.getLong("timestamp"));
            assertEquals(1.25, sample.getDouble("value"));
            assertEquals(180, sample.getInteger("window"));

            JsonObject replicas = calls.get("replicas");
            assertEquals("OK", replicas.getString("code"));
            assertEquals(3.0, replicas.getJsonArray("points").getJsonArray(0).getDouble(1));
            assertTrue(replicas.getValue("window") == null, "no window for external metrics");
            MetricQuery.WorkloadExternal external = (MetricQuery.WorkloadExternal) ranges.get(1)[0];
            assertEquals(new GroupKind("apps", "StatefulSet"), external.groupKind());
            assertEquals("ready_pods_count", external.metric().name());

            JsonObject traffic = calls.get("traffic");
            assertEquals("OK", traffic.getString("code"));
            assertEquals(102.0, traffic.getJsonArray("points").getJsonArray(2).getDouble(1));
            MetricQuery.ObjectQuery object = (MetricQuery.ObjectQuery) ranges.get(2)[0];
            assertEquals(new GroupKind("networking.k8s.io", "Ingress"), object.groupKind());
            assertEquals("shop", object.namespace());
            assertEquals("shop-ingress", object.name());
            assertEquals("nginx_ingress_controller_requests_rate", object.metric().name());

            JsonObject bad = calls.get("bad-selector");
            assertEquals("INVALID_ARGUMENT", bad.getString("code"));
            assertTrue(bad.getString("details").startsWith("failed to convert api query to internal query: "
                    + "failed to parse selector \"app in (\" of pod resource query"), bad.getString("details"));
            assertEquals(3, ranges.size(), "the malformed query never reached the provider");
        } finally {
            await(server.close());
        }
    }

    @Test
    void providerFailuresAndTokenAuthReachThePythonClient() throws Exception {
        GrpcMetricsServer server = new GrpcMetricsServer();
        int port = await(server.start(vertx, provider, "127.0.0.1:0", GrpcMetricsServerOptions.fromFlags("", "", "",
                token -> Future.succeededFuture(token.equals("job-token")))));
        var range = provider.range;
        try {
            Map<String, JsonObject> refused = job(port, null);
            for (JsonObject call : refused.values()) {
                assertEquals("UNAUTHENTICATED", call.getString("code"), call.encode());
                assertEquals("missing bearer token", call.getString("details"));
            }
            assertEquals("UNAUTHENTICATED", job(port, "wrong").get("resource").getString("code"));
            Map<String, JsonObject> accepted = job(port, "job-token");
            assertEquals("OK", accepted.get("resource").getString("code"));
            assertEquals("OK", accepted.get("resource-latest").getString("code"));

            provider.range = q -> Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                    "prometheus at http://prometheus:9090 is not reachable: Connection refused"));
            JsonObject down = job(port, "job-token").get("traffic");
            assertEquals("UNAVAILABLE", down.getString("code"));
            assertEquals("failed to query metrics: prometheus at http://prometheus:9090 is not reachable: "
                    + "Connection refused", down.getString("details"));
        } finally {
            provider.range = range;
            await(server.close());
        }
    }
}
