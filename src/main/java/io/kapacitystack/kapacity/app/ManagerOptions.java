package io.kapacitystack.kapacity.app;

import io.cloudevents.core.message.Encoding;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.stream.KafkaSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Flags of {@code kapacity.jar manager}: every flag of Kapacity's manager with the same name, default and meaning
 * (so its Deployment args work unchanged), plus this project's own.
 */
public final class ManagerOptions {

    public String metricsBindAddress;
    public String healthProbeBindAddress;
    public boolean leaderElect;
    public String leaderElectionNamespace;
    public String leaderElectionId;
    public double kubeApiQps;
    public int kubeApiBurst;
    public int reconcileConcurrency;
    public String objectLabelSelector;
    public String objectFieldSelector;
    public List<String> namespaces;
    public boolean serveAdmissionWebhooks;
    public String webhookBindAddress;
    public String webhookCertDir;
    public String grpcServerBindAddress;
    public String grpcServerTlsCertFile;
    public String grpcServerTlsKeyFile;
    public String grpcServerClientCaFile;
    public boolean grpcServerTokenAuth;
    public String grpcServerTokenAudience;
    public String metricProvider;
    public String prometheusAddress;
    public boolean prometheusAuthInCluster;
    public String prometheusAuthConfig;
    public String prometheusMetricsConfig;
    public Duration prometheusMetricsRelistInterval;
    public Duration prometheusMetricsMaxAge;
    public String algorithmJobNamespace;
    public String algorithmJobDefaultServiceAccount;
    public String algorithmJobDefaultMetricsServerAddr;
    public String algorithmJobDefaultImageHorizontalPredictive;
    public String consoleBindAddress;
    public String consoleAuthMode;
    public boolean consoleAnonymousRead;
    public String consoleTlsCertFile;
    public String consoleTlsKeyFile;
    public String standbyCpuFloor;
    public String standbyMemoryFloor;
    public String kubeconfig;
    /** How long the caches may take to list everything before the manager gives up and exits 1. */
    public Duration cacheSyncTimeout;
    public String logPath;
    public String logFormat;
    /** Empty: no stream. */
    public String kafkaBootstrapServers;
    public String kafkaTopic;
    /** Path of the Kafka client properties file (read at start, so a chart's mounted secret need not exist here). */
    public String kafkaClientProperties;
    public int kafkaBufferSize;
    public Encoding kafkaEncoding;
    public Duration kafkaConsoleHistory;

