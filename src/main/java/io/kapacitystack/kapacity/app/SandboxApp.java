package io.kapacitystack.kapacity.app;

import io.cloudevents.core.message.Encoding;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kapacitystack.kapacity.console.Console;
import io.kapacitystack.kapacity.console.SandboxAuthenticator;
import io.kapacitystack.kapacity.console.StreamHistory;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmCronJob;
import io.kapacitystack.kapacity.manager.ClusterKubeLookup;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusMetricsProvider;
import io.kapacitystack.kapacity.metrics.sandbox.SandboxMetricsProvider;
import io.kapacitystack.kapacity.ops.OpsServer;
import io.kapacitystack.kapacity.predictive.PredictJob;
import io.kapacitystack.kapacity.predictive.PredictOptions;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.runtime.time.ScaledClock;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.sandbox.SandboxCluster;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.sim.CommandJobRunner;
import io.kapacitystack.kapacity.sandbox.sim.JobRunner;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadCost;
import io.kapacitystack.kapacity.stream.EmbeddedKafka;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingEventPublisher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the sandbox runs, started in order and stopped in reverse: the embedded API and simulator, the
 * controllers, the HTTP server (console, /metrics, /sandbox/metrics) and the kubeconfig (written last, so that a
 * kubeconfig on disk means the API answers). Samples are loaded afterwards, so the banner comes as early as possible.
 */
