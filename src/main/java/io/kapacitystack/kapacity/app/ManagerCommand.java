package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.console.Console;
import io.kapacitystack.kapacity.console.KubernetesAuthenticator;
import io.kapacitystack.kapacity.console.StreamHistory;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServer;
import io.kapacitystack.kapacity.grpc.GrpcMetricsServerOptions;
import io.kapacitystack.kapacity.grpc.TokenAuthenticator;
import io.kapacitystack.kapacity.grpc.TokenReviewAuthenticator;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmCronJob;
import io.kapacitystack.kapacity.manager.ClusterKubeLookup;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.manager.LeaderElection;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.metricsapi.MetricsApiProvider;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusClientOptions;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusConfig;
import io.kapacitystack.kapacity.metrics.prometheus.PrometheusMetricsProvider;
import io.kapacitystack.kapacity.ops.OpsServer;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.kapacitystack.kapacity.stream.KafkaAvailabilityEvents;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.kapacitystack.kapacity.stream.ScalingEventPublisher;
import io.kapacitystack.kapacity.webhook.WebhookServer;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** {@code kapacity.jar manager}: the controllers against a real cluster. */
public final class ManagerCommand {

    private static final Logger LOG = LoggerFactory.getLogger(ManagerCommand.class);

    private ManagerCommand() {
    }