    public static Flags flags() {
        return new Flags()
                .define("metrics-bind-address", ":8080", "The address the metric endpoint binds to.")
                .define("health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
                .defineBool("leader-elect", false, "Enable leader election for controller manager. Enabling this will ensure there is only one active controller manager.")
                .define("leader-election-namespace", "", "Namespace of the leader election Lease (default: the pod's namespace, or kapacity-system).")
                .define("leader-election-id", "kapacity-manager.kapacitystack.io", "Name of the leader election Lease.")
                .define("kube-api-qps", "20", "QPS to use while talking with kube-apiserver.")
                .define("kube-api-burst", "30", "Burst to use while talking with kube-apiserver.")
                .define("reconcile-concurrency", "1", "The reconciliation concurrency of each controller.")
                .define("object-label-selector", "", "Label selector applied to every watched object.")
                .define("object-field-selector", "", "Field selector applied to every watched object.")
                .define("namespaces", "", "Comma separated namespaces to watch (default: all).")
                .defineBool("serve-admission-webhooks", true, "Serve the admission webhooks.")
                .define("webhook-bind-address", ":9443", "The address the HTTPS webhook server binds to.")
                .define("webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs", "Directory with tls.crt and tls.key of the webhook server.")
                .define("grpc-server-bind-address", ":9090", "The address the gRPC server binds to. Set \"\" or \"0\" to disable the gRPC server.")
                .define("grpc-server-tls-cert-file", "", "PEM certificate of the gRPC server; with the key file it serves TLS (reloaded when the file changes).")
                .define("grpc-server-tls-key-file", "", "PEM private key of the gRPC server.")
                .define("grpc-server-client-ca-file", "", "PEM CA that gRPC clients' certificates must be signed by (mutual TLS).")
                .defineBool("grpc-server-token-auth", false, "Require a bearer token (authorization: Bearer <token>) on every gRPC metrics call, checked with a Kubernetes TokenReview.")
                .define("grpc-server-token-audience", "", "With --grpc-server-token-auth: the audience tokens must be issued for (default: the API server's).")
                .define("metric-provider", "prometheus", "The name of metric provider. Valid options are prometheus and metrics-api.")
                .define("prometheus-address", "", "The address of the Prometheus to connect to.")
                .defineBool("prometheus-auth-incluster", false, "Use auth details from the in-cluster kubeconfig when connecting to Prometheus.")
                .define("prometheus-auth-config", "", "The kubeconfig file used to configure auth when connecting to Prometheus.")
                .define("prometheus-metrics-config", "", "The configuration file containing details of how to transform between Prometheus metrics and metrics API resources.")
                .define("prometheus-metrics-relist-interval", "10m", "The interval at which to re-list the set of all available metrics from Prometheus.")
                .define("prometheus-metrics-max-age", "0s", "The period for which to query the set of available metrics from Prometheus. If not set, it equals to prometheus-metrics-relist-interval.")
                .define("algorithm-job-namespace", "", "The namespace where the algorithm jobs run.")
                .define("algorithm-job-default-service-account", "", "The default service account of algorithm job pods.")
                .define("algorithm-job-default-metrics-server-addr", "", "The default metrics server address for algorithm jobs.")
                .define("algorithm-job-default-image-horizontal-predictive", "", "The default image of the horizontal predictive algorithm job.")
                .define("console-bind-address", ":8082", "The address the web console binds to. \"0\" disables it.")
                .define("console-auth-mode", "kubernetes", "Console users: \"kubernetes\" checks bearer tokens with TokenReview and each write with SubjectAccessReview; \"none\" makes the console read-only for anyone (needs --console-anonymous-read).")
                .defineBool("console-anonymous-read", false, "Let anyone who reaches the console read it (every IHPA and event of the cluster) without logging in. Off: reading needs a user who may list IHPAs in all namespaces.")
                .define("console-tls-cert-file", "", "PEM certificate of the console; with the key file the console serves HTTPS.")
                .define("console-tls-key-file", "", "PEM private key of the console.")
                .define("standby-cpu-floor", "10m", "CPU request a Standby pod is resized down to (in-place pod resize).")
                .define("standby-memory-floor", "32Mi", "Memory request a Standby pod is resized down to (a request equal to its limit is kept).")
                .define("kafka-bootstrap-servers", "", "Kafka brokers (host:port,...) to publish scaling events to as CloudEvents (docs/kafka.md); empty: no stream.")
                .define("kafka-topic", KafkaSettings.DEFAULT_TOPIC, "Kafka topic of the scaling events.")
                .define("kafka-client-properties", "", "Java properties file of Kafka client settings (security.protocol, ssl.*, sasl.* ...).")
                .define("kafka-buffer-size", Integer.toString(KafkaSettings.DEFAULT_BUFFER), "Scaling events kept while Kafka is unreachable; beyond it the oldest are dropped (counted in /metrics).")
                .define("kafka-cloudevents-mode", "binary", "CloudEvents Kafka binding mode: binary (ce_ headers) or structured (one JSON document).")
                .define("kafka-console-history", "6h", "How far back the console reads the Kafka stream at start to rebuild its history (0s: not at all).")
                .define("cache-sync-timeout", "2m", "How long the caches may take to list every watched object at start; they keep retrying a failing list meanwhile, and past it the manager exits 1 to be restarted (controller-runtime's CacheSyncTimeout).")
                .define("kubeconfig", "", "Path to a kubeconfig (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config).")
                .define("log-path", "", "Directory of log files (default: log to stderr only).")
                .define("log-file-max-age", "168h", "Max age of rotated log files.")
                .define("log-file-rotation-time", "24h", "Rotation period of log files.")
                .define("log-format", "text", "Log format: text or json.")
                // Kapacity's zap flags: accepted so its manifests work unchanged; logging is configured by --log-format.
                .defineBool("zap-devel", true, "Accepted for compatibility with Kapacity.")
                .define("zap-encoder", "", "Accepted for compatibility with Kapacity.")
                .define("zap-log-level", "", "Accepted for compatibility with Kapacity.")
                .define("zap-stacktrace-level", "", "Accepted for compatibility with Kapacity.")
                .define("zap-time-encoding", "", "Accepted for compatibility with Kapacity.");
    }

    private static String quantity(Flags f, String name) {
        String v = f.get(name);
        try {
            Quantity q = new Quantity(v);
            if (q.getNumericalAmount().signum() < 0) {
                throw new IllegalArgumentException("negative");
            }
            return v;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid value \"" + v + "\" for flag -" + name + ": not a resource quantity");
        }
    }

