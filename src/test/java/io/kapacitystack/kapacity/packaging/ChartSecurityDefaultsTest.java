package io.kapacitystack.kapacity.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.kapacitystack.kapacity.app.ManagerOptions;
import io.kapacitystack.kapacity.packaging.ChartRender.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The chart's security defaults and their opt-ins through the real Helm (docs/security.md, "Chart defaults"):
 * the NetworkPolicy of the manager pods, the console read only after login, the algorithm jobs' permissions
 * narrowed to the listed namespaces.
 */
class ChartSecurityDefaultsTest {

    static final Map<String, String> MANAGER_PODS = Map.of("app.kubernetes.io/name", "kapacity-manager",
            "app.kubernetes.io/instance", "kapacity-manager");
    static final Map<String, String> ALGORITHM_JOB_PODS = Map.of("kapacitystack.io/algorithm-job", "true");

    // ---------------------------------------------------------------- NetworkPolicy

    static NetworkPolicy policy(ChartRender chart) {
        List<NetworkPolicy> policies = chart.all(NetworkPolicy.class);
        assertEquals(1, policies.size(), "one NetworkPolicy: " + policies);
        return policies.get(0);
    }

    /** The ingress rules by the one port each opens. */
    static Map<Integer, NetworkPolicyIngressRule> rulesByPort(NetworkPolicy policy) {
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress() == null ? List.of() : policy.getSpec().getIngress();
        for (NetworkPolicyIngressRule rule : rules) {
            assertEquals(1, rule.getPorts().size(), "one port per rule: " + rule);
            assertEquals("TCP", rule.getPorts().get(0).getProtocol());
        }
        Map<Integer, NetworkPolicyIngressRule> byPort = rules.stream().collect(Collectors.toMap(
                r -> r.getPorts().get(0).getPort().getIntVal(), r -> r));
        assertEquals(rules.size(), byPort.size(), "one rule per port: " + rules);
        return byPort;
    }

    static LabelSelector pods(Map<String, String> labels) {
        LabelSelector s = new LabelSelector();
        s.setMatchLabels(labels);
        return s;
    }

