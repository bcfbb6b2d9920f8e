package io.kapacitystack.kapacity.cli;

import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.manager.OpsServer;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.ScaledClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kapacity.jar sandbox}: the controllers against an embedded Kubernetes-compatible API with simulated
 * workloads, pods and load, on one machine, with no cluster. {@code --clock-speed} compresses every timer of the
 * simulated world and of the controllers alike.
 */
public final class SandboxCommand {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxCommand.class);

    /** Each quick start in its own namespace, so the samples do not fight over one nginx. */
    static final Map<String, List<String>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put("cron", List.of("nginx-statefulset.yaml", "cron-portrait-sample.yaml"));
        SAMPLES.put("gray", List.of("nginx-statefulset.yaml", "gray-strategy-sample.yaml"));
    }

    private SandboxCommand() {
    }

    public static Flags flags() {
        return new Flags()
                .define("port", "8080", "HTTP port of the console, /metrics and /sandbox/metrics.")
                .define("api-port", "0", "Port of the embedded Kubernetes API (0 picks a free port).")
                .define("kubeconfig-out", "sandbox.kubeconfig", "Where to write a kubeconfig for kubectl.")
                .define("samples", "default", "default, none, or a comma separated list of: " + String.join(",", SAMPLES.keySet()))
                .define("clock-speed", "1", "How many simulated seconds pass per real second.");
    }

    public static int run(String[] args) throws InterruptedException {
        Flags f;
        double speed;
        List<String> samples;
        try {
            f = flags().parse(args);
            speed = f.getDouble("clock-speed");
            if (!(speed > 0)) {
                throw new IllegalArgumentException("--clock-speed must be greater than 0");
            }
            samples = samples(f.get("samples"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("Usage: kapacity.jar sandbox [flags]\n" + flags().usage());
            return 2;
        }
        Vertx vertx = Vertx.vertx();
        // The simulated world starts at the real current time; from here on only the clock tells time.
        ScaledClock clock = new ScaledClock(vertx, Instant.now(), speed);
        ControllerMetrics metrics = new ControllerMetrics();
        CountDownLatch stopped = new CountDownLatch(1);
        Running running = new Running();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close().toCompletionStage().toCompletableFuture().join();
            vertx.close().toCompletionStage().toCompletableFuture().join();
            stopped.countDown();
        }));
        int apiPort = f.getInt("api-port");
        int port = f.getInt("port");
        Path kubeconfig = Path.of(f.get("kubeconfig-out")).toAbsolutePath();
        SandboxCluster.start(vertx, clock, SandboxOptions.defaults().withApiPort(apiPort))
                .recover(e -> Future.failedFuture(bindError(e, "--api-port", apiPort)))
                .compose(cluster -> {
                    running.cluster = cluster;
                    running.manager = new ControllerManager(vertx, cluster.client(), clock, metrics, new ControllerManager.Settings());
                    return running.manager.startCaches().map(cluster);
                })
                .compose(cluster -> {
                    running.manager.startControllers();
                    Router router = OpsServer.routes(vertx, metrics, () -> true);
                    router.route("/sandbox/metrics").handler(cluster.metricsHandler());
                    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
                    router.route("/*").handler(StaticHandler.create("webroot"));
                    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
                            .recover(e -> Future.failedFuture(bindError(e, "--port", port)))
                            .map(server -> {
                                running.http = server;
                                return cluster;
                            });
                })
                .compose(cluster -> vertx.executeBlocking(() -> {
                    for (String sample : samples) {
                        loadSample(cluster, sample);
                    }
                    cluster.writeKubeconfig(kubeconfig);
                    return cluster;
                }, false))
                .onSuccess(cluster -> System.out.println(banner(running.http.actualPort(), cluster.apiUrl(), kubeconfig, samples, speed)))
                .onFailure(e -> {
                    System.err.println("sandbox failed to start: " + e.getMessage());
                    stopped.countDown();
                    System.exit(1);
                });
        stopped.await();
        return 0;
    }

    static List<String> samples(String value) {
        if (value.equals("none")) {
            return List.of();
        }
        if (value.equals("default")) {
            return new ArrayList<>(SAMPLES.keySet());
        }
        List<String> names = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String n : names) {
            if (!SAMPLES.containsKey(n)) {
                throw new IllegalArgumentException("unknown sample \"" + n + "\" (known: " + String.join(", ", SAMPLES.keySet()) + ")");
            }
        }
        return names;
    }

    static void loadSample(SandboxCluster cluster, String sample) {
        String namespace = sample + "-sample";
        for (String file : SAMPLES.get(sample)) {
            String yaml = resource("k8s-examples/" + file);
            cluster.applyYaml(namespace, yaml).toCompletionStage().toCompletableFuture().join();
        }
        LOG.info("loaded sample {} into namespace {}", sample, namespace);
    }

    static String resource(String path) {
        try (InputStream in = SandboxCommand.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Throwable bindError(Throwable e, String flag, int port) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return new IllegalStateException("port " + port + " is already in use; choose another with " + flag);
            }
        }
        return e;
    }

    static String banner(int port, String apiUrl, Path kubeconfig, List<String> samples, double speed) {
        StringBuilder sb = new StringBuilder();
        sb.append("\nKapacity sandbox is running");
        if (speed != 1) {
            sb.append(" (clock x").append(speed == Math.rint(speed) ? String.valueOf((long) speed) : String.valueOf(speed)).append(')');
        }
        sb.append("\n  console:    http://127.0.0.1:").append(port).append('/');
        sb.append("\n  API:        ").append(apiUrl);
        sb.append("\n  kubeconfig: ").append(kubeconfig);
        sb.append("\n  samples:    ").append(samples.isEmpty() ? "none" : String.join(", ", samples.stream().map(s -> s + "-sample").toList()));
        sb.append("\n\nTry:\n  kubectl --kubeconfig ").append(kubeconfig).append(" get ihpa -A");
        sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" get sts,pods -n cron-sample -L kapacitystack.io/pod-state");
        sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" describe ihpa -n cron-sample cron-portrait-sample");
        sb.append("\n\nPress Ctrl-C to stop.\n");
        return sb.toString();
    }

    /** What has been started, so Ctrl-C stops it in reverse order. */
    private static final class Running {
        volatile SandboxCluster cluster;
        volatile ControllerManager manager;
        volatile HttpServer http;

        Future<Void> close() {
            Future<Void> f = Future.succeededFuture();
            if (http != null) {
                f = f.compose(v -> http.close());
            }
            if (manager != null) {
                f = f.compose(v -> manager.stop());
            }
            if (cluster != null) {
                f = f.compose(v -> cluster.close());
            }
            return f.recover(e -> Future.succeededFuture());
        }
    }
}
