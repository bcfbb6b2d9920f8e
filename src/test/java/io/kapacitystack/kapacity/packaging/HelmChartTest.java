package io.kapacitystack.kapacity.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.kapacitystack.kapacity.app.ManagerOptions;
import io.kapacitystack.kapacity.packaging.ChartRender.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The kapacity-manager chart through the real Helm: lint, and the objects it renders for several value sets. */
class HelmChartTest {

    /**
     * Flags the chart passes for this project's optional features (console auth and TLS, gRPC TLS, Kafka) that
     * {@link ManagerOptions} does not define yet. They are rendered only when the feature is switched on, so the
     * default install runs on today's manager. See {@link #pendingFlagsAreNotDefinedYet()}.
     */
    static final Set<String> PENDING_FLAGS = Set.of();

    /** Every value of Kapacity's chart (traas-stack/kapacity-charts, kapacity-manager 0.4.0), as a path. */
    static final List<String> KAPACITY_VALUES = List.of(
            "replicaCount", "image.registry", "image.repository.namespace", "image.repository.name",
            "image.pullPolicy", "image.tag", "kubeAPIQPS", "kubeAPIBurst", "reconcileConcurrency",
            "objectSelector.label", "objectSelector.field", "grpcServer.enabled", "grpcServer.bindAddress",
            "grpcServer.bindPort", "metricProvider", "prometheus.address", "prometheus.auth.incluster",
            "prometheus.auth.config", "prometheus.metrics.relistInterval", "prometheus.metrics.maxAge",
            "prometheus.metrics.config.resourceRules", "prometheus.metrics.config.rules",
            "prometheus.metrics.config.externalRules", "prometheus.metrics.config.workloadPodNamePatterns",
            "webhook.enabled", "webhook.useCertManager", "algorithmJob.defaultServiceAccount",
            "algorithmJob.defaultMetricsServerAddr", "algorithmJob.defaultImage.horizontalPredictive.registry",
            "algorithmJob.defaultImage.horizontalPredictive.repository",
            "algorithmJob.defaultImage.horizontalPredictive.tag", "logPath", "logFileMaxAge", "logFileRotationTime",
            "zap.stacktraceLevel", "zap.logLevel", "timezone", "imagePullSecrets", "nameOverride",
            "fullnameOverride", "serviceAccount.annotations", "serviceAccount.name", "podAnnotations",
            "podSecurityContext", "securityContext", "resources.requests", "resources.limits", "nodeSelector",
            "tolerations", "affinity");