    /**
     * The stream's settings (reads the client properties file), or null without bootstrap servers.
     * @throws IllegalArgumentException for an unreadable properties file
     */
    public KafkaSettings kafkaSettings() {
        if (kafkaBootstrapServers.isEmpty()) {
            return null;
        }
        return new KafkaSettings(kafkaBootstrapServers, kafkaTopic,
                KafkaSettings.readClientProperties(kafkaClientProperties),
                kafkaBufferSize, kafkaEncoding);
    }

    private static void parseKafka(Flags f, ManagerOptions o) {
        o.kafkaBootstrapServers = f.get("kafka-bootstrap-servers").trim();
        o.kafkaTopic = f.get("kafka-topic");
        o.kafkaClientProperties = f.get("kafka-client-properties");
        o.kafkaBufferSize = f.getInt("kafka-buffer-size");
        o.kafkaEncoding = KafkaSettings.encoding(f.get("kafka-cloudevents-mode"));
        o.kafkaConsoleHistory = f.getDuration("kafka-console-history");
        if (o.kafkaBootstrapServers.isEmpty()) {
            if (!o.kafkaClientProperties.isEmpty()) {
                throw new IllegalArgumentException("--kafka-client-properties needs --kafka-bootstrap-servers");
            }
            return;
        }
        // validates topic and buffer size now, without the properties file
        new KafkaSettings(o.kafkaBootstrapServers, o.kafkaTopic, Map.of(),
                o.kafkaBufferSize, o.kafkaEncoding);
    }

