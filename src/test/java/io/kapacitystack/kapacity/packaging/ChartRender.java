package io.kapacitystack.kapacity.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The chart rendered by the real Helm (helm-java) with one set of values, parsed strictly with fabric8. */
final class ChartRender {

    static final Path CHART = Path.of("helm/kapacity-manager");
    static final String RELEASE = "kapacity-manager";
    static final String NAMESPACE = "kapacity-system";
    static final Path VALUES_DIR = Path.of("src/test/resources/packaging");

    /** The value sets the tests render the chart with. */
    enum Variant {
        DEFAULTS,
        /** A values file written for Kapacity's own chart. */
        KAPACITY_VALUES("kapacity-values.yaml"),
        WEBHOOK_AND_CERT_MANAGER_OFF(Map.of("webhook.enabled", "false", "webhook.useCertManager", "false")),
        /** Two replicas elect a leader even when leader election is switched off. */
        TWO_REPLICAS(Map.of("replicaCount", "2", "leaderElection.enabled", "false")),
        METRICS_API_WITHOUT_GRPC_AND_CONSOLE(Map.of("metricProvider", "metrics-api",
                "grpcServer.enabled", "false", "console.enabled", "false")),
        /** gRPC bearer-token authentication (TokenReview) with an audience, console off. */
        GRPC_TOKEN_AUTH(Map.of("grpcServer.tokenAuth.enabled", "true",
                "grpcServer.tokenAuth.audience", "kapacity-metrics", "console.enabled", "false")),
        /** The algorithm jobs' permissions narrowed to two namespaces (a Role in each instead of the ClusterRole). */
        ALGORITHM_JOB_NAMESPACES(Map.of("algorithmJob.namespaces[0]", "shop", "algorithmJob.namespaces[1]", "team-a")),
        /** Every feature of this project switched on, webhook certificate supplied by the user. */
        ALL_FEATURES("all-features-values.yaml");

        final String valuesFile;
        final Map<String, String> sets;

        Variant() {
            this(null, Map.of());
        }

        Variant(String valuesFile) {
            this(valuesFile, Map.of());
        }

        Variant(Map<String, String> sets) {
            this(null, sets);
        }

        Variant(String valuesFile, Map<String, String> sets) {
            this.valuesFile = valuesFile;
            this.sets = sets;
        }
    }

    private static final Map<Variant, ChartRender> CACHE = new EnumMap<>(Variant.class);

    final String yaml;
    final List<HasMetadata> objects;

    private ChartRender(String yaml, String origin) {
        this.yaml = yaml;
        this.objects = StrictManifests.parseAll(yaml, origin);
    }

    static synchronized ChartRender of(Variant variant) {
        return CACHE.computeIfAbsent(variant, v -> {
            TemplateCommand template = template();
            if (v.valuesFile != null) {
                template = template.withValuesFile(VALUES_DIR.resolve(v.valuesFile));
            }
            for (Map.Entry<String, String> set : v.sets.entrySet()) {
                template = template.set(set.getKey(), set.getValue());
            }
            return new ChartRender(template.call(), "helm template (" + v + ")");
        });
    }

    /** The objects of a {@link #template()} call with values of its own (not cached). */
    static ChartRender render(TemplateCommand template) {
        return new ChartRender(template.call(), "helm template (ad hoc)");
    }

    /** helm template of this chart, release {@link #RELEASE} in {@link #NAMESPACE} (without crds/, see {@link #crds()}). */
    static TemplateCommand template() {
        return new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
    }

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** A YAML document as plain maps and lists. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yamlMap(String yaml) {
        return YAML.readValue(yaml, Map.class);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
                + " among " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    Deployment deployment() {
        List<Deployment> deployments = all(Deployment.class);
        assertEquals(1, deployments.size(), "one manager Deployment");
        return deployments.get(0);
    }

    Container manager() {
        List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        assertEquals("manager", containers.get(0).getName());
        return containers.get(0);
    }

    List<String> args() {
        return manager().getArgs();
    }

    /** The value of {@code --name=value}, empty if the flag is absent; fails if it is given twice. */
    Optional<String> flag(String name) {
        List<String> values = args().stream().filter(a -> a.startsWith("--" + name + "="))
                .map(a -> a.substring(name.length() + 3)).toList();
        assertTrue(values.size() <= 1, "--" + name + " given more than once: " + args());
        return values.stream().findFirst();
    }

    boolean hasBoolFlag(String name) {
        return args().contains("--" + name) || args().contains("--" + name + "=true");
    }
}