    public static int run(String[] args) throws InterruptedException {
        ManagerOptions o;
        KafkaSettings kafka;
        try {
            o = ManagerOptions.parse(args);
            kafka = o.kafkaSettings();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("Usage: kapacity.jar manager [flags]\n" + ManagerOptions.flags().usage());
            return 2;
        }
        Vertx vertx = Vertx.vertx();
        Config config = o.kubeconfig.isEmpty() ? new ConfigBuilder().build()
                : Config.fromKubeconfig(null, readFile(o.kubeconfig), o.kubeconfig);
        config.setUserAgent("kapacity-manager");
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        ControllerMetrics metrics = new ControllerMetrics();
        SystemClock clock = new SystemClock(vertx);
        ControllerManager manager = new ControllerManager(vertx, client, clock, metrics, settings(o));
        MetricsProvider provider;
        try {
            provider = metricsProvider(vertx, client, clock, manager, o);
        } catch (PrometheusConfig.ConfigException | IllegalArgumentException | UncheckedIOException e) {
            System.err.println("invalid Prometheus settings (" + o.prometheusMetricsConfig + "): " + e.getMessage());
            client.close();
            vertx.close();
            return 1;
        }
        manager.useMetrics(provider);
        ScalingEventPublisher publisher = null;
        if (kafka != null) {
            publisher = new ScalingEventPublisher(kafka);
            manager.scalingEvents(publisher);
            LOG.info("publishing scaling events to Kafka {} topic {} ({} CloudEvents)", kafka.bootstrapServers(),
                    kafka.topic(), kafka.encoding().name().toLowerCase(Locale.ROOT));
            kafkaOutageEvents(client, manager, clock, publisher);
        }
        ScalingEventPublisher stream = publisher;
        if (provider != null && !GrpcMetricsServer.isDisabled(o.grpcServerBindAddress)) {
            serveGrpc(vertx, client, clock, manager, provider, o);
        }
        if (!o.consoleBindAddress.equals("0") && !o.consoleBindAddress.isEmpty()) {
            serveConsole(vertx, client, clock, manager, kafka, o);
        }
        if (o.serveAdmissionWebhooks) {
            new WebhookServer(vertx, clock, Path.of(o.webhookCertDir)).start(o.webhookBindAddress, 60_000)
                    .onFailure(e -> LOG.error("admission webhook not served: {}", e.getMessage()));
        }
        boolean[] synced = {false};
        serveOps(vertx, metrics, () -> synced[0], o);
        CountDownLatch stopped = new CountDownLatch(1);
        boolean[] cachesFailed = {false};
        manager.startCaches().timeout(o.cacheSyncTimeout.toMillis(), TimeUnit.MILLISECONDS).onSuccess(v -> {
            synced[0] = true;
            if (o.leaderElect) {
                startWithLeaderElection(client, manager, o, stopped);
            } else {
                manager.startControllers();
            }
        }).onFailure(e -> {
            // As controller-runtime's manager: the caches retry a failing list (kube/ResourceCache) until the sync
            // timeout, then the manager exits non-zero and Kubernetes restarts the pod. Returning 0 left the JVM
            // running (the client's threads) without caches or controllers, never leading (docs/reliability.md).
            LOG.error("failed to start caches: {}", e.getMessage());
            cachesFailed[0] = true;
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            SandboxCommand.awaitQuietly(manager.stop(), 15);
            if (stream != null) {
                stream.close(Duration.ofSeconds(5));
            }
            client.close();
            vertx.close();
            stopped.countDown();
        }));
        stopped.await();
        return cachesFailed[0] ? 1 : 0;
    }

    /** Health probes and, on its own address if it has one, /metrics; ready once the caches have synced. */
    private static void serveOps(Vertx vertx, ControllerMetrics metrics, BooleanSupplier synced, ManagerOptions o) {
        OpsServer.listen(vertx, OpsServer.routes(vertx, metrics, synced), o.healthProbeBindAddress)
                .onFailure(e -> LOG.error("cannot serve probes on {}: {}", o.healthProbeBindAddress, e.getMessage()));
        if (!o.metricsBindAddress.equals(o.healthProbeBindAddress) && !o.metricsBindAddress.equals("0")) {
            OpsServer.listen(vertx, OpsServer.routes(vertx, metrics, synced), o.metricsBindAddress)
                    .onFailure(e -> LOG.error("cannot serve metrics on {}: {}", o.metricsBindAddress, e.getMessage()));
        }
    }

    /** The controllers' settings from Kapacity's manager flags. */
    private static ControllerManager.Settings settings(ManagerOptions o) {
        ControllerManager.Settings s = new ControllerManager.Settings();
        s.namespaces = o.namespaces;
        s.labelSelector = o.objectLabelSelector;
        s.concurrency = o.reconcileConcurrency;
        s.qps = o.kubeApiQps;
        s.burst = o.kubeApiBurst;
        s.standbyCpuFloor = o.standbyCpuFloor;
        s.standbyMemoryFloor = o.standbyMemoryFloor;
        s.algorithmJobs = new AlgorithmCronJob.Settings(o.algorithmJobNamespace,
                o.algorithmJobDefaultServiceAccount, o.algorithmJobDefaultMetricsServerAddr,
                o.algorithmJobDefaultImageHorizontalPredictive);
        return s;
    }

    /** The gRPC metrics service on {@code --grpc-server-bind-address}; a failure to serve it is logged. */
    private static void serveGrpc(Vertx vertx, KubernetesClient client, SystemClock clock, ControllerManager manager,
                                  MetricsProvider provider, ManagerOptions o) {
        TokenAuthenticator tokens = o.grpcServerTokenAuth
                ? new TokenReviewAuthenticator(client, manager.executor(), clock, o.grpcServerTokenAudience) : null;
        GrpcMetricsServerOptions grpcOptions = GrpcMetricsServerOptions.fromFlags(o.grpcServerTlsCertFile,
                o.grpcServerTlsKeyFile, o.grpcServerClientCaFile, tokens);
        if (tokens != null) {
            grpcOptions = grpcOptions.withTokenThrottle(new AuthThrottle(clock::now));
        }
        new GrpcMetricsServer().start(vertx, provider, o.grpcServerBindAddress, grpcOptions)
                .onSuccess(port -> LOG.info("gRPC metrics service on {}", o.grpcServerBindAddress))
                .onFailure(e -> LOG.error("gRPC metrics service not served on {}: {}", o.grpcServerBindAddress, e.getMessage()));
    }

    /** The web console on {@code --console-bind-address}; a failure to serve it is logged. */
    private static void serveConsole(Vertx vertx, KubernetesClient client, SystemClock clock,
                                     ControllerManager manager, KafkaSettings kafka, ManagerOptions o) {
        Console console = Console.attach(vertx, manager, client);
        if (kafka != null) {
            StreamHistory.load(vertx, console.hub(), kafka, clock.now(), o.kafkaConsoleHistory);
        }
        if (o.consoleAuthMode.equals("kubernetes")) {
            console.authenticator(new KubernetesAuthenticator(client, manager.executor(), clock, KubernetesAuthenticator.DEFAULT_TTL));
        }
        console.anonymousRead(o.consoleAnonymousRead);
        OpsServer.HostPort consoleAt = OpsServer.HostPort.parse(o.consoleBindAddress);
        console.listen(consoleAt.host(), consoleAt.port(), Console.Tls.of(o.consoleTlsCertFile, o.consoleTlsKeyFile))
                .onSuccess(srv -> LOG.info("web console on {} ({}, auth {}, {})", o.consoleBindAddress,
                        o.consoleTlsCertFile.isEmpty() ? "http" : "https", o.consoleAuthMode,
                        o.consoleAnonymousRead ? "anonymous read" : "read after login"))
                .onFailure(e -> LOG.error("web console not served on {}: {}", o.consoleBindAddress, e.getMessage()));
    }

    /**
     * Kafka outages as Events on the manager's own Pod (POD_NAME and POD_NAMESPACE, which the chart sets from the
     * downward API); without them, or if the Pod cannot be read, the log and /metrics still say it (docs/kafka.md).
     */
    private static void kafkaOutageEvents(KubernetesClient client, ControllerManager manager, SystemClock clock,
                                          ScalingEventPublisher publisher) {
        String pod = System.getenv("POD_NAME");
        String ns = System.getenv("POD_NAMESPACE");
        if (pod == null || pod.isEmpty() || ns == null || ns.isEmpty()) {
            LOG.info("POD_NAME/POD_NAMESPACE not set: Kafka outages are logged and in /metrics, not Events");
            return;
        }
        manager.executor().call(() -> client.pods().inNamespace(ns).withName(pod).get())
                .onSuccess(p -> {
                    if (p == null) {
                        LOG.warn("pod {}/{} not found: Kafka outages are logged and in /metrics, not Events", ns, pod);
                        return;
                    }
                    KafkaAvailabilityEvents.attach(publisher,
                            new EventRecorder(client, manager.executor(), clock, "kapacity-manager"), p);
                })
                .onFailure(e -> LOG.warn("pod {}/{} not read ({}): Kafka outages are logged and in /metrics, not Events",
                        ns, pod, e.getMessage()));
    }

    private static void startWithLeaderElection(KubernetesClient client, ControllerManager manager, ManagerOptions o,
                                                CountDownLatch stopped) {
        String ns = !o.leaderElectionNamespace.isEmpty() ? o.leaderElectionNamespace
                : System.getenv().getOrDefault("POD_NAMESPACE", client.getNamespace() == null ? "kapacity-system" : client.getNamespace());
        String identity = System.getenv().getOrDefault("HOSTNAME", "kapacity") + "_" + UUID.randomUUID();
        LeaderElection election = LeaderElection.standard(client, ns, o.leaderElectionId, identity,
                () -> {
                    LOG.info("became leader ({}), starting controllers", identity);
                    manager.startControllers();
                },
                () -> {
                    // A replica that lost its lease must not write any more: stop, and let Kubernetes restart it.
                    LOG.warn("lost leadership, exiting");
                    manager.stop();
                    stopped.countDown();
                    System.exit(1);
                },
                leader -> LOG.info("leader is now {}", leader));
        election.start();
    }

    /**
     * The metrics provider named by --metric-provider. Runs on every replica (not only the leader), as in Kapacity,
     * so the gRPC service answers wherever the Service routes a job.
     */
    static MetricsProvider metricsProvider(Vertx vertx, KubernetesClient client, SystemClock clock, ControllerManager manager,
                                           ManagerOptions o) {
        if ("metrics-api".equals(o.metricProvider)) {
            return new MetricsApiProvider(client, manager.executor());
        }
        if (o.prometheusAddress.isEmpty()) {
            LOG.warn("--prometheus-address is not set; the gRPC metrics service and Reactive portraits are off");
            return null;
        }
        PrometheusClientOptions auth = PrometheusClientOptions.fromFlags(o.prometheusAuthInCluster, o.prometheusAuthConfig);
        ClusterKubeLookup lookup = new ClusterKubeLookup(client, manager.executor(), manager.podCache());
        PrometheusMetricsProvider.DiscoveryOptions discovery =
                new PrometheusMetricsProvider.DiscoveryOptions(o.prometheusMetricsRelistInterval, o.prometheusMetricsMaxAge);
        // With a config file (the Helm chart's ConfigMap) edits take effect without a restart; a bad edit keeps the old rules.
        PrometheusMetricsProvider prometheus = o.prometheusMetricsConfig.isEmpty()
                ? new PrometheusMetricsProvider(vertx, clock, PrometheusConfig.defaults(), o.prometheusAddress, auth, lookup, discovery)
                : PrometheusMetricsProvider.withConfigFile(vertx, clock, Path.of(o.prometheusMetricsConfig),
                        PrometheusMetricsProvider.DEFAULT_CONFIG_CHECK_INTERVAL, o.prometheusAddress, auth, lookup, discovery);
        prometheus.start().onFailure(e -> LOG.warn("Prometheus series discovery: {}", e.getMessage()));
        return prometheus;
    }

    private static String readFile(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read kubeconfig " + path + ": " + e.getMessage());
        }
    }
}