    public static ManagerOptions parse(String... args) {
        Flags f = flags().parse(args);
        ManagerOptions o = new ManagerOptions();
        o.metricsBindAddress = f.get("metrics-bind-address");
        o.healthProbeBindAddress = f.get("health-probe-bind-address");
        o.leaderElect = f.getBool("leader-elect");
        o.leaderElectionNamespace = f.get("leader-election-namespace");
        o.leaderElectionId = f.get("leader-election-id");
        o.kubeApiQps = f.getDouble("kube-api-qps");
        if (o.kubeApiQps <= 0) {
            o.kubeApiQps = 20;
        }
        o.kubeApiBurst = f.getInt("kube-api-burst");
        if (o.kubeApiBurst <= 0) {
            o.kubeApiBurst = 30;
        }
        o.reconcileConcurrency = Math.max(1, f.getInt("reconcile-concurrency"));
        o.objectLabelSelector = f.get("object-label-selector");
        o.objectFieldSelector = f.get("object-field-selector");
        o.namespaces = Arrays.stream(f.get("namespaces").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
        o.serveAdmissionWebhooks = f.getBool("serve-admission-webhooks");
        o.webhookBindAddress = f.get("webhook-bind-address");
        o.webhookCertDir = f.get("webhook-cert-dir");
        parseGrpc(f, o);
        o.metricProvider = f.get("metric-provider");
        if (!o.metricProvider.equals("prometheus") && !o.metricProvider.equals("metrics-api")) {
            throw new IllegalArgumentException("unknown metric provider type \"" + o.metricProvider + "\"");
        }
        parsePrometheus(f, o);
        o.algorithmJobNamespace = f.get("algorithm-job-namespace");
        o.algorithmJobDefaultServiceAccount = f.get("algorithm-job-default-service-account");
        o.algorithmJobDefaultMetricsServerAddr = f.get("algorithm-job-default-metrics-server-addr");
        o.algorithmJobDefaultImageHorizontalPredictive = f.get("algorithm-job-default-image-horizontal-predictive");
        parseConsole(f, o);
        o.standbyCpuFloor = quantity(f, "standby-cpu-floor");
        o.standbyMemoryFloor = quantity(f, "standby-memory-floor");
        parseKafka(f, o);
        o.kubeconfig = f.get("kubeconfig");
        o.cacheSyncTimeout = f.getDuration("cache-sync-timeout");
        if (o.cacheSyncTimeout.isNegative() || o.cacheSyncTimeout.isZero()) {
            throw new IllegalArgumentException("--cache-sync-timeout must be positive");
        }
        o.logPath = f.get("log-path");
        o.logFormat = f.get("log-format");
        if (!f.positional().isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments: " + f.positional());
        }
        return o;
    }

    private static void parseGrpc(Flags f, ManagerOptions o) {
        o.grpcServerBindAddress = f.get("grpc-server-bind-address");
        o.grpcServerTlsCertFile = f.get("grpc-server-tls-cert-file");
        o.grpcServerTlsKeyFile = f.get("grpc-server-tls-key-file");
        o.grpcServerClientCaFile = f.get("grpc-server-client-ca-file");
        if (o.grpcServerTlsCertFile.isEmpty() != o.grpcServerTlsKeyFile.isEmpty()) {
            throw new IllegalArgumentException("--grpc-server-tls-cert-file and --grpc-server-tls-key-file go together");
        }
        o.grpcServerTokenAuth = f.getBool("grpc-server-token-auth");
        o.grpcServerTokenAudience = f.get("grpc-server-token-audience").trim();
        if (!o.grpcServerTokenAudience.isEmpty() && !o.grpcServerTokenAuth) {
            throw new IllegalArgumentException("--grpc-server-token-audience needs --grpc-server-token-auth");
        }
    }

    private static void parsePrometheus(Flags f, ManagerOptions o) {
        o.prometheusAddress = f.get("prometheus-address");
        o.prometheusAuthInCluster = f.getBool("prometheus-auth-incluster");
        o.prometheusAuthConfig = f.get("prometheus-auth-config");
        if (o.prometheusAuthInCluster && !o.prometheusAuthConfig.isEmpty()) {
            throw new IllegalArgumentException("may not use both in-cluster auth and an explicit kubeconfig at the same time");
        }
        o.prometheusMetricsConfig = f.get("prometheus-metrics-config");
        o.prometheusMetricsRelistInterval = f.getDuration("prometheus-metrics-relist-interval");
        o.prometheusMetricsMaxAge = f.getDuration("prometheus-metrics-max-age");
        if (o.prometheusMetricsMaxAge.isZero()) {
            o.prometheusMetricsMaxAge = o.prometheusMetricsRelistInterval;
        }
    }

    private static void parseConsole(Flags f, ManagerOptions o) {
        o.consoleBindAddress = f.get("console-bind-address");
        o.consoleAuthMode = f.get("console-auth-mode");
        if (!o.consoleAuthMode.equals("kubernetes") && !o.consoleAuthMode.equals("none")) {
            throw new IllegalArgumentException("invalid value \"" + o.consoleAuthMode + "\" for flag -console-auth-mode: kubernetes or none");
        }
        o.consoleAnonymousRead = f.getBool("console-anonymous-read");
        // without authentication nobody can log in: the console would show every IHPA to anyone, so say so explicitly
        if (o.consoleAuthMode.equals("none") && !o.consoleAnonymousRead && !o.consoleBindAddress.equals("0")
                && !o.consoleBindAddress.isEmpty()) {
            throw new IllegalArgumentException("--console-auth-mode=none serves the console to anyone who reaches it: "
                    + "add --console-anonymous-read to confirm, or disable the console with --console-bind-address=0");
        }
        o.consoleTlsCertFile = f.get("console-tls-cert-file");
        o.consoleTlsKeyFile = f.get("console-tls-key-file");
        if (o.consoleTlsCertFile.isEmpty() != o.consoleTlsKeyFile.isEmpty()) {
            throw new IllegalArgumentException("--console-tls-cert-file and --console-tls-key-file go together");
        }
    }
}