    // ---------------------------------------------------------------- lint and values

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(ChartRender.CHART).lint().strict().call();
        assertFalse(result.isFailed(), "helm lint --strict: " + result.getMessages());
        List<String> problems = result.getMessages().stream()
                .filter(m -> m.contains("[WARNING]") || m.contains("[ERROR]")).toList();
        assertEquals(List.of(), problems);
    }

    @Test
    void valuesYamlHasEveryValueOfKapacitysChart() throws IOException {
        Map<String, Object> values = ChartRender.yamlMap(Files.readString(ChartRender.CHART.resolve("values.yaml")));
        for (String path : KAPACITY_VALUES) {
            Object node = values;
            for (String key : path.split("\\.")) {
                assertTrue(node instanceof Map<?, ?> map && map.containsKey(key), "values.yaml lacks " + path);
                node = ((Map<?, ?>) node).get(key);
            }
        }
    }

    @Test
    void kapacityValuesFileUsesOnlyKapacitysValues() throws IOException {
        Map<String, Object> values = ChartRender.yamlMap(Files.readString(
                ChartRender.VALUES_DIR.resolve(Variant.KAPACITY_VALUES.valuesFile)));
        Set<String> topLevel = KAPACITY_VALUES.stream().map(p -> p.split("\\.")[0]).collect(Collectors.toSet());
        assertEquals(topLevel, values.keySet(), "the Kapacity-style values file covers exactly Kapacity's values");
    }

    @Test
    void defaultMetricsConfigIsKapacitysShippedConfig() {
        ConfigMap config = ChartRender.of(Variant.DEFAULTS).get(ConfigMap.class, "kapacity-config");
        Map<String, Object> metrics = ChartRender.yamlMap(config.getData().get("prometheus-metrics-config.yaml"));
        Map<?, ?> resourceRules = (Map<?, ?>) metrics.get("resourceRules");
        Map<?, ?> cpu = (Map<?, ?>) resourceRules.get("cpu");
        Map<?, ?> memory = (Map<?, ?>) resourceRules.get("memory");
        // the PromQL of the spec (§9.3.6), identical up to whitespace, except that readyPodsOnly narrows
        // kube_pod_status_ready to the query's namespace and pods (docs/compatibility.md)
        assertEquals(squash("sum by (<<.GroupBy>>) (irate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\",<<.LabelMatchers>>}[3m]))"),
                squash(cpu.get("containerQuery")));
        assertEquals(squash("sum by (<<.GroupBy>>) ((kube_pod_status_ready{condition=\"true\",namespace=\"<<index .LabelValuesByName \"namespace\">>\",pod=~\"<<index .LabelValuesByName \"pod\">>\"} == 1) * on (namespace, pod) group_left () sum by (namespace, pod) (irate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\",<<.LabelMatchers>>}[3m])))"),
                squash(cpu.get("readyPodsOnlyContainerQuery")));
        assertEquals(squash("sum by (<<.GroupBy>>) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\",<<.LabelMatchers>>})"),
                squash(memory.get("containerQuery")));
        assertEquals(squash("sum by (<<.GroupBy>>) ((kube_pod_status_ready{condition=\"true\",namespace=\"<<index .LabelValuesByName \"namespace\">>\",pod=~\"<<index .LabelValuesByName \"pod\">>\"} == 1) * on (namespace, pod) group_left () sum by (namespace, pod) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\",<<.LabelMatchers>>}))"),
                squash(memory.get("readyPodsOnlyContainerQuery")));
        for (Map<?, ?> rule : List.of(cpu, memory)) {
            assertEquals("container", rule.get("containerLabel"));
            assertEquals(Map.of("overrides", Map.of("namespace", Map.of("resource", "namespace"),
                    "pod", Map.of("resource", "pod"))), rule.get("resources"));
        }
        assertEquals("3m", resourceRules.get("window"));
        assertEquals(List.of(), metrics.get("rules"));
        assertEquals(List.of(Map.of(
                "seriesQuery", "{__name__=\"kube_pod_status_ready\"}",
                "metricsQuery", "sum(<<.Series>>{condition=\"true\",<<.LabelMatchers>>})",
                "name", Map.of("as", "kube_pod_status_ready"),
                "resources", Map.of("overrides", Map.of("namespace", Map.of("resource", "namespace"))))),
                metrics.get("externalRules"));
        assertEquals(List.of(
                Map.of("group", "apps", "kind", "ReplicaSet", "pattern", "^%s-[a-z0-9]+$"),
                Map.of("group", "apps", "kind", "Deployment", "pattern", "^%s-[a-z0-9]+-[a-z0-9]+$"),
                Map.of("group", "apps", "kind", "StatefulSet", "pattern", "^%s-[0-9]+$")),
                metrics.get("workloadPodNamePatterns"));
    }

    private static String squash(Object s) {
        return String.valueOf(s).replaceAll("\\s+", "");
    }

    // ---------------------------------------------------------------- every variant

    @ParameterizedTest
    @EnumSource(Variant.class)
    void argsAreManagerFlags(Variant variant) {
        ChartRender chart = ChartRender.of(variant);
        Set<String> known = ManagerOptions.flags().names();
        List<String> today = new ArrayList<>();
        for (String arg : chart.args()) {
            assertTrue(arg.startsWith("--"), "not a flag: " + arg);
            String name = arg.substring(2).split("=", 2)[0];
            if (PENDING_FLAGS.contains(name)) {
                assertEquals(Variant.ALL_FEATURES, variant, "--" + name + " must only appear when its feature is on");
            } else {
                assertTrue(known.contains(name), "--" + name + " is not a flag of the manager");
                today.add(arg);
            }
        }
        ManagerOptions options = ManagerOptions.parse(today.toArray(String[]::new));
        assertEquals(ChartRender.NAMESPACE, options.algorithmJobNamespace);
        assertEquals(":8080", options.metricsBindAddress);
        assertEquals(":8081", options.healthProbeBindAddress);
        if (variant != Variant.ALL_FEATURES) {
            assertEquals(chart.args().size(), today.size());
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void runsTheJarsManagerSubcommand(Variant variant) {
        List<String> command = ChartRender.of(variant).manager().getCommand();
        assertEquals("java", command.get(0));
        assertEquals(List.of("-jar", "/app/kapacity.jar", "manager"), command.subList(command.size() - 3, command.size()));
        assertTrue(command.subList(1, command.size() - 3).stream().allMatch(o -> o.startsWith("-X") || o.startsWith("-D")),
                "only JVM options before -jar: " + command);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void podIsLockedDown(Variant variant) {
        PodSpec pod = ChartRender.of(variant).deployment().getSpec().getTemplate().getSpec();
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertEquals(Boolean.TRUE, podSecurity.getRunAsNonRoot());
        assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType());
        SecurityContext security = ChartRender.of(variant).manager().getSecurityContext();
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        assertTrue(security.getCapabilities().getAdd() == null || security.getCapabilities().getAdd().isEmpty());
        assertNull(security.getPrivileged());
        // the JVM and Vert.x need a writable /tmp on the read-only root filesystem
        assertEquals("tmp", mountAt(ChartRender.of(variant).manager(), "/tmp").getName());
        assertNotNull(volume(pod, "tmp").getEmptyDir());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void probesAndResources(Variant variant) {
        Container manager = ChartRender.of(variant).manager();
        assertEquals("/healthz", manager.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", manager.getReadinessProbe().getHttpGet().getPath());
        assertEquals(8081, containerPort(manager, manager.getLivenessProbe().getHttpGet().getPort().getStrVal()));
        assertEquals(8081, containerPort(manager, manager.getReadinessProbe().getHttpGet().getPort().getStrVal()));
        assertEquals(8080, containerPort(manager, "metrics"));
        assertNotNull(manager.getResources().getRequests().get("memory"), "memory request");
        assertNotNull(manager.getResources().getRequests().get("cpu"), "cpu request");
    }

    /** Each listening flag, container port and Service agree. */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void portsFlagsAndServicesAgree(Variant variant) {
        ChartRender chart = ChartRender.of(variant);
        Container manager = chart.manager();
        Map<String, String> podLabels = chart.deployment().getSpec().getTemplate().getMetadata().getLabels();
        assertEquals(chart.deployment().getSpec().getSelector().getMatchLabels(), podLabels);
        for (Service service : chart.all(Service.class)) {
            assertEquals(podLabels, service.getSpec().getSelector(), service.getMetadata().getName() + " selects the manager");
            for (ServicePort port : service.getSpec().getPorts()) {
                containerPort(manager, port.getTargetPort().getStrVal());
            }
        }
        String grpc = chart.flag("grpc-server-bind-address").orElseThrow();
        if (grpc.equals("0")) {
            assertTrue(chart.find(Service.class, "kapacity-grpc-service").isEmpty());
            assertTrue(manager.getPorts().stream().noneMatch(p -> p.getName().equals("grpc-server")));
        } else {
            int port = Integer.parseInt(grpc.substring(grpc.lastIndexOf(':') + 1));
            assertEquals(port, containerPort(manager, "grpc-server"));
            ServicePort servicePort = chart.get(Service.class, "kapacity-grpc-service").getSpec().getPorts().get(0);
            assertEquals(port, servicePort.getPort());
            assertEquals("grpc-server", servicePort.getTargetPort().getStrVal());
            // the algorithm jobs reach the gRPC service at the address given to them
            assertEquals("kapacity-grpc-service:" + port, chart.flag("algorithm-job-default-metrics-server-addr").orElseThrow());
        }
        String console = chart.flag("console-bind-address").orElseThrow();
        if (console.equals("0")) {
            assertTrue(chart.find(Service.class, "kapacity-console").isEmpty());
        } else {
            assertEquals(Integer.parseInt(console.substring(1)), containerPort(manager, "console"));
            assertEquals("console", chart.get(Service.class, "kapacity-console").getSpec().getPorts().get(0)
                    .getTargetPort().getStrVal());
        }
        if (chart.hasBoolFlag("serve-admission-webhooks")) {
            assertEquals(":9443", chart.flag("webhook-bind-address").orElseThrow());
            assertEquals(9443, containerPort(manager, "webhook-server"));
            ServicePort webhook = chart.get(Service.class, "kapacity-webhook-service").getSpec().getPorts().get(0);
            assertEquals(443, webhook.getPort());
            assertEquals("webhook-server", webhook.getTargetPort().getStrVal());
        }
    }

    /** The metrics config and the webhook certificate are mounted where the flags say. */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void mountsMatchFlags(Variant variant) {
        ChartRender chart = ChartRender.of(variant);
        Container manager = chart.manager();
        PodSpec pod = chart.deployment().getSpec().getTemplate().getSpec();
        VolumeMount config = mountAt(manager, "/etc/kapacity");
        assertEquals(Boolean.TRUE, config.getReadOnly());
        assertEquals("kapacity-config", volume(pod, config.getName()).getConfigMap().getName());
        assertTrue(chart.get(ConfigMap.class, "kapacity-config").getData().containsKey("prometheus-metrics-config.yaml"));
        chart.flag("prometheus-metrics-config").ifPresent(path ->
                assertEquals("/etc/kapacity/prometheus-metrics-config.yaml", path));
        if (chart.hasBoolFlag("serve-admission-webhooks")) {
            VolumeMount certs = mountAt(manager, chart.flag("webhook-cert-dir").orElseThrow());
            String secret = volume(pod, certs.getName()).getSecret().getSecretName();
            assertEquals(variant == Variant.ALL_FEATURES ? "my-webhook-tls" : "webhook-server-cert", secret);
        }
        chart.flag("log-path").ifPresent(path -> assertNotNull(volume(pod, mountAt(manager, path).getName()).getEmptyDir()));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void rbacHasNoWildcards(Variant variant) {
        ChartRender chart = ChartRender.of(variant);
        List<PolicyRule> rules = new ArrayList<>();
        chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
        assertFalse(rules.isEmpty());
        for (PolicyRule rule : rules) {
            for (String s : concat(rule.getApiGroups(), rule.getResources(), rule.getVerbs(), rule.getResourceNames())) {
                assertFalse(s.contains("*"), "wildcard in " + rule);
            }
            assertTrue(rule.getNonResourceURLs() == null || rule.getNonResourceURLs().isEmpty(), "non-resource URL in " + rule);
            assertFalse(rule.getResources().contains("secrets"), "no feature needs Secrets: " + rule);
            for (String verb : rule.getVerbs()) {
                assertFalse(Set.of("escalate", "bind", "impersonate").contains(verb), verb + " in " + rule);
            }
        }
        // bindings point to the roles of the chart and to service accounts it creates
        Set<String> accounts = chart.all(ServiceAccount.class).stream().map(a -> a.getMetadata().getName())
                .collect(Collectors.toSet());
        for (ClusterRoleBinding binding : chart.all(ClusterRoleBinding.class)) {
            checkBinding(chart, binding.getRoleRef(), binding.getSubjects(), accounts);
        }
        for (RoleBinding binding : chart.all(RoleBinding.class)) {
            checkBinding(chart, binding.getRoleRef(), binding.getSubjects(), accounts);
        }
        String managerAccount = chart.deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
        assertTrue(accounts.contains(managerAccount));
        chart.flag("algorithm-job-default-service-account").ifPresent(sa -> assertTrue(accounts.contains(sa), sa));
    }

    private static void checkBinding(ChartRender chart, RoleRef ref, List<Subject> subjects, Set<String> accounts) {
        if (ref.getKind().equals("ClusterRole")) {
            chart.get(ClusterRole.class, ref.getName());
        } else {
            chart.get(Role.class, ref.getName());
        }
        for (Subject subject : subjects) {
            assertEquals("ServiceAccount", subject.getKind());
            assertEquals(ChartRender.NAMESPACE, subject.getNamespace());
            assertTrue(accounts.contains(subject.getName()), subject.getName());
        }
    }

    // ---------------------------------------------------------------- RBAC, exactly

    @Test
    void managerPermissionsAreExactlyWhatTheCodeUses() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        Set<String> crds = Set.of("intelligenthorizontalpodautoscalers", "horizontalportraits", "replicaprofiles");
        Set<String> expected = new TreeSet<>();
        for (String crd : crds) {
            grant(expected, "autoscaling.kapacitystack.io", crd, "get", "list", "watch", "create", "update", "patch", "delete");
            grant(expected, "autoscaling.kapacitystack.io", crd + "/status", "get", "update", "patch");
            grant(expected, "autoscaling.kapacitystack.io", crd + "/finalizers", "update");
        }
        grant(expected, "", "pods", "get", "list", "watch", "patch");
        grant(expected, "", "pods/status", "get", "patch");
        grant(expected, "", "pods/resize", "patch");
        grant(expected, "", "events", "create", "patch");
        grant(expected, "events.k8s.io", "events", "create", "patch");
        grant(expected, "", "configmaps", "get", "list", "watch");
        // read-only, for one autoscaler per workload (autoscaler/ScaleTargetClaims)
        grant(expected, "autoscaling", "horizontalpodautoscalers", "list", "watch");
        for (String workload : List.of("statefulsets", "deployments", "replicasets")) {
            grant(expected, "apps", workload, "get", "list", "watch");
            grant(expected, "apps", workload + "/scale", "get", "update", "patch");
        }
        grant(expected, "metrics.k8s.io", "pods", "get", "list");
        grant(expected, "metrics.k8s.io", "nodes", "get", "list");
        grant(expected, "", "services", "get", "list", "watch");
        grant(expected, "", "endpoints", "get", "list", "watch");
        grant(expected, "networking.k8s.io", "ingresses", "get", "list", "watch");
        // the console authenticates its users by default: TokenReview and SubjectAccessReview
        grant(expected, "authorization.k8s.io", "subjectaccessreviews", "create");
        grant(expected, "authentication.k8s.io", "tokenreviews", "create");
        assertEquals(expected, permissions(chart.get(ClusterRole.class, "kapacity:manager").getRules()));
        // gRPC token auth alone (console off): TokenReviews, no SubjectAccessReviews
        Set<String> grpcOnly = new TreeSet<>(expected);
        grpcOnly.remove("authorization.k8s.io subjectaccessreviews create");
        assertEquals(grpcOnly, permissions(ChartRender.of(Variant.GRPC_TOKEN_AUTH)
                .get(ClusterRole.class, "kapacity:manager").getRules()));

        Set<String> namespaced = new TreeSet<>();
        grant(namespaced, "coordination.k8s.io", "leases", "get", "create", "update");
        // the informer lists and watches; ExternalAlgorithmJobs creates, replaces its cached copy, deletes
        grant(namespaced, "batch", "cronjobs", "create", "delete", "list", "update", "watch");
        assertEquals(namespaced, permissions(chart.get(Role.class, "kapacity:manager").getRules()));
        assertEquals(ChartRender.NAMESPACE, chart.get(RoleBinding.class, "kapacity:manager").getSubjects().get(0).getNamespace());
    }

    @Test
    void consoleReviewsAreGrantedOnlyWhenConsoleAuthIsOn() {
        for (String[] off : new String[][]{{"console.auth.mode", "none"}, {"console.enabled", "false"}}) {
            ClusterRole role = StrictManifests.parseAll(ChartRender.template().set(off[0], off[1])
                            .set("console.auth.anonymousRead", "true").call(), off[0]).stream()
                    .filter(o -> o instanceof ClusterRole && o.getMetadata().getName().equals("kapacity:manager"))
                    .map(ClusterRole.class::cast).findFirst().orElseThrow();
            Set<String> granted = permissions(role.getRules());
            assertFalse(granted.contains("authentication.k8s.io tokenreviews create"), off[0] + "=" + off[1] + ": " + granted);
            assertFalse(granted.contains("authorization.k8s.io subjectaccessreviews create"), off[0] + "=" + off[1] + ": " + granted);
        }
        Set<String> on = permissions(ChartRender.of(Variant.ALL_FEATURES).get(ClusterRole.class, "kapacity:manager").getRules());
        assertTrue(on.contains("authentication.k8s.io tokenreviews create") && on.contains("authorization.k8s.io subjectaccessreviews create"), on.toString());
    }

    /**
     * What a run of the algorithm job calls, Kapacity's (algorithm/kapacity/portrait/horizontal/predictive/main.py)
     * as the built-in one (predictive/PredictJob): get the HorizontalPortrait, get /scale and list pods for a
     * Utilization target, get then create or replace the result ConfigMap. Kapacity's role also grants list and
     * watch, which no job uses.
     */
    @Test
    void algorithmJobPermissionsAreOnlyWhatAJobCalls() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        Set<String> expected = new TreeSet<>();
        grant(expected, "", "configmaps", "create", "get", "update");
        grant(expected, "", "pods", "list");
        for (String workload : List.of("statefulsets", "deployments", "replicasets")) {
            grant(expected, "apps", workload + "/scale", "get");
        }
        grant(expected, "autoscaling.kapacitystack.io", "horizontalportraits", "get");
        assertEquals(expected, permissions(chart.get(ClusterRole.class, "kapacity:algorithm-job").getRules()));
        Subject subject = chart.get(ClusterRoleBinding.class, "kapacity:algorithm-job").getSubjects().get(0);
        assertEquals("kapacity-algorithm-job", subject.getName());
    }

    @Test
    void extraScaleTargetsAreGrantedByName() {
        ChartRender chart = ChartRender.of(Variant.ALL_FEATURES);
        Set<String> manager = permissions(chart.get(ClusterRole.class, "kapacity:manager").getRules());
        Set<String> job = permissions(chart.get(ClusterRole.class, "kapacity:algorithm-job").getRules());
        for (String kind : List.of("clonesets", "statefulsets")) {
            assertTrue(manager.contains("apps.kruise.io " + kind + " watch"), manager.toString());
            assertTrue(manager.contains("apps.kruise.io " + kind + "/scale update"), manager.toString());
            assertTrue(job.contains("apps.kruise.io " + kind + "/scale get"), job.toString());
            assertFalse(job.contains("apps.kruise.io " + kind + "/scale update"), job.toString());
        }
    }

    private static void grant(Set<String> permissions, String group, String resource, String... verbs) {
        for (String verb : verbs) {
            permissions.add(group + " " + resource + " " + verb);
        }
    }

    private static Set<String> permissions(List<PolicyRule> rules) {
        Set<String> permissions = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grant(permissions, group, resource, rule.getVerbs().toArray(String[]::new));
                }
            }
        }
        return permissions;
    }

    // ---------------------------------------------------------------- particular value sets

    @Test
    void defaults() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        Deployment deployment = chart.deployment();
        assertEquals("kapacity-manager", deployment.getMetadata().getName());
        assertEquals(Map.of("app.kubernetes.io/name", "kapacity-manager", "app.kubernetes.io/instance", "kapacity-manager"),
                deployment.getSpec().getSelector().getMatchLabels(), "the selector of Kapacity's chart, so helm upgrade keeps the Deployment");
        assertEquals(1, deployment.getSpec().getReplicas());
        assertTrue(chart.hasBoolFlag("leader-elect"), "a rolling update hands over through the Lease");
        assertNull(deployment.getSpec().getStrategy(), "rolling update");
        Container manager = chart.manager();
        assertEquals("ghcr.io/kapacity-stack/kapacity-manager-jvm:0.1.0", manager.getImage());
        assertEquals(Map.of("metrics", 8080, "health", 8081, "console", 8082, "grpc-server", 9090, "webhook-server", 9443),
                manager.getPorts().stream().collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort)));
        assertEquals(":9090", chart.flag("grpc-server-bind-address").orElseThrow());
        assertEquals(":8082", chart.flag("console-bind-address").orElseThrow());
        assertEquals("prometheus", chart.flag("metric-provider").orElseThrow());
        assertEquals("100", chart.flag("kube-api-qps").orElseThrow());
        assertEquals("200", chart.flag("kube-api-burst").orElseThrow());
        assertEquals("16", chart.flag("reconcile-concurrency").orElseThrow());
        assertEquals("kapacity-algorithm-job", chart.flag("algorithm-job-default-service-account").orElseThrow());
        // the built-in predictive job: the manager's own image runs `predict`
        assertEquals("ghcr.io/kapacity-stack/kapacity-manager-jvm:0.1.0",
                chart.flag("algorithm-job-default-image-horizontal-predictive").orElseThrow());
        assertTrue(chart.hasBoolFlag("serve-admission-webhooks"));

        assertEquals(9090, chart.get(Service.class, "kapacity-grpc-service").getSpec().getPorts().get(0).getPort());
        assertEquals(8082, chart.get(Service.class, "kapacity-console").getSpec().getPorts().get(0).getPort());
        assertEquals("ClusterIP", chart.get(Service.class, "kapacity-console").getSpec().getType());
        assertEquals(443, chart.get(Service.class, "kapacity-webhook-service").getSpec().getPorts().get(0).getPort());
        assertTrue(chart.all(Ingress.class).isEmpty());

        assertEquals(Set.of("kapacity-manager", "kapacity-algorithm-job"),
                chart.all(ServiceAccount.class).stream().map(a -> a.getMetadata().getName()).collect(Collectors.toSet()));
        assertEquals(List.of("Certificate", "Issuer"), chart.all(GenericKubernetesResource.class).stream()
                .map(HasMetadata::getKind).sorted().toList());
    }

    @Test
    void webhookIsKapacitysWithAnObjectSelector() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        MutatingWebhookConfiguration configuration =
                chart.get(MutatingWebhookConfiguration.class, "kapacity-mutating-webhook-configuration");
        assertEquals(ChartRender.NAMESPACE + "/kapacity-serving-cert",
                configuration.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));
        assertEquals(1, configuration.getWebhooks().size());
        MutatingWebhook webhook = configuration.getWebhooks().get(0);
        assertEquals("mpod.kb.io", webhook.getName());
        assertEquals("kapacity-webhook-service", webhook.getClientConfig().getService().getName());
        assertEquals(ChartRender.NAMESPACE, webhook.getClientConfig().getService().getNamespace());
        assertEquals("/mutate-v1-pod", webhook.getClientConfig().getService().getPath());
        assertEquals(443, webhook.getClientConfig().getService().getPort());
        assertEquals("Fail", webhook.getFailurePolicy());
        assertEquals("None", webhook.getSideEffects());
        assertEquals(List.of("v1", "v1beta1"), webhook.getAdmissionReviewVersions());
        assertEquals(1, webhook.getRules().size());
        RuleWithOperations rule = webhook.getRules().get(0);
        assertEquals(List.of(""), rule.getApiGroups());
        assertEquals(List.of("v1"), rule.getApiVersions());
        assertEquals(List.of("CREATE", "UPDATE"), rule.getOperations());
        assertEquals(List.of("pods", "pods/status"), rule.getResources());
        var namespaces = webhook.getNamespaceSelector().getMatchExpressions().get(0);
        assertEquals("kubernetes.io/metadata.name", namespaces.getKey());
        assertEquals("NotIn", namespaces.getOperator());
        assertTrue(namespaces.getValues().contains(ChartRender.NAMESPACE), "the release namespace is excluded");
        assertEquals(Map.of("kapacitystack.io/inject-pod-readiness-gate", "true"),
                webhook.getObjectSelector().getMatchLabels());

        GenericKubernetesResource certificate = chart.get(GenericKubernetesResource.class, "kapacity-serving-cert");
        assertEquals("Certificate", certificate.getKind());
        Map<?, ?> spec = (Map<?, ?>) certificate.getAdditionalProperties().get("spec");
        assertEquals("webhook-server-cert", spec.get("secretName"));
        assertEquals(List.of("kapacity-webhook-service.kapacity-system.svc",
                "kapacity-webhook-service.kapacity-system.svc.cluster.local"), spec.get("dnsNames"));
        assertEquals(Map.of("kind", "Issuer", "name", "kapacity-selfsigned-issuer"), spec.get("issuerRef"));
        GenericKubernetesResource issuer = chart.get(GenericKubernetesResource.class, "kapacity-selfsigned-issuer");
        assertEquals("Issuer", issuer.getKind());
        assertEquals(Map.of("selfSigned", Map.of()), issuer.getAdditionalProperties().get("spec"));
    }

    @Test
    void twoReplicasElectALeaderInTheReleaseNamespace() {
        ChartRender chart = ChartRender.of(Variant.TWO_REPLICAS);
        assertEquals(2, chart.deployment().getSpec().getReplicas());
        assertTrue(chart.hasBoolFlag("leader-elect"));
        ManagerOptions options = ManagerOptions.parse(chart.args().toArray(String[]::new));
        assertTrue(options.leaderElect);
        assertEquals(ChartRender.NAMESPACE, options.leaderElectionNamespace);
        assertNull(chart.deployment().getSpec().getStrategy(), "rolling update is safe with leader election");
        assertTrue(permissions(chart.get(Role.class, "kapacity:manager").getRules())
                .contains("coordination.k8s.io leases update"));
        assertTrue(chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream())
                .noneMatch(r -> r.getResources().contains("leases")), "Leases only through the namespaced Role");
    }

    @Test
    void oneReplicaWithoutLeaderElectionIsRecreated() {
        Deployment deployment = StrictManifests.parseAll(ChartRender.template().set("leaderElection.enabled", "false")
                .call(), "leaderElection.enabled=false").stream()
                .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
        List<String> args = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertFalse(args.stream().anyMatch(a -> a.startsWith("--leader-elect")), args.toString());
        assertEquals("Recreate", deployment.getSpec().getStrategy().getType(), "one manager at a time");
        assertNull(deployment.getSpec().getStrategy().getRollingUpdate());
    }

    @Test
    void webhookAndCertManagerOff() {
        ChartRender chart = ChartRender.of(Variant.WEBHOOK_AND_CERT_MANAGER_OFF);
        assertEquals("false", chart.flag("serve-admission-webhooks").orElseThrow());
        assertTrue(chart.all(MutatingWebhookConfiguration.class).isEmpty());
        assertTrue(chart.find(Service.class, "kapacity-webhook-service").isEmpty());
        assertTrue(chart.all(GenericKubernetesResource.class).isEmpty(), "no cert-manager objects");
        assertTrue(chart.manager().getPorts().stream().noneMatch(p -> p.getName().equals("webhook-server")));
        assertTrue(chart.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .noneMatch(v -> v.getSecret() != null), "no secret to mount");
        assertFalse(chart.flag("webhook-cert-dir").isPresent());
    }

    @Test
    void metricsApiWithoutGrpcAndConsole() {
        ChartRender chart = ChartRender.of(Variant.METRICS_API_WITHOUT_GRPC_AND_CONSOLE);
        assertEquals("metrics-api", chart.flag("metric-provider").orElseThrow());
        assertTrue(chart.args().stream().noneMatch(a -> a.startsWith("--prometheus-")));
        assertEquals("0", chart.flag("grpc-server-bind-address").orElseThrow());
        assertEquals("0", chart.flag("console-bind-address").orElseThrow());
        assertEquals(Set.of("kapacity-webhook-service"),
                chart.all(Service.class).stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet()));
    }

    @Test
    void kapacityValuesKeepTheirMeaning() throws IOException {
        ChartRender chart = ChartRender.of(Variant.KAPACITY_VALUES);
        Container manager = chart.manager();
        PodSpec pod = chart.deployment().getSpec().getTemplate().getSpec();
        assertEquals("registry.example.com/mirror/kapacity-manager-jvm:0.1.0-test", manager.getImage());
        assertEquals("Always", manager.getImagePullPolicy());
        assertEquals("50", chart.flag("kube-api-qps").orElseThrow());
        assertEquals("80", chart.flag("kube-api-burst").orElseThrow());
        assertEquals("4", chart.flag("reconcile-concurrency").orElseThrow());
        assertEquals("team in (web,search)", chart.flag("object-label-selector").orElseThrow());
        assertEquals("metadata.namespace!=kube-system", chart.flag("object-field-selector").orElseThrow());
        assertEquals(":9091", chart.flag("grpc-server-bind-address").orElseThrow());
        assertEquals(9091, chart.get(Service.class, "kapacity-grpc-service").getSpec().getPorts().get(0).getPort());
        assertEquals("http://prometheus-server.monitoring.svc:9090", chart.flag("prometheus-address").orElseThrow());
        assertEquals("true", chart.flag("prometheus-auth-incluster").orElseThrow());
        assertEquals("5m", chart.flag("prometheus-metrics-relist-interval").orElseThrow());
        assertEquals("20m", chart.flag("prometheus-metrics-max-age").orElseThrow());
        assertEquals("predictive-jobs", chart.flag("algorithm-job-default-service-account").orElseThrow());
        assertEquals("registry.example.com/mirror/kapacity-algorithm-horizontal-predictive:v0.3.0",
                chart.flag("algorithm-job-default-image-horizontal-predictive").orElseThrow());
        assertEquals("/var/log/kapacity", chart.flag("log-path").orElseThrow());
        assertEquals("72h", chart.flag("log-file-max-age").orElseThrow());
        assertEquals("12h", chart.flag("log-file-rotation-time").orElseThrow());
        assertEquals(List.of(new EnvVar("TZ", "Asia/Shanghai", null)), manager.getEnv());
        assertEquals("kapacity-controller-manager", pod.getServiceAccountName());
        assertEquals("platform", chart.get(ServiceAccount.class, "kapacity-controller-manager")
                .getMetadata().getAnnotations().get("example.com/owner"));
        assertTrue(chart.find(ServiceAccount.class, "predictive-jobs").isPresent());
        assertEquals("registry-credentials", pod.getImagePullSecrets().get(0).getName());
        assertEquals("true", chart.deployment().getSpec().getTemplate().getMetadata().getAnnotations().get("example.com/scrape"));
        assertEquals(Map.of("kubernetes.io/os", "linux"), pod.getNodeSelector());
        assertEquals("infra", pod.getTolerations().get(0).getValue());
        assertEquals("200m", manager.getResources().getRequests().get("cpu").toString());
        // Kapacity's empty securityContext values keep this chart's hardening
        assertEquals(Boolean.TRUE, manager.getSecurityContext().getReadOnlyRootFilesystem());

        Map<String, Object> values = ChartRender.yamlMap(Files.readString(
                ChartRender.VALUES_DIR.resolve(Variant.KAPACITY_VALUES.valuesFile)));
        Object expectedConfig = ((Map<?, ?>) ((Map<?, ?>) values.get("prometheus")).get("metrics")).get("config");
        Object renderedConfig = ChartRender.yamlMap(chart.get(ConfigMap.class, "kapacity-config").getData()
                .get("prometheus-metrics-config.yaml"));
        // Helm merges maps of a values file into the chart's defaults (as with Kapacity's chart): every value given
        // is in the ConfigMap, and lists replace the defaults.
        assertIncludes(expectedConfig, renderedConfig, "prometheus.metrics.config");
        Map<?, ?> cpu = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) renderedConfig).get("resourceRules")).get("cpu");
        assertTrue(cpu.containsKey("readyPodsOnlyContainerQuery"), "default kept where the values file has no key");
    }

    @Test
    void allFeatures() {
        ChartRender chart = ChartRender.of(Variant.ALL_FEATURES);
        Container manager = chart.manager();
        PodSpec pod = chart.deployment().getSpec().getTemplate().getSpec();
        assertTrue(chart.hasBoolFlag("leader-elect"));
        assertEquals("json", chart.flag("log-format").orElseThrow());
        assertEquals(List.of("java", "-XX:MaxRAMPercentage=60.0", "-jar", "/app/kapacity.jar", "manager"), manager.getCommand());
        assertEquals("30m", chart.flag("prometheus-metrics-max-age").orElseThrow(), "extraArgs");
        assertEquals("/etc/prometheus-auth/kubeconfig", chart.flag("prometheus-auth-config").orElseThrow());
        assertEquals("prometheus-kubeconfig", mountAt(manager, "/etc/prometheus-auth").getName());

        // console: auth, TLS, service, ingress
        assertEquals(":8443", chart.flag("console-bind-address").orElseThrow());
        assertEquals("kubernetes", chart.flag("console-auth-mode").orElseThrow());
        secretMountedFor(chart, "console-tls-cert-file", "kapacity-console-tls", "tls.crt");
        secretMountedFor(chart, "console-tls-key-file", "kapacity-console-tls", "tls.key");
        Service console = chart.get(Service.class, "kapacity-console");
        assertEquals("LoadBalancer", console.getSpec().getType());
        assertEquals(443, console.getSpec().getPorts().get(0).getPort());
        assertEquals("https", console.getSpec().getPorts().get(0).getName());
        Ingress ingress = chart.get(Ingress.class, "kapacity-console");
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals("kapacity.example.com", ingress.getSpec().getRules().get(0).getHost());
        var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
        assertEquals("kapacity-console", backend.getName());
        assertEquals(443, backend.getPort().getNumber());
        assertEquals("kapacity-console-ingress-tls", ingress.getSpec().getTls().get(0).getSecretName());

        // gRPC TLS and Kafka
        secretMountedFor(chart, "grpc-server-tls-cert-file", "kapacity-grpc-tls", "tls.crt");
        secretMountedFor(chart, "grpc-server-tls-key-file", "kapacity-grpc-tls", "tls.key");
        assertEquals("kafka-0.kafka:9092,kafka-1.kafka:9092", chart.flag("kafka-bootstrap-servers").orElseThrow());
        assertEquals("scaling-events", chart.flag("kafka-topic").orElseThrow());
        secretMountedFor(chart, "kafka-client-properties", "kapacity-kafka-client", "client.properties");
        // the manager's flag parser takes the rendered Kafka args (the properties file is read at start, in the pod)
        ManagerOptions parsed = ManagerOptions.parse(chart.args().toArray(String[]::new));
        assertEquals("kafka-0.kafka:9092,kafka-1.kafka:9092", parsed.kafkaBootstrapServers);
        assertEquals("scaling-events", parsed.kafkaTopic);
        assertEquals(chart.flag("kafka-client-properties").orElseThrow(), parsed.kafkaClientProperties);
        // Kafka outages are Events on the manager's own Pod: its name and namespace from the downward API
        Map<String, String> downward = new java.util.HashMap<>();
        chart.manager().getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                .forEach(e -> downward.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
        assertEquals("metadata.name", downward.get("POD_NAME"), chart.manager().getEnv().toString());
        assertEquals("metadata.namespace", downward.get("POD_NAMESPACE"));

        // webhook with a user-supplied certificate
        MutatingWebhook webhook = chart.get(MutatingWebhookConfiguration.class,
                "kapacity-mutating-webhook-configuration").getWebhooks().get(0);
        assertTrue(webhook.getClientConfig().getCaBundle().startsWith("LS0t"));
        Map<String, String> annotations = chart.get(MutatingWebhookConfiguration.class,
                "kapacity-mutating-webhook-configuration").getMetadata().getAnnotations();
        assertTrue(annotations == null || !annotations.containsKey("cert-manager.io/inject-ca-from"), "no CA injection");
        assertTrue(chart.all(GenericKubernetesResource.class).isEmpty(), "no cert-manager objects");
        assertNotNull(pod.getAffinity().getNodeAffinity(), "user affinity replaces the default");
        assertNull(pod.getAffinity().getPodAntiAffinity());
    }

    /** {@code --flag=<dir>/<file>}: dir is the mount of a volume of the given secret. */
    private static void secretMountedFor(ChartRender chart, String flag, String secret, String file) {
        String path = chart.flag(flag).orElseThrow(() -> new AssertionError("--" + flag + " missing"));
        assertTrue(path.endsWith("/" + file), path);
        VolumeMount mount = mountAt(chart.manager(), path.substring(0, path.length() - file.length() - 1));
        assertEquals(Boolean.TRUE, mount.getReadOnly());
        assertEquals(secret, volume(chart.deployment().getSpec().getTemplate().getSpec(), mount.getName())
                .getSecret().getSecretName());
    }

    @Test
    void grpcTokenAuthenticationRendersItsFlagsAndTheTokenReviewGrant() {
        ChartRender on = ChartRender.of(Variant.GRPC_TOKEN_AUTH);
        assertTrue(on.hasBoolFlag("grpc-server-token-auth"));
        assertEquals("kapacity-metrics", on.flag("grpc-server-token-audience").orElseThrow());
        List<PolicyRule> reviews = on.get(ClusterRole.class, "kapacity:manager").getRules().stream()
                .filter(r -> r.getResources().contains("tokenreviews")).toList();
        assertEquals(1, reviews.size(), "one rule: " + reviews);
        assertEquals(List.of("authentication.k8s.io"), reviews.get(0).getApiGroups());
        assertEquals(List.of("tokenreviews"), reviews.get(0).getResources());
        assertEquals(List.of("create"), reviews.get(0).getVerbs());
        assertTrue(reviews.get(0).getResourceNames() == null || reviews.get(0).getResourceNames().isEmpty());
        // no namespaced grant: TokenReviews are cluster-scoped
        assertTrue(on.all(Role.class).stream().flatMap(r -> r.getRules().stream())
                .noneMatch(r -> r.getResources().contains("tokenreviews")));

        // (the defaults grant TokenReviews for the console's own authentication)
        for (ChartRender off : List.of(ChartRender.of(Variant.METRICS_API_WITHOUT_GRPC_AND_CONSOLE),
                // token auth of a disabled gRPC server grants nothing
                ChartRender.render(ChartRender.template().set("grpcServer.enabled", "false")
                        .set("grpcServer.tokenAuth.enabled", "true").set("console.enabled", "false")))) {
            assertFalse(off.hasBoolFlag("grpc-server-token-auth"));
            assertFalse(ChartRender.of(Variant.DEFAULTS).hasBoolFlag("grpc-server-token-auth"));
            assertTrue(off.flag("grpc-server-token-audience").isEmpty());
            assertFalse(permissions(off.get(ClusterRole.class, "kapacity:manager").getRules())
                    .contains("authentication.k8s.io tokenreviews create"));
        }
        // without an audience only the switch is rendered
        ChartRender noAudience = ChartRender.render(ChartRender.template()
                .set("grpcServer.tokenAuth.enabled", "true"));
        assertTrue(noAudience.hasBoolFlag("grpc-server-token-auth"));
        assertTrue(noAudience.flag("grpc-server-token-audience").isEmpty());
    }

    @Test
    void invalidValuesAreRejected() {
        assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("metricProvider", "influx").call());
        assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("webhook.useCertManager", "false").call(),
                "a webhook without cert-manager needs a CA bundle");
        assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("console.tls.enabled", "true").call());
    }

    /**
     * Fails once the manager defines a flag of {@link #PENDING_FLAGS}: then remove it from that set, so that
     * {@link #argsAreManagerFlags} checks it like every other flag.
     */
    @Test
    void pendingFlagsAreNotDefinedYet() {
        Set<String> defined = new TreeSet<>(PENDING_FLAGS);
        defined.retainAll(ManagerOptions.flags().names());
        assertEquals(Set.of(), defined, "now defined by ManagerOptions: remove from HelmChartTest.PENDING_FLAGS");
    }

    // ---------------------------------------------------------------- helpers

    /** Every map entry of expected is in actual (recursively); everything else must be equal. */
    private static void assertIncludes(Object expected, Object actual, String path) {
        if (expected instanceof Map<?, ?> expectedMap && actual instanceof Map<?, ?> actualMap) {
            expectedMap.forEach((k, v) -> assertIncludes(v, actualMap.get(k), path + "." + k));
        } else {
            assertEquals(expected, actual, path);
        }
    }

    private static int containerPort(Container container, String name) {
        return container.getPorts().stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + name + ": " + container.getPorts()))
                .getContainerPort();
    }

    private static VolumeMount mountAt(Container container, String path) {
        return container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            if (list != null) {
                all.addAll(list);
            }
        }
        return all;
    }
}