    @Test
    void byDefaultGrpcIsOpenOnlyToAlgorithmJobsAndTheManagerAndTheWebhookToAnyone() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        NetworkPolicy policy = policy(chart);
        assertEquals(MANAGER_PODS, policy.getSpec().getPodSelector().getMatchLabels(), "applies to the manager pods");
        assertTrue(policy.getSpec().getPodSelector().getMatchExpressions().isEmpty());
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), "egress is not restricted");
        Map<Integer, NetworkPolicyIngressRule> rules = rulesByPort(policy);
        assertEquals(Set.of(9443, 9090), rules.keySet(), "no rule for the console (8082) or metrics (8080): nobody may connect");

        NetworkPolicyIngressRule grpc = rules.get(9090);
        assertEquals(2, grpc.getFrom().size(), grpc.toString());
        for (NetworkPolicyPeer peer : grpc.getFrom()) {
            assertNull(peer.getNamespaceSelector(), "only pods of the release namespace: " + peer);
            assertNull(peer.getIpBlock(), peer.toString());
            assertTrue(peer.getPodSelector().getMatchExpressions().isEmpty(), peer.toString());
        }
        assertEquals(List.of(ALGORITHM_JOB_PODS, MANAGER_PODS),
                grpc.getFrom().stream().map(p -> p.getPodSelector().getMatchLabels()).toList());

        NetworkPolicyIngressRule webhook = rules.get(9443);
        assertTrue(webhook.getFrom() == null || webhook.getFrom().isEmpty(),
                "the API server's address is not predictable: any source, this port only");

        // every port the policy opens is a port of the manager container, with the number the flags bind
        Map<Integer, String> containerPorts = chart.manager().getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getContainerPort, ContainerPort::getName));
        assertEquals("grpc-server", containerPorts.get(9090));
        assertEquals("webhook-server", containerPorts.get(9443));
        assertEquals(":9090", chart.flag("grpc-server-bind-address").orElseThrow());
    }

    @Test
    void theConsoleAndMetricsPortsOpenOnlyToTheListedPeers() {
        ChartRender chart = ChartRender.of(Variant.ALL_FEATURES);
        Map<Integer, NetworkPolicyIngressRule> rules = rulesByPort(policy(chart));
        assertEquals(Set.of(9443, 9090, 8443, 8080), rules.keySet());

        List<NetworkPolicyPeer> console = rules.get(8443).getFrom();
        assertEquals(1, console.size());
        assertEquals(Map.of("kubernetes.io/metadata.name", "ingress-nginx"), console.get(0).getNamespaceSelector().getMatchLabels());
        assertNull(console.get(0).getPodSelector());

        List<NetworkPolicyPeer> metrics = rules.get(8080).getFrom();
        assertEquals(1, metrics.size());
        assertEquals(Map.of("kubernetes.io/metadata.name", "monitoring"), metrics.get(0).getNamespaceSelector().getMatchLabels());
        assertEquals(Map.of("app.kubernetes.io/name", "prometheus"), metrics.get(0).getPodSelector().getMatchLabels());

        List<NetworkPolicyPeer> grpc = rules.get(9090).getFrom();
        assertEquals(3, grpc.size(), grpc.toString());
        assertEquals(Map.of("example.com/role", "forecaster"), grpc.get(0).getPodSelector().getMatchLabels(),
                "algorithmJobPodLabels replaces the default label");
        assertEquals(MANAGER_PODS, grpc.get(1).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "forecasting"), grpc.get(2).getNamespaceSelector().getMatchLabels());
        assertEquals(Map.of("app", "forecaster"), grpc.get(2).getPodSelector().getMatchLabels());
    }

    @Test
    void disabledServersGetNoRuleAndThePolicyCanBeTurnedOff() {
        ChartRender noGrpcNoConsole = ChartRender.of(Variant.METRICS_API_WITHOUT_GRPC_AND_CONSOLE);
        assertEquals(Set.of(9443), rulesByPort(policy(noGrpcNoConsole)).keySet());
        // a console that is off opens no port even with peers listed
        ChartRender consoleOff = ChartRender.render(ChartRender.template().set("console.enabled", "false")
                .set("networkPolicy.console.from[0].namespaceSelector.matchLabels.team", "ops"));
        assertFalse(rulesByPort(policy(consoleOff)).containsKey(8082));
        // no webhook, no gRPC, nobody listed: every ingress is denied (an empty rule list, not an open one)
        ChartRender closed = ChartRender.render(ChartRender.template().set("webhook.enabled", "false")
                .set("webhook.useCertManager", "false").set("grpcServer.enabled", "false"));
        NetworkPolicy policy = policy(closed);
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        assertTrue(policy.getSpec().getIngress() == null || policy.getSpec().getIngress().isEmpty(), policy.toString());

        ChartRender off = ChartRender.render(ChartRender.template().set("networkPolicy.enabled", "false"));
        assertEquals(List.of(), off.all(NetworkPolicy.class));
    }

    @Test
    void settingsThatWouldOpenOrBreakThePolicyAreRejectedOrReplaced() {
        // an emptied label set falls back to the default label, never to an empty selector (every pod of the namespace)
        ChartRender emptied = ChartRender.render(ChartRender.template().set("networkPolicy.algorithmJobPodLabels", "null"));
        assertEquals(ALGORITHM_JOB_PODS, rulesByPort(policy(emptied)).get(9090).getFrom().get(0).getPodSelector().getMatchLabels());
        IllegalStateException ingress = assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("console.ingress.enabled", "true").call());
        assertTrue(ingress.getMessage().contains("console.ingress.enabled needs networkPolicy.console.from"), ingress.getMessage());
        // without the policy, an Ingress needs no peers
        ChartRender.render(ChartRender.template().set("console.ingress.enabled", "true").set("networkPolicy.enabled", "false"));
    }

    // ---------------------------------------------------------------- console

    @Test
    void theConsoleIsReadAfterLoginByDefault() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        assertFalse(chart.args().stream().anyMatch(a -> a.startsWith("--console-anonymous-read")), chart.args().toString());
        ManagerOptions options = ManagerOptions.parse(chart.args().toArray(String[]::new));
        assertEquals("kubernetes", options.consoleAuthMode);
        assertFalse(options.consoleAnonymousRead);
    }

    @Test
    void anonymousReadingIsAnOptIn() {
        ChartRender optIn = ChartRender.render(ChartRender.template().set("console.auth.anonymousRead", "true"));
        assertTrue(optIn.args().contains("--console-anonymous-read"), optIn.args().toString());
        assertTrue(ManagerOptions.parse(optIn.args().toArray(String[]::new)).consoleAnonymousRead);

        // no authentication at all: only with anonymous reading confirmed
        IllegalStateException unconfirmed = assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("console.auth.mode", "none").call());
        assertTrue(unconfirmed.getMessage().contains("set console.auth.anonymousRead=true to confirm"), unconfirmed.getMessage());
        ChartRender none = ChartRender.render(ChartRender.template().set("console.auth.mode", "none")
                .set("console.auth.anonymousRead", "true"));
        ManagerOptions options = ManagerOptions.parse(none.args().toArray(String[]::new));
        assertEquals("none", options.consoleAuthMode);
        assertTrue(options.consoleAnonymousRead);
        // a disabled console needs no confirmation
        ChartRender.render(ChartRender.template().set("console.auth.mode", "none").set("console.enabled", "false"));
        // a mode set to null is the manager's default (kubernetes), not an error of the template
        ChartRender nullMode = ChartRender.render(ChartRender.template().set("console.auth.mode", "null"));
        assertEquals("kubernetes", ManagerOptions.parse(nullMode.args().toArray(String[]::new)).consoleAuthMode);
    }

    // ---------------------------------------------------------------- algorithm-job RBAC

    static Set<String> permissions(List<PolicyRule> rules) {
        Set<String> permissions = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        permissions.add(group + " " + resource + " " + verb);
                    }
                }
            }
        }
        return permissions;
    }

    @Test
    void withoutNamespacesTheAlgorithmJobsGetKapacitysClusterRole() {
        ChartRender chart = ChartRender.of(Variant.DEFAULTS);
        assertTrue(permissions(chart.get(ClusterRole.class, "kapacity:algorithm-job").getRules())
                .contains(" configmaps create"), "the trade-off docs/helm.md describes");
        assertTrue(chart.find(ClusterRoleBinding.class, "kapacity:algorithm-job").isPresent());
        assertTrue(chart.all(Role.class).stream().noneMatch(r -> r.getMetadata().getName().equals("kapacity:algorithm-job")));
    }

    @Test
    void listedNamespacesGetARoleEachAndNothingClusterWide() {
        ChartRender cluster = ChartRender.of(Variant.DEFAULTS);
        ChartRender narrowed = ChartRender.of(Variant.ALGORITHM_JOB_NAMESPACES);
        assertTrue(narrowed.find(ClusterRole.class, "kapacity:algorithm-job").isEmpty());
        assertTrue(narrowed.find(ClusterRoleBinding.class, "kapacity:algorithm-job").isEmpty());
        Set<String> clusterWide = permissions(cluster.get(ClusterRole.class, "kapacity:algorithm-job").getRules());

        List<Role> roles = narrowed.all(Role.class).stream().filter(r -> r.getMetadata().getName().equals("kapacity:algorithm-job")).toList();
        assertEquals(List.of("shop", "team-a"), roles.stream().map(r -> r.getMetadata().getNamespace()).sorted().toList());
        for (Role role : roles) {
            assertEquals(clusterWide, permissions(role.getRules()), "the same rights, in " + role.getMetadata().getNamespace() + " only");
        }
        List<RoleBinding> bindings = narrowed.all(RoleBinding.class).stream()
                .filter(b -> b.getMetadata().getName().equals("kapacity:algorithm-job")).toList();
        assertEquals(List.of("shop", "team-a"), bindings.stream().map(b -> b.getMetadata().getNamespace()).sorted().toList());
        for (RoleBinding binding : bindings) {
            assertEquals("Role", binding.getRoleRef().getKind());
            assertEquals("kapacity:algorithm-job", binding.getRoleRef().getName());
            Subject subject = binding.getSubjects().get(0);
            assertEquals(1, binding.getSubjects().size());
            assertEquals("kapacity-algorithm-job", subject.getName());
            assertEquals(ChartRender.NAMESPACE, subject.getNamespace(), "the jobs run in the release namespace");
        }
        // the manager's own roles do not move
        assertNull(narrowed.get(Role.class, "kapacity:manager").getMetadata().getNamespace(), "the release namespace");
    }

    @Test
    void namespaceListsAreDeduplicatedAndValidated() {
        ChartRender twice = ChartRender.render(ChartRender.template().set("algorithmJob.namespaces[0]", "shop")
                .set("algorithmJob.namespaces[1]", "shop"));
        assertEquals(1, twice.all(Role.class).stream().filter(r -> r.getMetadata().getName().equals("kapacity:algorithm-job")).count());
        for (String bad : List.of("Shop", "kube-system/x", "-a", "a.b")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ChartRender.template().set("algorithmJob.namespaces[0]", bad).call(), bad);
            assertTrue(e.getMessage().contains("is not a namespace name"), e.getMessage());
        }
        IllegalStateException notAList = assertThrows(IllegalStateException.class,
                () -> ChartRender.template().set("algorithmJob.namespaces", "shop").call());
        assertTrue(notAList.getMessage().contains("algorithmJob.namespaces must be a list"), notAList.getMessage());
    }

    // ---------------------------------------------------------------- gRPC token auth

    @ParameterizedTest
    @EnumSource(Variant.class)
    void theAlgorithmJobsServiceAccountKeepsItsTokenForGrpcAuth(Variant variant) {
        // the built-in job sends the token mounted from its service account: the chart must not switch the mount off
        for (ServiceAccount account : ChartRender.of(variant).all(ServiceAccount.class)) {
            assertNotEquals(Boolean.FALSE, account.getAutomountServiceAccountToken(), account.getMetadata().getName());
        }
    }

    @Test
    void grpcTokenAuthKeepsTheJobsAdmittedByThePolicy() {
        ChartRender chart = ChartRender.of(Variant.GRPC_TOKEN_AUTH);
        assertTrue(chart.hasBoolFlag("grpc-server-token-auth"));
        List<NetworkPolicyPeer> grpc = rulesByPort(policy(chart)).get(9090).getFrom();
        assertEquals(ALGORITHM_JOB_PODS, grpc.get(0).getPodSelector().getMatchLabels());
        List<NetworkPolicyPort> ports = new ArrayList<>(rulesByPort(policy(chart)).get(9090).getPorts());
        assertEquals(9090, ports.get(0).getPort().getIntVal());
    }
}