public final class SandboxApp {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxApp.class);
    static final String TRAFFIC_ANNOTATION = "sandbox.kapacitystack.io/traffic";
    /**
     * The reactive quick start's load: 17 requests/s at 10m CPU each is 171 % of one pod's 100m request, which the
     * 30 % target spreads over 6 pods (the quick start's busybox loop gave 1 -> 6).
     */
    static final String REACTIVE_LOAD = TRAFFIC_ANNOTATION + "='constant 17'";

    /**
     * The project's own image: the default image of predictive algorithm jobs in the sandbox, which the sandbox runs
     * in-process with whatever runner is registered for it (the built-in {@code predict} command).
     */
    public static final String PREDICTIVE_IMAGE = "kapacity-jvm:latest";
    /** The sandbox's {@code --algorithm-job-namespace}, as the Helm chart's release namespace. */
    public static final String ALGORITHM_JOB_NAMESPACE = "kapacity-system";
    /** The sandbox's {@code --algorithm-job-default-service-account}, as the Helm chart's. */
    public static final String ALGORITHM_JOB_SERVICE_ACCOUNT = "kapacity-algorithm-job";

    /** The predictive sample's load and cost (annotations of its nginx StatefulSet). */
    static final Map<String, Object> PREDICTIVE_TRAFFIC = Map.of(
            TRAFFIC_ANNOTATION, "vshape 100",
            WorkloadCost.CPU_PER_REQUEST, "50u",
            WorkloadCost.CPU_BASE, "300u");

    public static final class Settings {
        public int port = 8080;
        public int apiPort = 0;
        public Path kubeconfig = Path.of("sandbox.kubeconfig");
        public double clockSpeed = 1;
        /** Port of the gRPC metrics service (0 picks a free one; the command's --grpc-port defaults to 9090). */
        public int grpcPort = 0;
        /**
         * A Prometheus (its base URL) that scrapes {@code /sandbox/metrics}, for the controller's metrics instead of
         * the simulation's own provider. Empty: the simulation answers directly.
         */
        public String prometheus = "";
        /** When set, used instead of a clock that starts now and runs at {@link #clockSpeed}. */
        public Clock clock;
        /** The console's login token (null: a random one, see {@link #consoleToken()}). */
        public String consoleToken;
        /** When set, the HTTP port (console, /metrics) serves HTTPS with this certificate. */
        public Console.Tls consoleTls;
        /** Where the scaling events go (docs/kafka.md); null: no stream. */
        public KafkaSettings kafka;
        /** How far back the console reads the stream at start. */
        public Duration kafkaHistory = Duration.ofHours(6);
        /**
         * {@code --kafka embedded}: the port of a single-node broker started in this process (0 picks a free one),
         * which then takes the scaling events on {@link #embeddedKafkaTopic}; null: none ({@link #kafka} may still be set).
         */
        public Integer embeddedKafkaPort;
        public String embeddedKafkaTopic = KafkaSettings.DEFAULT_TOPIC;
        /** {@code --job-command}: image → local command that job pods with that image run. */
        public Map<String, String> jobCommands = new LinkedHashMap<>();
        /** In-process job runners by image (the project's own image's {@code predict}); --job-command wins. */
        public Map<String, JobRunner> jobRunners = new LinkedHashMap<>();
        /** Real time one job pod may run. */
        public Duration jobRunTimeLimit = Duration.ofMinutes(10);
        /** Faults the embedded API injects from the start (null: none; tests can install some later). */
        public FaultPlan faults;
        /** false: no controllers and no console in the sandbox, for a manager of its own (ExternalManager). */
        public boolean controllers = true;
    }

    private final ControllerMetrics metrics = new ControllerMetrics();
    private SandboxCluster cluster;
    private ControllerManager manager;
    private ScalingEventPublisher publisher;
    private EmbeddedKafka embeddedKafka;
    private KafkaSettings kafka;
    private Console console;
    private HttpServer http;
    private GrpcMetricsServer grpc;
    private int grpcPort;
    private Clock clock;
    private String consoleToken;

    private SandboxApp() {
    }

    public static Future<SandboxApp> start(Vertx vertx, Settings s) {
        SandboxApp app = new SandboxApp();
        // The simulated world starts at the real current time; from here on only the clock tells time.
        app.clock = s.clock != null ? s.clock : new ScaledClock(vertx, Instant.now(), s.clockSpeed);
        return SandboxCluster.start(vertx, app.clock, SandboxOptions.defaults().withApiPort(s.apiPort)
                        .withJobRunTimeLimit(s.jobRunTimeLimit))
                .recover(e -> Future.failedFuture(bindError(e, "--api-port", s.apiPort)))
                .compose(cluster -> {
                    LOG.debug("embedded API and simulator up after {} ms of JVM uptime", uptime());
                    app.cluster = cluster;
                    if (s.faults != null) {
                        cluster.faults().install(s.faults);
                    }
                    cluster.jobRunners().register(PREDICTIVE_IMAGE, builtInPredict(vertx, app.clock));
                    s.jobRunners.forEach(cluster.jobRunners()::register);
                    s.jobCommands.forEach((image, command) -> cluster.jobRunners().register(image,
                            new CommandJobRunner(command)));
                    // gRPC first: the algorithm jobs are told its address (--algorithm-job-default-metrics-server-addr)
                    app.grpc = new GrpcMetricsServer();
                    return app.grpc.start(vertx, new SandboxMetricsProvider(vertx, app.cluster), "127.0.0.1:" + s.grpcPort)
                            .recover(e -> Future.failedFuture(bindError(e, "--grpc-port", s.grpcPort)));
                })
                .compose(grpcPort -> {
                    app.grpcPort = grpcPort;
                    return vertx.executeBlocking(() -> {
                        if (app.cluster.client().namespaces().withName(ALGORITHM_JOB_NAMESPACE).get() == null) {
                            app.cluster.client().namespaces().resource(new NamespaceBuilder()
                                    .withNewMetadata().withName(ALGORITHM_JOB_NAMESPACE).endMetadata().build()).create();
                        }
                        return null;
                    }, false);
                })
                .compose(v -> app.startEmbeddedKafka(vertx, s))
                .compose(v -> {
                    if (!s.controllers) {
                        return Future.succeededFuture();
                    }
                    app.manager = new ControllerManager(vertx, app.cluster.client(), app.clock, app.metrics,
                            managerSettings(app.clock, app.grpcPort));
                    app.manager.useMetrics(app.controllerMetrics(vertx, s));
                    if (app.kafka != null) {
                        app.publisher = new ScalingEventPublisher(app.kafka);
                        app.manager.scalingEvents(app.publisher);
                    }
                    return app.manager.startCaches();
                })
                .compose(v -> {
                    LOG.debug("caches synced after {} ms of JVM uptime", uptime());
                    Router router = OpsServer.routes(vertx, app.metrics, () -> true);
                    router.route("/sandbox/metrics").handler(app.cluster.metricsHandler());
                    app.consoleToken = s.consoleToken != null ? s.consoleToken : SandboxAuthenticator.randomToken();
                    if (!s.controllers) {
                        return vertx.createHttpServer().requestHandler(SecurityHeaders.around(router)).listen(s.port, "127.0.0.1")
                                .recover(e -> Future.failedFuture(bindError(e, "--port", s.port)));
                    }
                    app.manager.startControllers();
                    // sessions and the login throttle run on people's time, not the simulated cluster's
                    Clock peopleClock = s.clock != null ? s.clock : new SystemClock(vertx);
                    app.console = Console.attach(vertx, app.manager, app.cluster.client()).peopleClock(peopleClock)
                            .authenticator(new SandboxAuthenticator(app.consoleToken));
                    app.console.mount(router);
                    if (app.kafka != null) {
                        StreamHistory.load(vertx, app.console.hub(), app.kafka, app.clock.now(), s.kafkaHistory);
                    }
                    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
                    router.route("/*").handler(StaticHandler.create("webroot"));
                    HttpServerOptions options = new HttpServerOptions();
                    return vertx.createHttpServer(s.consoleTls == null ? options : s.consoleTls.apply(options)).requestHandler(SecurityHeaders.around(router)).listen(s.port, "127.0.0.1")
                            .recover(e -> Future.failedFuture(bindError(e, "--port", s.port)));
                })
                .compose(server -> {
                    app.http = server;
                    return vertx.executeBlocking(() -> {
                        app.cluster.writeKubeconfig(s.kubeconfig);
                        return app;
                    }, false);
                })
                .recover(e -> app.close().compose(v -> Future.failedFuture(e)));
    }

    /** {@code --kafka embedded}: the broker and its topic (3 partitions), started off the event loop. */
    private Future<Void> startEmbeddedKafka(Vertx vertx, Settings s) {
        kafka = s.kafka;
        if (s.embeddedKafkaPort == null) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> {
            embeddedKafka = EmbeddedKafka.builder().port(s.embeddedKafkaPort).start();
            embeddedKafka.createTopic(s.embeddedKafkaTopic, 3, Duration.ofSeconds(60));
            kafka = new KafkaSettings(embeddedKafka.bootstrapServers(), s.embeddedKafkaTopic,
                    Map.of(), KafkaSettings.DEFAULT_BUFFER,
                    Encoding.BINARY);
            LOG.debug("embedded Kafka up at {} after {} ms of JVM uptime", embeddedKafka.bootstrapServers(), uptime());
            return (Void) null;
        }, false).recover(e -> Future.failedFuture(s.embeddedKafkaPort == 0 ? e : bindError(e, "--kafka-port", s.embeddedKafkaPort)));
    }

    /** Where the scaling events go ({@code --kafka embedded} or {@code --kafka-bootstrap-servers}), or null. */
    public KafkaSettings kafka() {
        return kafka;
    }

    /**
     * The metrics the controllers read. A real Prometheus lives in real time, so it is asked with the system clock
     * (the command refuses --prometheus with a clock speed other than 1).
     */
    private MetricsProvider controllerMetrics(Vertx vertx, Settings s) {
        if (s.prometheus == null || s.prometheus.isEmpty()) {
            return new SandboxMetricsProvider(vertx, cluster);
        }
        PrometheusMetricsProvider prometheus =
                new PrometheusMetricsProvider(vertx,
                        new SystemClock(vertx),
                        PrometheusConfig.defaults(), s.prometheus,
                        new ClusterKubeLookup(cluster.client(), manager.executor(), manager.podCache()),
                        PrometheusMetricsProvider.DiscoveryOptions.defaults());
        prometheus.start().onFailure(e -> LOG.warn("Prometheus series discovery: {}", e.getMessage()));
        return prometheus;
    }

    /**
     * The project's own image in the sandbox: {@code kapacity.jar predict} in-process, on the sandbox's clock (so
     * "now" and the history it reads are the simulated world's), talking to the sandbox's API through the job's
     * kubeconfig. Its detailed log goes to the sandbox's log; the pod's log gets a line at start and end.
     */
    static JobRunner builtInPredict(Vertx vertx, Clock clock) {
        return (args, env, kubeconfig, log) -> {
            PredictOptions o =
                    PredictOptions.parse(args.toArray(String[]::new), env);
            Config config = Config.fromKubeconfig(null,
                    Files.readString(kubeconfig), kubeconfig.toString());
            config.setUserAgent("kapacity-predict");
            log.println("predict " + o.namespace() + "/" + o.name() + ": kapacity.jar predict, in-process on the sandbox clock");
            try (KubernetesClient client =
                         new KubernetesClientBuilder().withConfig(config).build()) {
                int exit = new PredictJob(client, vertx, clock).run(o);
                log.println(exit == 0 ? "predict: done" : "predict: exit code " + exit + " (the sandbox's log says why)");
                return exit;
            }
        };
    }

    private static long uptime() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    public SandboxCluster cluster() {
        return cluster;
    }

    private static Void closeQuietly(ScalingEventPublisher p) {
        p.close(Duration.ofSeconds(5));
        return null;
    }

    private static Void closeQuietly(EmbeddedKafka k) {
        try {
            k.close();
        } catch (RuntimeException e) {
            LOG.warn("stopping the embedded Kafka: {}", e.toString());
        }
        return null;
    }

    /** The console (its hub holds the history the stream restored). */
    public Console console() {
        return console;
    }

    /** The scaling-event publisher, or null without Kafka. */
    public ScalingEventPublisher publisher() {
        return publisher;
    }

    public ControllerManager manager() {
        return manager;
    }

    public Clock clock() {
        return clock;
    }

    /** The token that logs into the console as an all-powerful user (printed in the banner). */
    public String consoleToken() {
        return consoleToken;
    }

    public int httpPort() {
        return http.actualPort();
    }

    public int grpcPort() {
        return grpcPort;
    }

    /** Loads the named quick starts, each into its own namespace {@code <name>-sample}. */
    public Future<Void> loadSamples(Vertx vertx, List<String> samples) {
        return vertx.executeBlocking(() -> {
            for (String sample : samples) {
                loadSample(sample);
            }
            return null;
        }, false);
    }

    void loadSample(String sample) {
        String namespace = sample + "-sample";
        for (String file : SandboxCommand.SAMPLES.get(sample)) {
            cluster.applyYaml(namespace, resource("k8s-examples/" + file)).toCompletionStage().toCompletableFuture().join();
        }
        if (sample.equals("predictive")) {
            // The quick start's periodic client, and a cost under which the sample's 1m-per-pod target needs a few
            // replicas, as nginx's does there: 0.3m + 0.05m per request/s, so a pod serves 14 requests/s within 1m
            // and the 10-minute peaks of the V-shaped hour (50, 33, 17, 15, 32, 48 requests/s) need 4, 3, 2, 2, 3, 4
            // replicas: the quick start's "1 -> 4", "4 -> 3", "3 -> 2" from the top of the hour.
            cluster.client().apps().statefulSets().inNamespace(namespace).withName("nginx")
                    .patch(PatchContext.of(PatchType.JSON_MERGE),
                            new JsonObject().put("metadata", new JsonObject()
                                    .put("annotations", new JsonObject(PREDICTIVE_TRAFFIC))).encode());
            LOG.info("loaded sample {} into namespace {}", sample, namespace);
            return;
        }
        if (sample.equals("reactive")) {
            // Idle until the user raises the load (the banner says how), as in the quick start.
            LOG.info("loaded sample {} into namespace {}", sample, namespace);
            return;
        }
        // The quick starts' periodic client, simulated: a V-shaped hourly wave of requests on nginx.
        // A merge patch without a resourceVersion: the simulator updates the StatefulSet's status at the same time.
        cluster.client().apps().statefulSets().inNamespace(namespace).withName("nginx")
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + TRAFFIC_ANNOTATION + "\":\"vshape 100\"}}}");
        LOG.info("loaded sample {} into namespace {}", sample, namespace);
    }

    static String resource(String path) {
        try (InputStream in = SandboxApp.class.getClassLoader().getResourceAsStream(path)) {
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

    public Future<Void> close() {
        Future<Void> f = Future.succeededFuture();
        if (http != null) {
            f = f.compose(v -> http.close());
        }
        if (grpc != null) {
            f = f.compose(v -> grpc.close());
        }
        if (manager != null) {
            f = f.compose(v -> manager.stop());
        }
        if (publisher != null) {
            ScalingEventPublisher p = publisher;
            f = f.compose(v -> Vertx.currentContext() == null
                    ? Future.succeededFuture(closeQuietly(p))
                    : Vertx.currentContext().owner().executeBlocking(() -> closeQuietly(p), false).mapEmpty());
        }
        if (embeddedKafka != null) {
            EmbeddedKafka k = embeddedKafka;
            f = f.compose(v -> Vertx.currentContext() == null
                    ? Future.succeededFuture(closeQuietly(k))
                    : Vertx.currentContext().owner().executeBlocking(() -> closeQuietly(k), false).mapEmpty());
        }
        if (cluster != null) {
            f = f.compose(v -> cluster.close());
        }
        return f.recover(e -> Future.succeededFuture());
    }

    /**
     * The API rate limit is there to spare a shared API server, so it is the same per simulated second as in a cluster:
     * with {@code --clock-speed 60} a real one would let the controllers fall a simulated minute behind the world.
     */
    public static ControllerManager.Settings managerSettings(Clock clock, int grpcPort) {
        ControllerManager.Settings settings = new ControllerManager.Settings();
        settings.algorithmJobs = new AlgorithmCronJob.Settings(
                ALGORITHM_JOB_NAMESPACE, ALGORITHM_JOB_SERVICE_ACCOUNT, "127.0.0.1:" + grpcPort, PREDICTIVE_IMAGE);
        double speed = Math.max(1, clock.speed());
        settings.qps = settings.qps * speed;
        settings.burst = (int) Math.min(Integer.MAX_VALUE, settings.burst * speed);
        return settings;
    }
}
