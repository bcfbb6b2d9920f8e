package io.kapacitystack.kapacity.app;

import io.cloudevents.core.message.Encoding;
import io.kapacitystack.kapacity.console.Console;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.sim.CommandJobRunner;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code kapacity.jar sandbox}: the controllers against an embedded Kubernetes-compatible API with simulated
 * workloads, pods and load, on one machine, with no cluster. {@code --clock-speed} compresses every timer of the
 * simulated world and of the controllers alike.
 */
public final class SandboxCommand {


    /** Each quick start in its own namespace, so the samples do not fight over one nginx. */
    static final Map<String, List<String>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put("cron", List.of("nginx-statefulset.yaml", "cron-portrait-sample.yaml"));
        SAMPLES.put("gray", List.of("nginx-statefulset.yaml", "gray-strategy-sample.yaml"));
        SAMPLES.put("reactive", List.of("nginx-statefulset.yaml", "dynamic-reactive-portrait-sample.yaml"));
        SAMPLES.put("predictive", List.of("nginx-statefulset.yaml", "nginx-ingress.yaml",
                "dynamic-predictive-portrait-sample.yaml"));
    }

    private SandboxCommand() {
    }

    public static Flags flags() {
        return new Flags()
                .define("port", "8080", "HTTP port of the console, /metrics and /sandbox/metrics.")
                .define("api-port", "0", "Port of the embedded Kubernetes API (0 picks a free port).")
                .define("kubeconfig-out", "sandbox.kubeconfig", "Where to write a kubeconfig for kubectl.")
                .define("samples", "default", "default, none, or a comma separated list of: " + String.join(",", SAMPLES.keySet()))
                .define("clock-speed", "1", "How many simulated seconds pass per real second.")
                .define("grpc-port", "9090", "Port of the Kapacity-compatible gRPC metrics service (0 picks a free port).")
                .define("prometheus", "", "Base URL of a Prometheus scraping /sandbox/metrics, used for the controller's "
                        + "metrics instead of the simulation (needs --clock-speed 1).")
                .defineRepeated("job-command", "IMAGE=COMMAND: job pods whose container has image IMAGE run COMMAND "
                        + "locally (through /bin/sh -c, with the container's args as \"$@\", its env and KUBECONFIG set to "
                        + "the sandbox's), e.g. my-algo:v1=/opt/my-algo/run.sh. The default predictive image "
                        + SandboxApp.PREDICTIVE_IMAGE + " runs in-process.")
                .define("job-time-limit", "10m", "Real time one job pod may run before it is killed and fails.")
                .define("console-tls-cert-file", "", "PEM certificate: with the key file, the console port serves HTTPS.")
                .define("console-tls-key-file", "", "PEM private key of the console.")
                .define("kafka", "", "embedded: start a single-node Kafka broker in this process and publish the scaling "
                        + "events to it (docs/kafka.md).")
                .define("kafka-port", "9092", "Port of the --kafka embedded broker on 127.0.0.1 (0 picks a free port).")
                .define("kafka-bootstrap-servers", "", "An existing Kafka (host:port,...) to publish the scaling events to, "
                        + "instead of --kafka embedded.")
                .define("kafka-topic", KafkaSettings.DEFAULT_TOPIC, "Kafka topic of the scaling events.")
                .define("kafka-client-properties", "", "Java properties file of Kafka client settings for "
                        + "--kafka-bootstrap-servers (security.protocol, ssl.*, sasl.* ...).")
                .define("faults", "", "YAML or JSON file of faults the embedded API injects into every client but the "
                        + "sandbox's own (docs/reliability.md).")
                .defineBool("controllers", true, "Run the controllers in the sandbox. false: API, simulator and traffic "
                        + "only, for a separate `kapacity.jar manager --kubeconfig` (needs --clock-speed 1).");
    }

    public static int run(String[] args) throws InterruptedException {
        Flags f;
        double speed;
        List<String> samples;
        Console.Tls tls;
        Map<String, String> jobCommands = new LinkedHashMap<>();
        Duration jobTimeLimit;
        FaultPlan faults;
        SandboxApp.Settings settings = new SandboxApp.Settings();
        try {
            f = flags().parse(args);
            speed = f.getDouble("clock-speed");
            if (!(speed > 0)) {
                throw new IllegalArgumentException("--clock-speed must be greater than 0");
            }
            samples = samples(f.get("samples"));
            if (!f.get("prometheus").isEmpty() && speed != 1) {
                throw new IllegalArgumentException("--prometheus needs --clock-speed 1: Prometheus scrapes in real time");
            }
            for (String value : f.getAll("job-command")) {
                var entry = CommandJobRunner.parse(value);
                jobCommands.put(entry.getKey(), entry.getValue().command());
            }
            jobTimeLimit = f.getDuration("job-time-limit");
            if (jobTimeLimit.isNegative() || jobTimeLimit.isZero()) {
                throw new IllegalArgumentException("--job-time-limit must be positive");
            }
            if (!f.getBool("controllers") && speed != 1) {
                throw new IllegalArgumentException("--controllers=false needs --clock-speed 1: a separate manager runs on real time");
            }
            faults = ExternalManager.readFaults(f.get("faults"));
            tls = Console.Tls.of(f.get("console-tls-cert-file"), f.get("console-tls-key-file"));
            kafka(f, settings);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("Usage: kapacity.jar sandbox [flags]\n" + flags().usage());
            return 2;
        }
        Vertx vertx = Vertx.vertx();
        CountDownLatch stopped = new CountDownLatch(1);
        settings.port = f.getInt("port");
        settings.apiPort = f.getInt("api-port");
        settings.kubeconfig = Path.of(f.get("kubeconfig-out")).toAbsolutePath();
        settings.clockSpeed = speed;
        settings.grpcPort = f.getInt("grpc-port");
        settings.prometheus = f.get("prometheus");
        settings.consoleTls = tls;
        settings.jobCommands = jobCommands;
        settings.jobRunTimeLimit = jobTimeLimit;
        settings.faults = faults;
        settings.controllers = f.getBool("controllers");
        SandboxApp[] app = new SandboxApp[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Bounded: Ctrl-C must end the process even if a component does not close in time.
            if (app[0] != null) {
                awaitQuietly(app[0].close(), 10);
            }
            awaitQuietly(vertx.close(), 5);
            stopped.countDown();
        }));
        SandboxApp.start(vertx, settings)
                .onSuccess(a -> {
                    app[0] = a;
                    System.out.println(startedBanner(a, settings, samples, f.get("kafka-client-properties")));
                    a.loadSamples(vertx, samples)
                            .onSuccess(v -> System.out.println(samples.isEmpty() ? "" : "Samples loaded: "
                                    + String.join(", ", samples.stream().map(x -> x + "-sample").toList())))
                            .onFailure(e -> System.err.println("failed to load samples: " + e.getMessage()));
                })
                .onFailure(e -> {
                    System.err.println("sandbox failed to start: " + e.getMessage());
                    stopped.countDown();
                    System.exit(1);
                });
        stopped.await();
        return 0;
    }

    /** What a newcomer reads once the sandbox is up: where everything is, the console token, Kafka if any. */
    private static String startedBanner(SandboxApp a, SandboxApp.Settings settings, List<String> samples,
                                        String kafkaClientProperties) {
        return (settings.controllers
                ? banner(a.httpPort(), a.cluster().apiUrl(), a.grpcPort(), settings.kubeconfig, samples, settings.clockSpeed)
                : ExternalManager.banner(a.httpPort(), a.cluster().apiUrl(), settings.kubeconfig, samples))
                .replace("  console:    http://", settings.consoleTls == null ? "  console:    http://" : "  console:    https://")
                .replace("\n  API:", "\n  token:      " + a.consoleToken() + "  (log in to the console with it to edit)\n  API:")
                .replace("\n\nPress Ctrl-C", kafkaBanner(a.kafka(), settings.embeddedKafkaPort != null,
                        kafkaClientProperties) + "\n\nPress Ctrl-C");
    }

    public static void awaitQuietly(Future<?> f, int seconds) {
        try {
            f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("shutdown: " + e);
        }
    }

    /**
     * {@code --kafka embedded} or {@code --kafka-bootstrap-servers} (+ topic, client properties) into the settings;
     * an invalid combination is an IllegalArgumentException with the message for the user.
     */
    static void kafka(Flags f, SandboxApp.Settings settings) {
        String mode = f.get("kafka").trim();
        String servers = f.get("kafka-bootstrap-servers").trim();
        String topic = f.get("kafka-topic");
        if (!mode.isEmpty() && !mode.equals("embedded")) {
            throw new IllegalArgumentException("invalid --kafka \"" + mode + "\": embedded (or --kafka-bootstrap-servers for an existing Kafka)");
        }
        if (mode.equals("embedded")) {
            if (!servers.isEmpty() || !f.get("kafka-client-properties").isEmpty()) {
                throw new IllegalArgumentException("--kafka embedded starts its own broker: leave out --kafka-bootstrap-servers and --kafka-client-properties");
            }
            int port = f.getInt("kafka-port");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("invalid --kafka-port " + port);
            }
            // validates the topic name as the manager does
            new KafkaSettings("127.0.0.1:" + port, topic, Map.of(),
                    KafkaSettings.DEFAULT_BUFFER, Encoding.BINARY);
            settings.embeddedKafkaPort = port;
            settings.embeddedKafkaTopic = topic;
        } else if (!servers.isEmpty()) {
            settings.kafka = new KafkaSettings(servers, topic,
                    KafkaSettings.readClientProperties(f.get("kafka-client-properties")),
                    KafkaSettings.DEFAULT_BUFFER, Encoding.BINARY);
        }
    }

    /** The banner's lines on the scaling-event stream: where it goes and how to read it. Empty without Kafka. */
    static String kafkaBanner(KafkaSettings kafka, boolean embedded, String clientProperties) {
        if (kafka == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n\nScaling events (CloudEvents) on Kafka ").append(kafka.bootstrapServers())
                .append(", topic ").append(kafka.topic()).append(embedded ? " (embedded broker, gone when the sandbox stops)" : "").append(':');
        sb.append("\n  java -jar kapacity.jar events --bootstrap-servers ").append(kafka.bootstrapServers());
        if (!kafka.topic().equals(KafkaSettings.DEFAULT_TOPIC)) {
            sb.append(" --topic ").append(kafka.topic());
        }
        boolean secured = clientProperties != null && !clientProperties.isEmpty();
        if (secured) {
            sb.append(" --client-properties ").append(clientProperties);
        }
        sb.append(" --follow");
        if (!secured) {
            // kcat does not read Java properties files: shown for a plain connection only
            sb.append("\n  kcat -C -b ").append(kafka.bootstrapServers()).append(" -t ").append(kafka.topic()).append(" -f '%k %h %s\\n'");
        }
        return sb.toString();
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




    static String banner(int port, String apiUrl, int grpcPort, Path kubeconfig, List<String> samples, double speed) {
        StringBuilder sb = new StringBuilder();
        sb.append("\nKapacity sandbox is running");
        if (speed != 1) {
            sb.append(" (clock x").append(speed == Math.rint(speed) ? String.valueOf((long) speed) : String.valueOf(speed)).append(')');
        }
        sb.append("\n  console:    http://127.0.0.1:").append(port).append('/');
        sb.append("\n  API:        ").append(apiUrl);
        sb.append("\n  gRPC:       127.0.0.1:").append(grpcPort).append(" (io.kapacitystack.metric.ProviderService)");
        sb.append("\n  kubeconfig: ").append(kubeconfig);
        sb.append("\n  samples:    ").append(samples.isEmpty() ? "none" : String.join(", ", samples.stream().map(s -> s + "-sample").toList()));
        sb.append("\n\nTry:\n  kubectl --kubeconfig ").append(kubeconfig).append(" get ihpa -A");
        sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" get sts,pods -n cron-sample -L kapacitystack.io/pod-state");
        sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" describe ihpa -n cron-sample cron-portrait-sample");
        if (samples.contains("reactive")) {
            sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" annotate sts nginx -n reactive-sample --overwrite ")
                    .append(SandboxApp.REACTIVE_LOAD).append("   # reactive: 1 -> ~6 replicas");
            sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" describe hp -n reactive-sample");
        }
        if (samples.contains("predictive")) {
            sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" get cj,jobs,pods -n ")
                    .append(SandboxApp.ALGORITHM_JOB_NAMESPACE).append("   # predictive: the algorithm job, every 30 min");
            sb.append("\n  kubectl --kubeconfig ").append(kubeconfig)
                    .append(" get hp predictive-sample-predictive -n predictive-sample -o jsonpath='{.status.portraitData}'");
        }
        sb.append("\n\nPress Ctrl-C to stop.\n");
        return sb.toString();
    }
}
