package io.kapacitystack.kapacity.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.api.AdmissionStep;
import io.kapacitystack.kapacity.sandbox.api.ApiFaults;
import io.kapacitystack.kapacity.sandbox.api.CustomResourceRegistry;
import io.kapacitystack.kapacity.sandbox.api.Kubeconfig;
import io.kapacitystack.kapacity.sandbox.api.SandboxApiServer;
import io.kapacitystack.kapacity.sandbox.api.SandboxDispatcher;
import io.kapacitystack.kapacity.sandbox.samples.ClasspathCrds;
import io.kapacitystack.kapacity.sandbox.samples.SampleLoader;
import io.kapacitystack.kapacity.sandbox.sim.CommandJobRunner;
import io.kapacitystack.kapacity.sandbox.sim.JobLogs;
import io.kapacitystack.kapacity.sandbox.sim.JobRunners;
import io.kapacitystack.kapacity.sandbox.sim.PodRunningHook;
import io.kapacitystack.kapacity.sandbox.sim.ReadinessGateEmulation;
import io.kapacitystack.kapacity.sandbox.sim.Scheduler;
import io.kapacitystack.kapacity.sandbox.sim.WorkloadSimulator;
import io.kapacitystack.kapacity.sandbox.sim.World;
import io.kapacitystack.kapacity.sandbox.traffic.PodMetricsApi;
import io.kapacitystack.kapacity.sandbox.traffic.PrometheusExporter;
import io.kapacitystack.kapacity.sandbox.traffic.SimulatedMetrics;
import io.kapacitystack.kapacity.sandbox.traffic.TrafficAnnotations;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The sandbox's embedded Kubernetes world: a Kubernetes-compatible API (fabric8's CRUD mock store behind a
 * Vert.x HTTP server that kubectl accepts), a workload simulator acting as controller-manager and kubelets, and
 * simulated traffic with the metrics it causes.
 *
 * <pre>{@code
 * SandboxCluster.start(vertx, clock, SandboxOptions.defaults().withApiPort(0)).onSuccess(cluster -> {
 *     cluster.writeKubeconfig(Path.of("sandbox.kubeconfig"));     // for kubectl
 *     KubernetesClient client = cluster.client();                 // blocking: use from a worker
 *     router.get("/sandbox/metrics").handler(cluster.metricsHandler());
 *     cluster.applyYaml("default", yamlText);                    // the k8s-examples
 * });
 * }</pre>
 *
 * <p>Everything happens on simulated time from the injected {@link Clock}: pod start-up and termination delays,
 * timestamps, ages, metrics. CRDs found on the classpath under {@code META-INF/fabric8/*-v1.yml} are installed
 * at start; more with {@link #registerCrd(String)} or by applying them. The pod webhook of Kapacity is emulated
 * by {@link ReadinessGateEmulation}, registered in {@link #admission()} and {@link #podRunningHooks()} (remove it
 * from both to plug in the real one). All methods returning {@link Future} are safe on an event loop.
 */
public final class SandboxCluster {

    private final Vertx vertx;
    private final Clock clock;
    private final SandboxOptions options;
    private final CustomResourceRegistry crds = new CustomResourceRegistry();
    private final SandboxDispatcher store;
    private final SandboxApiServer apiServer;
    private KubernetesClient client;
    private WorkloadSimulator simulator;
    private TrafficAnnotations traffic;
    private SimulatedMetrics metrics;
    private PrometheusExporter prometheus;
    private String apiUrl;
    private final JobRunners jobRunners = new JobRunners();
    private final JobLogs jobLogs = new JobLogs();
    private Path jobKubeconfig;

    private SandboxCluster(Vertx vertx, Clock clock, SandboxOptions options) {
        this.vertx = vertx;
        this.clock = clock;
        this.options = options;
        this.store = new SandboxDispatcher(clock, crds, options.podTerminationGrace());
        this.apiServer = new SandboxApiServer(vertx, clock, store, crds);
    }

    public static Future<SandboxCluster> start(Vertx vertx, Clock clock, SandboxOptions options) {
        SandboxCluster cluster = new SandboxCluster(vertx, clock, options);
        return cluster.apiServer.listen(options.apiHost(), options.apiPort())
                .compose(port -> vertx.executeBlocking(() -> cluster.startWorld(port), false))
                .map(v -> cluster);
    }

    private Void startWorld(int port) {
        apiUrl = "http://" + options.apiHost() + ":" + port;
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(apiUrl).withNamespace("default")
                .withOauthToken("sandbox-token").withHttp2Disable(true)
                .withUserAgent(ApiFaults.EXEMPT_USER_AGENT).build();
        client = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();

        store.admission().add(new Scheduler(options.nodeCount()));
        // the kubeconfig job pods get: the same API, in a private temporary directory
        try {
            Path dir = Files.createTempDirectory("kapacity-sandbox-jobs");
            dir.toFile().deleteOnExit();
            jobKubeconfig = writeKubeconfig(dir.resolve("kubeconfig"));
            jobKubeconfig.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        simulator = new WorkloadSimulator(client, clock, options, jobRunners, jobLogs, () -> jobKubeconfig);
        // kube-controller-manager's garbage collector: dependents go when all their owners have gone
        simulator.extraSteps().add((world, now) -> store.collectGarbage());
        if (options.emulatePodWebhook()) {
            ReadinessGateEmulation webhook = new ReadinessGateEmulation();
            store.admission().add(webhook);
            simulator.podRunningHooks().add(webhook);
        }
        traffic = new TrafficAnnotations(client, clock);
        simulator.extraSteps().add(traffic);
        metrics = new SimulatedMetrics(simulator::lastWorld, traffic, clock, options.metricsHorizon());
        prometheus = new PrometheusExporter(metrics, traffic, simulator::lastWorld);
        apiServer.metricsApi(new PodMetricsApi(metrics, simulator::lastWorld));
        apiServer.podLogs(podUid -> jobLogs.of(podUid));

        // the simulator's cache follows every write; other changes (an owner removed, a namespace ending) matter to its
        // extra steps only
        store.addObjectListener(simulator::stored);
        Set<String> quietResources = Set.of("events", "leases");
        store.addChangeListener(path -> {
            if (!quietResources.contains(path.resource())) {
                simulator.otherChange();
            }
        });
        for (String ns : List.of("default", "kube-system", "kube-public")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
        ClasspathCrds.find(SandboxCluster.class.getClassLoader()).values().forEach(this::installCrd);
        simulator.start();
        return null;
    }

    /**
     * What job pods run, by container image: register in-process runners here (the project's own image's
     * commands); {@code --job-command IMAGE=COMMAND} adds a {@link CommandJobRunner}.
     */
    public JobRunners jobRunners() {
        return jobRunners;
    }

    /** The kubeconfig job pods get ({@code KUBECONFIG}); null before start. */
    public Path jobKubeconfig() {
        return jobKubeconfig;
    }

    /** Blocking fabric8 client bound to the embedded API (namespace "default"). Use it off the event loop. */
    /** Fault injection into the API for every client but the sandbox's own (docs/reliability.md). */
    public ApiFaults faults() {
        return apiServer.faults();
    }

    /** Requests the embedded API served to clients other than the sandbox's own (managers, kubectl), watches included. */
    public long clientRequests() {
        return apiServer.clientRequests();
    }

    public KubernetesClient client() {
        return client;
    }

    /** e.g. {@code http://127.0.0.1:41234} */
    public String apiUrl() {
        return apiUrl;
    }

    public Clock clock() {
        return clock;
    }

    /** Writes a kubeconfig (server, dummy token user, current context) that kubectl accepts; returns the path. */
    public Path writeKubeconfig(Path file) {
        try {
            return Kubeconfig.write(file, apiUrl, "default");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prometheus text exposition of the simulated metrics; mount it, e.g. at {@code /sandbox/metrics}. */
    public Handler<RoutingContext> metricsHandler() {
        return prometheus;
    }

    /** A router serving {@link #metricsHandler()} at {@code GET /sandbox/metrics}. */
    public Router metricsRouter() {
        Router router = Router.router(vertx);
        router.get("/sandbox/metrics").handler(prometheus);
        return router;
    }

    /** The scrape text now (what {@link #metricsHandler()} answers). */
    public String scrapeMetrics() {
        return prometheus.scrape();
    }

    /** Per-pod CPU/memory and per-workload/ingress traffic at any instant back to the horizon. */
    public SimulatedMetrics metrics() {
        return metrics;
    }

    /** Creates the namespace if needed and applies every document of {@code yaml} into it. */
    public Future<Void> applyYaml(String namespace, String yaml) {
        return vertx.executeBlocking(() -> {
            new SampleLoader(client, (apiVersion, kind) -> crds.findByKind(apiVersion, kind)
                    .map(CustomResourceRegistry.ServedVersion::namespaced).orElse(true)).apply(namespace, yaml);
            return null;
        }, false);
    }

    /** Installs (or updates) a CustomResourceDefinition given as YAML or JSON. */
    public Future<Void> registerCrd(String crdYaml) {
        return vertx.executeBlocking(() -> {
            installCrd(crdYaml);
            return null;
        }, false);
    }

    private void installCrd(String crdYaml) {
        CustomResourceDefinition crd = Serialization.unmarshal(
                new ByteArrayInputStream(crdYaml.getBytes(StandardCharsets.UTF_8)), CustomResourceDefinition.class);
        crd.getMetadata().setResourceVersion(null);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
    }

    /** Mutating admission steps run on every create (the scheduler and the pod-webhook emulation by default). */
    public List<AdmissionStep> admission() {
        return store.admission();
    }

    /** Hooks the kubelet emulation runs on running pods before computing Ready. */
    public List<PodRunningHook> podRunningHooks() {
        return simulator.podRunningHooks();
    }

    /** The sandbox's workloads, pods, services, ingresses and jobs now, from the simulator's cache (no API call). */
    public World world() {
        return simulator.world();
    }

    /** Asks the simulator to look at every object again (e.g. after moving a ManualClock). */
    public void resync() {
        simulator.poke();
    }

    public Future<Void> close() {
        return vertx.executeBlocking(() -> {
            if (simulator != null) {
                simulator.close();
            }
            if (client != null) {
                client.close();
            }
            return null;
        }, false).compose(v -> apiServer.close());
    }

}
