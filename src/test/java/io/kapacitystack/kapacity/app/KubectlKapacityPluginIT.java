package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.cli.HpaConversion;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.testing.ReferenceHpa;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.Kubectl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kubectl plugin, run by the real kubectl (it finds scripts/kubectl-kapacity on PATH) against the sandbox:
 * {@code kubectl kapacity autoscale} for the five kinds, its dry run, every refusal with exit code 1, traffic scaling
 * within min..max, {@code migrate} with the hand-over of {@code --delete-hpa} watched throughout, {@code migrate
 * --all}, and the kubeconfig context's namespace used as kubectl uses it.
 */
class KubectlKapacityPluginIT {

    @RegisterExtension
    final RunningSandbox sandbox = new RunningSandbox(10, List.of());

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: %s}
            spec:
              replicas: 1
              selector: {matchLabels: {app: %s}}
              template:
                metadata: {labels: {app: %s}}
                spec:
                  containers:
                  - name: app
                    image: nginx
                    %s
            """;
    private static final String REQUESTS = "resources: {requests: {cpu: 100m}}";
    /** A namespaced CRD with status and scale subresources: plural, singular, kind, short name, extra scale fields. */
    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: %1$s.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: %1$s, singular: %2$s, kind: %3$s, shortNames: [%4$s]}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas%5$s}
            """;


    @Test
    void autoscaleFiveKindsDryRunRefusalsAndScalingWithinMinMax() throws Exception {
        Kubectl k = sandbox.kubectl;
        k.ok("create", "namespace", "demo");
        k.ok("create", "namespace", "demo2");
        apply("demo", DEPLOYMENT.formatted("web", "web", "web", REQUESTS));
        apply("demo", DEPLOYMENT.formatted("bare", "bare", "bare", "resources: {}"));

        // --dry-run=client -o yaml prints a valid IHPA and writes nothing
        KubectlPlugin.Run dry = plugin(null, "kapacity", "autoscale", "deployment/web", "--min=5", "--max=7", "--cpu-percent=75",
                "-n", "demo", "--dry-run=client", "-o", "yaml");
        assertEquals(0, dry.exit(), dry.err());
        assertEquals("", k.ok("get", "ihpa", "-n", "demo", "-o", "name").trim(), "a dry run writes nothing");
        IntelligentHorizontalPodAutoscaler printed = Serialization.unmarshal(dry.out(), IntelligentHorizontalPodAutoscaler.class);
        assertEquals(5, printed.getSpec().minReplicas);
        assertEquals(7, printed.getSpec().maxReplicas);
        // valid: the API server's schema accepts it as printed (in another namespace, with the same workload)
        apply("demo2", DEPLOYMENT.formatted("web", "web", "web", REQUESTS));
        k.runWithInput(dry.out().replace("namespace: demo\n", "namespace: demo2\n"), "apply", "-f", "-").ok();

        refused("error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5",
                "autoscale", "deployment/web", "--min=5", "--max=3", "-n", "demo");
        refused("Error from server (NotFound): deployments.apps \"nope\" not found",
                "autoscale", "deployment/nope", "--max=3", "-n", "demo");
        refused("error: Deployment/bare: container(s) app set no cpu request; --cpu-percent is a percentage of the"
                        + " request, so the autoscaler would have no cpu metric (set resources.requests.cpu on the pod"
                        + " template, or use --cpu-value)",
                "autoscale", "deployment/bare", "--max=3", "--cpu-percent=50", "-n", "demo");
        k.ok("create", "service", "clusterip", "web-svc", "--tcp=80", "-n", "demo");
        refused("error: cannot autoscale a Service: services has no /scale subresource",
                "autoscale", "service/web-svc", "--max=3", "--cpu-value=100m", "-n", "demo");
        k.runWithInput("""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: bare-hpa, namespace: demo}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: bare}
                  maxReplicas: 3
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: AverageValue, averageValue: 100m}}
                """, "apply", "-f", "-").ok();
        refused("error: Deployment/bare is already autoscaled by horizontalpodautoscaler.autoscaling/bare-hpa; two"
                        + " autoscalers would fight over it (move it over with: kapacity migrate hpa/bare-hpa -n demo --delete-hpa)",
                "autoscale", "deployment/bare", "--max=3", "--cpu-value=100m", "-n", "demo");

        KubectlPlugin.Run created = plugin(null, "kapacity", "autoscale", "deployment/web", "--min=5", "--max=7", "--cpu-percent=75",
                "-n", "demo");
        assertEquals(0, created.exit(), created.err());
        assertEquals("intelligenthorizontalpodautoscaler.autoscaling.kapacitystack.io/web autoscaled\n", created.out());
        refused("error: Deployment/web is already autoscaled by"
                        + " intelligenthorizontalpodautoscaler.autoscaling.kapacitystack.io/web; two autoscalers would fight over it",
                "autoscale", "deployment/web", "--min=5", "--max=7", "--cpu-percent=75", "-n", "demo", "--name", "web2");

        Await.until("web at its minimum of 5", Duration.ofSeconds(60), () -> replicas("deployment", "web", "demo") == 5);
        k.ok("annotate", "deployment", "web", "-n", "demo", "--overwrite", "sandbox.kapacitystack.io/traffic=constant 60");
        List<Integer> seen = new ArrayList<>();
        Await.until("web scaled up to its maximum of 7", Duration.ofSeconds(90), () -> {
            int r = replicas("deployment", "web", "demo");
            seen.add(r);
            return r == 7;
        });
        assertTrue(seen.stream().allMatch(r -> r >= 5 && r <= 7), "always within 5..7: " + seen);
        Await.until("get ihpa shows the utilization against 75%", Duration.ofSeconds(30), () ->
                plugin(null, "kapacity", "get", "ihpa", "-n", "demo").out().matches("(?s).*web +Deployment/web +\\d+%/75% +5 +7 .*"));
        String describe = plugin(null, "kapacity", "describe", "ihpa", "web", "-n", "demo").out();
        assertTrue(describe.matches("(?s).*\nMetrics: +\\( current / target \\)\n  resource cpu on pods  \\(as a percentage"
                + " of request\\): +\\d+% \\(\\d+m\\) / 75%\n.*"), describe);
        assertTrue(describe.matches("(?s).*\nDeployment pods: +\\d+ current / 7 desired\n.*"), describe);

        // the four other kinds: StatefulSet, ReplicaSet, ReplicationController, a custom resource with /scale
        apply("demo", """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db}
                spec:
                  replicas: 1
                  serviceName: db
                  selector: {matchLabels: {app: db}}
                  template:
                    metadata: {labels: {app: db}}
                    spec: {containers: [{name: db, image: db, resources: {requests: {cpu: 100m}}}]}
                ---
                apiVersion: apps/v1
                kind: ReplicaSet
                metadata: {name: cache}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: cache}}
                  template:
                    metadata: {labels: {app: cache}}
                    spec: {containers: [{name: cache, image: cache, resources: {requests: {cpu: 100m}}}]}
                ---
                apiVersion: v1
                kind: ReplicationController
                metadata: {name: frontend}
                spec:
                  replicas: 1
                  selector: {app: frontend}
                  template:
                    metadata: {labels: {app: frontend}}
                    spec: {containers: [{name: frontend, image: frontend, resources: {requests: {cpu: 100m}}}]}
                """);
        // two custom resources with /scale: WebApp's CRD says where its pod selector is (as Argo Rollouts' does),
        // Legacy's does not. The sandbox runs no controller for them, so the test plays WebApp's: it reports the selector.
        k.runWithInput(CRD.formatted("webapps", "webapp", "WebApp", "wa", ", labelSelectorPath: .status.selector")
                + "---\n" + CRD.formatted("legacies", "legacy", "Legacy", "lg", ""), "apply", "-f", "-").ok();
        Await.until("the WebApp and Legacy kinds served", Duration.ofSeconds(30), () ->
                k.run("get", "webapps,legacies", "-n", "demo").exitCode() == 0);
        apply("demo", "apiVersion: example.com/v1\nkind: WebApp\nmetadata: {name: shop}\nspec: {replicas: 1}\n---\n"
                + "apiVersion: example.com/v1\nkind: Legacy\nmetadata: {name: old}\nspec: {replicas: 1}\n");
        k.ok("patch", "webapp", "shop", "-n", "demo", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"replicas\":1,\"selector\":\"app=shop\"}}");
        // without a selector the autoscaler could not find the pods: refused, with the fix
        refused("error: cannot autoscale Legacy/old: its /scale subresource reports no pod selector, so the autoscaler"
                        + " could not find its pods (the CustomResourceDefinition legacies.example.com must declare"
                        + " subresources.scale.labelSelectorPath, and the resource's controller fill that field)",
                "autoscale", "lg/old", "--max=3", "--cron", "0 0 * * * 0 12 * * * 2", "-n", "demo");
        // an IHPA written by hand for it gets a ReplicaProfile that says why it does not scale
        k.runWithInput("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: IntelligentHorizontalPodAutoscaler
                metadata: {name: old, namespace: demo}
                spec:
                  scaleTargetRef: {apiVersion: example.com/v1, kind: Legacy, name: old}
                  minReplicas: 2
                  maxReplicas: 3
                  portraitProviders:
                  - {type: Static, priority: 1, static: {replicas: 2}}
                """, "apply", "-f", "-").ok();
        Await.until("the Legacy's ReplicaProfile reports the missing selector", Duration.ofSeconds(60), () ->
                k.run("get", "rp", "old", "-n", "demo", "-o", "jsonpath={.status.conditions[?(@.type==\"Ensured\")].message}")
                        .out().equals("the target's scale reports no pod selector (status.selector is empty; a custom"
                                + " resource's CRD must declare subresources.scale.labelSelectorPath and its controller fill it)"));
        Await.until("the IHPA says it does not scale, and why", Duration.ofSeconds(60), () ->
                k.run("get", "ihpa", "old", "-n", "demo", "-o", "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].reason}")
                        .out().equals("InvalidSelector"));
        Await.until("the ReplicationController's pod", Duration.ofSeconds(30), () ->
                k.ok("get", "pods", "-n", "demo", "-l", "app=frontend", "-o", "name").lines().count() == 1);
        for (String target : List.of("sts/db", "rs/cache", "rc/frontend", "wa/shop")) {
            // the WebApp has no pods, so no metrics: cron windows that together cover the day ask for 9, above its max
            String[] args = target.startsWith("wa/")
                    ? new String[] {"kapacity", "autoscale", target, "--min=2", "--max=4", "-n", "demo",
                            "--cron", "0 0 * * * 0 12 * * * 9", "--cron", "0 12 * * * 0 0 * * * 9"}
                    : new String[] {"kapacity", "autoscale", target, "--min=2", "--max=3", "--cpu-percent=50", "-n", "demo"};
            KubectlPlugin.Run p = plugin(null, args);
            assertEquals(0, p.exit(), target + ": " + p.err());
        }
        // each reaches its minimum of 2 through its IHPA's ReplicaProfile
        Await.until("the StatefulSet at 2", Duration.ofSeconds(90), () -> replicas("sts", "db", "demo") == 2);
        Await.until("the ReplicaSet at 2", Duration.ofSeconds(60), () -> replicas("rs", "cache", "demo") == 2);
        Await.until("the ReplicationController at 2", Duration.ofSeconds(60), () -> replicas("rc", "frontend", "demo") == 2);
        // the WebApp's IHPA names it by its discovered group/version and kind, and its /scale moves it to the cron's
        // 9 held at the IHPA's maximum of 4, never outside 2..4
        assertEquals("example.com/v1 WebApp shop", k.ok("get", "ihpa", "shop", "-n", "demo", "-o",
                "jsonpath={.spec.scaleTargetRef.apiVersion} {.spec.scaleTargetRef.kind} {.spec.scaleTargetRef.name}"));
        List<Integer> shop = new ArrayList<>();
        Await.until("the WebApp at its maximum of 4", Duration.ofSeconds(60), () -> {
            int r = replicas("webapp", "shop", "demo");
            if (r != 1) {
                shop.add(r);
            }
            return r == 4;
        });
        assertTrue(shop.stream().allMatch(r -> r >= 2 && r <= 4), "within 2..4 once autoscaled: " + shop);
        assertEquals("1", k.ok("get", "legacy", "old", "-n", "demo", "-o", "jsonpath={.spec.replicas}"),
                "the Legacy without a selector is left alone");
        Await.until("the ReplicationController's second pod", Duration.ofSeconds(30), () ->
                k.ok("get", "pods", "-n", "demo", "-l", "app=frontend", "-o", "name").lines().count() == 2);
    }

    @Test
    void migrateHandsOverWithoutAGapAndUsesTheContextsNamespace() throws Exception {
        Kubectl k = sandbox.kubectl;
        k.ok("create", "namespace", "shop");
        apply("shop", DEPLOYMENT.formatted("api", "api", "api", REQUESTS));
        String hpa = """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: %s, namespace: shop}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %s}
                  minReplicas: 2
                  maxReplicas: 6
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
                  behavior:
                    scaleUp:
                      tolerance: "0.05"
                      policies: [{type: Pods, value: 1, periodSeconds: 60}]
                    scaleDown:
                      stabilizationWindowSeconds: 120
                """;
        k.runWithInput(hpa.formatted("api", "api"), "apply", "-f", "-").ok();

        KubectlPlugin.Run dry = plugin(null, "kapacity", "migrate", "hpa/api", "-n", "shop", "--dry-run=client", "-o", "yaml");
        assertEquals(0, dry.exit(), dry.err());
        IntelligentHorizontalPodAutoscaler printed = Serialization.unmarshal(dry.out(), IntelligentHorizontalPodAutoscaler.class);
        var kube = printed.getSpec().portraitProviders.get(0).dynamic.algorithm.kubeHPA;
        assertEquals("0.05", kube.behavior.getScaleUp().getTolerance().toString());
        assertEquals(120, kube.behavior.getScaleDown().getStabilizationWindowSeconds());
        assertEquals("", k.ok("get", "ihpa", "-n", "shop", "-o", "name").trim(), "a dry run writes nothing");
        refused("Error from server (NotFound): horizontalpodautoscalers.autoscaling \"nope\" not found",
                "migrate", "hpa/nope", "-n", "shop");

        // --delete-hpa: watch both autoscalers for the whole run; at every look, at least one of them is in charge
        List<String> gaps = new ArrayList<>();
        List<String> looks = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher;
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(
                Config.fromKubeconfig(Files.readString(sandbox.kubeconfig))).build()) {
            watcher = new Thread(() -> {
                while (!done.get()) {
                    boolean hpaThere = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("shop")
                            .withName("api").get() != null;
                    boolean armed = KapacityCli.generated(client.resources(
                            io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait.class).inNamespace("shop")
                            .withName("api-reactive").get());
                    boolean rpApplied = KapacityCli.applied(client.resources(ReplicaProfile.class).inNamespace("shop")
                            .withName("api").get());
                    String look = (hpaThere ? "HPA" : "-") + "/" + (armed ? "armed" : "-") + "/" + (rpApplied ? "RP" : "-");
                    if (looks.isEmpty() || !looks.get(looks.size() - 1).equals(look)) {
                        looks.add(look);
                    }
                    if (!hpaThere && !armed) {
                        gaps.add(look);
                    }
                }
            }, "handover-watcher");
            watcher.setDaemon(true);
            watcher.start();
            KubectlPlugin.Run migrated;
            try {
                migrated = plugin(null, "kapacity", "migrate", "hpa/api", "-n", "shop", "--delete-hpa", "--timeout=90s");
            } finally {
                done.set(true);
                watcher.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(0, migrated.exit(), migrated.err());
            assertEquals("intelligenthorizontalpodautoscaler.autoscaling.kapacitystack.io/api created from"
                    + " horizontalpodautoscaler.autoscaling/api\nhorizontalpodautoscaler.autoscaling/api deleted\n"
                    + "replicaprofile.autoscaling.kapacitystack.io/api applied\n", migrated.out());
        }
        assertEquals(List.of(), gaps, "a moment without an autoscaler; states seen: " + looks);
        assertEquals("HPA/-/-", looks.get(0), "the HPA alone first: " + looks);
        assertTrue(looks.contains("HPA/armed/-"), "the IHPA armed (yielding to the HPA) before the HPA goes: " + looks);
        assertEquals("-/armed/RP", looks.get(looks.size() - 1), "the IHPA alone last: " + looks);
        assertFalse(looks.stream().anyMatch(l -> l.startsWith("HPA/") && l.endsWith("/RP")),
                "never both scaling: " + looks);
        Await.until("api at the migrated minimum of 2", Duration.ofSeconds(60), () -> replicas("deployment", "api", "shop") == 2);

        // migrate --all, with a summary
        apply("shop", DEPLOYMENT.formatted("web", "web", "web", REQUESTS));
        apply("shop", DEPLOYMENT.formatted("worker", "worker", "worker", REQUESTS));
        k.runWithInput(hpa.formatted("web", "web"), "apply", "-f", "-").ok();
        k.runWithInput(hpa.formatted("worker", "worker"), "apply", "-f", "-").ok();
        KubectlPlugin.Run all = plugin(null, "kapacity", "migrate", "--all", "-n", "shop");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().endsWith("migrated 2 of 2 HorizontalPodAutoscalers in namespace shop\n"), all.out());

        // without -n, the namespace of the kubeconfig's current context, as kubectl
        Path withNamespace = sandbox.kubeconfig.resolveSibling("shop.kubeconfig");
        Files.copy(sandbox.kubeconfig, withNamespace);
        new Kubectl(withNamespace).ok("config", "set-context", "--current", "--namespace=shop");
        KubectlPlugin.Run get = plugin(withNamespace, "kapacity", "get", "ihpa");
        assertEquals(0, get.exit(), get.err());
        List<String> names = get.out().lines().skip(1).map(l -> l.split("\\s+")[0]).sorted().toList();
        assertEquals(List.of("api", "web", "worker"), names, get.out());
    }

    /**
     * {@code migrate --delete-hpa} of an HPA with a behavior (a scale-down window longer than the run: every
     * scale-down is held) and a scale-up tolerance of 0.3 (above the cluster's 0.1), then CPU traffic through a rise,
     * a plateau inside that tolerance and a fall. Every decision the IHPA's Reactive portrait publishes, with the
     * metric reading it publishes beside it, must be the HPA algorithm's ({@link ReferenceHpa}, built from the HPA as
     * it was applied) on that reading. The pods that counted at the decision are read from the API at each published
     * status; the one sync at which a new pod's 30 s metric window may or may not have been complete (the status is
     * written a moment after the decision) admits both outcomes, every other decision exactly one. Without the
     * tolerance the plateau scales to 4; without the behavior the fall scales down after the default 300 s window.
     */
    @Test
    void migratedHpaDecidesAsTheHpaAlgorithmThroughARisePlateauAndFall() throws Exception {
        Kubectl k = sandbox.kubectl;
        k.ok("create", "namespace", "mig");
        apply("mig", DEPLOYMENT.formatted("web", "web", "web", REQUESTS));
        String hpaYaml = """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: web, namespace: mig}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  minReplicas: 1
                  maxReplicas: 8
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
                  behavior:
                    scaleUp:
                      stabilizationWindowSeconds: 0
                      tolerance: "0.3"
                      policies: [{type: Pods, value: 10, periodSeconds: 15}]
                    scaleDown:
                      stabilizationWindowSeconds: 3600
                      policies: [{type: Percent, value: 100, periodSeconds: 15}]
                """;
        k.runWithInput(hpaYaml, "apply", "-f", "-").ok();
        HorizontalPodAutoscaler hpa = Serialization.unmarshal(hpaYaml, HorizontalPodAutoscaler.class);
        Clock simulated = sandbox.app.clock();

        List<Published> published = new CopyOnWriteArrayList<>();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(
                Config.fromKubeconfig(Files.readString(sandbox.kubeconfig))).build();
             Watch watch = client.resources(HorizontalPortrait.class).inNamespace("mig").withName("web-reactive")
                     .watch(new Watcher<>() {
                         @Override
                         public void eventReceived(Action action, HorizontalPortrait hp) {
                             Instant at = simulated.now();
                             Published p = Published.of(hp, at, client.pods().inNamespace("mig")
                                     .withLabel("app", "web").list().getItems());
                             if (p != null && (published.isEmpty() || !published.get(published.size() - 1).sameAs(p))) {
                                 published.add(p);
                             }
                         }

                         @Override
                         public void onClose(WatcherException cause) {
                         }
                     })) {
            KubectlPlugin.Run migrated = plugin(null, "kapacity", "migrate", "hpa/web", "-n", "mig", "--delete-hpa",
                    "--timeout=90s");
            assertEquals(0, migrated.exit(), migrated.err());

            // the rise: 12 req/s at 10m each on one pod is 121 % of its 100m request, 3 pods wanted
            k.ok("annotate", "deployment", "web", "-n", "mig", "--overwrite", "sandbox.kapacitystack.io/traffic=constant 12");
            Await.until("3 pods measured near 41 %", Duration.ofSeconds(90), () ->
                    published.stream().anyMatch(p -> p.replicas == 3 && p.percent >= 38 && p.percent <= 45));
            // past the HPA's CPU initialization period (5 min from a pod's start) every running pod's sample counts,
            // whatever the metric window: the plateau's decisions are then on all 3 pods
            Instant initialized = latestStart(client).plusSeconds(310);
            Await.until("the new pods past their CPU initialization period", Duration.ofSeconds(90), () ->
                    simulated.now().isAfter(initialized));
            // the plateau: 61 % of a 50 % target, a ratio of 1.22: inside the HPA's scale-up tolerance of 0.3
            k.ok("annotate", "deployment", "web", "-n", "mig", "--overwrite", "sandbox.kapacitystack.io/traffic=constant 18");
            Await.until("the plateau's reading published", Duration.ofSeconds(90), () ->
                    published.stream().anyMatch(p -> p.percent > 55 && p.percent <= 65));
            // the fall: 1 %, one pod wanted; the HPA's 3600 s window holds the 3 longer than the default 300 s would
            k.ok("annotate", "deployment", "web", "-n", "mig", "--overwrite", "sandbox.kapacitystack.io/traffic=constant 0");
            Instant fall = simulated.now();
            Await.until("the fall's reading published", Duration.ofSeconds(60), () ->
                    published.stream().anyMatch(p -> p.at.isAfter(fall) && p.percent < 45));
            Await.until("400 simulated seconds into the fall", Duration.ofSeconds(120), () ->
                    simulated.now().isAfter(fall.plusSeconds(400)));
        }
        assertEquals(3, replicas("deployment", "web", "mig"), "the scale-down is held: " + published);

        ReferenceHpa reference = new ReferenceHpa(hpa, Double.parseDouble(HpaConversion.DEFAULT_TOLERANCE));
        int current = 1;
        List<String> trace = new ArrayList<>();
        boolean toleranceHeld = false;
        boolean scaleDownHeld = false;
        for (Published p : published) {
            Map<Integer, ReferenceHpa.Decision> possible = p.possibleDecisions(reference, current);
            trace.add(p + " from " + current + ", HPA: " + possible.keySet());
            assertTrue(possible.containsKey(p.replicas), "the IHPA decided otherwise than the HPA algorithm:\n"
                    + String.join("\n", trace));
            reference.commit(current, possible.get(p.replicas), p.at);
            toleranceHeld |= p.percent > 55 && p.percent <= 65 && p.replicas == current && current == 3;
            scaleDownHeld |= p.percent < 45 && p.replicas == current && current == 3;
            current = p.replicas;
        }
        assertTrue(published.stream().anyMatch(p -> p.replicas == 3), "the rise scaled to 3: " + trace);
        assertTrue(toleranceHeld, "a reading inside the tolerance was decided: " + trace);
        assertTrue(scaleDownHeld, "a reading far below the target was held by the window: " + trace);
    }

    private static Instant latestStart(KubernetesClient client) {
        return client.pods().inNamespace("mig").withLabel("app", "web").list().getItems().stream()
                .map(p -> Instant.parse(p.getMetadata().getCreationTimestamp())).max(Instant::compareTo).orElseThrow();
    }

    /**
     * One status the Reactive portrait published: its replicas, its reading ({@code 61% (61m)}), when the test saw
     * it (simulated time) and the target's pods then.
     */
    private record Published(Instant at, int replicas, int percent, List<Pod> pods) {

        private static final java.util.regex.Pattern READING = java.util.regex.Pattern.compile("(\\d+)% \\(.*\\)");
        /** How long before the status is seen the decision may have been taken (simulated seconds, generous). */
        private static final long DECIDED_WITHIN = 5;

        static Published of(HorizontalPortrait hp, Instant at, List<Pod> pods) {
            var st = hp.getStatus();
            if (st == null || st.portraitData == null || st.portraitData._static == null || st.currentMetrics == null
                    || st.currentMetrics.isEmpty()) {
                return null;
            }
            var m = READING.matcher(st.currentMetrics.get(0).current);
            return m.matches() ? new Published(at, st.portraitData._static.replicas, Integer.parseInt(m.group(1)), pods)
                    : null;
        }

        boolean sameAs(Published o) {
            return replicas == o.replicas && percent == o.percent;
        }

        /**
         * The HPA algorithm's decision for every way the pods may have counted at the decision (a pod counts once
         * its metric window of 30 s has passed since it got ready, upstream's CPU initialization rule; a pod made
         * after the decision does not exist for it), and every usage sum that truncates to the published percent.
         */
        Map<Integer, ReferenceHpa.Decision> possibleDecisions(ReferenceHpa reference, int current) {
            long earliest = at.getEpochSecond() - DECIDED_WITHIN - 1;
            long latest = at.getEpochSecond() + 1;
            int counted = 0;
            int unready = 0;
            int maybeCounted = 0;
            int maybeAbsent = 0;
            for (Pod pod : pods) {
                if (pod.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                long created = Instant.parse(pod.getMetadata().getCreationTimestamp()).getEpochSecond();
                var ready = pod.getStatus() == null || pod.getStatus().getConditions() == null ? null
                        : pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())
                                && "True".equals(c.getStatus())).findFirst().orElse(null);
                if (created > earliest) {
                    maybeAbsent++;
                } else if (ready != null && created + 300 + 10 <= earliest) {
                    counted++;   // past the CPU initialization period: a ready pod's sample counts
                } else if (ready == null) {
                    unready++;
                } else {
                    long countsAt = Instant.parse(ready.getLastTransitionTime()).getEpochSecond() + 30;
                    if (countsAt <= earliest) {
                        counted++;
                    } else if (countsAt > latest) {
                        unready++;
                    } else {
                        maybeCounted++;
                    }
                }
            }
            Map<Integer, ReferenceHpa.Decision> decisions = new java.util.TreeMap<>();
            for (int c = 0; c <= maybeCounted; c++) {
                for (int absent = 0; absent <= maybeAbsent; absent++) {
                    int measured = counted + c;
                    if (measured == 0) {
                        continue;
                    }
                    int notReady = unready + maybeCounted - c + maybeAbsent - absent;
                    for (long sum : new long[] {(long) percent * measured, (long) (percent + 1) * measured - 1}) {
                        ReferenceHpa.Decision d = reference.peek(current,
                                new ReferenceHpa.Readings(measured, sum, 100, notReady), at);
                        decisions.putIfAbsent(d.replicas(), d);
                    }
                }
            }
            return decisions;
        }

        @Override
        public String toString() {
            return replicas + " at " + percent + "% (" + at + ")";
        }
    }

    private void apply(String namespace, String yaml) {
        sandbox.kubectl.runWithInput(yaml, "apply", "-n", namespace, "-f", "-").ok();
    }

    private int replicas(String kind, String name, String namespace) {
        String r = sandbox.kubectl.ok("get", kind, name, "-n", namespace, "-o", "jsonpath={.spec.replicas}").trim();
        return r.isEmpty() ? -1 : Integer.parseInt(r);
    }

    private void refused(String message, String... args) {
        List<String> all = new ArrayList<>(List.of("kapacity"));
        all.addAll(List.of(args));
        KubectlPlugin.Run p = plugin(null, all.toArray(String[]::new));
        assertEquals(1, p.exit(), "exit code of " + all + ": " + p.out() + p.err());
        assertEquals(message + "\n", p.err(), "message of " + all);
        assertFalse(p.out().contains("autoscaled"), p.out());
    }

    /** {@code kubectl ARGS} with the plugin on PATH; {@code kubeconfig} null: the sandbox's. */
    private KubectlPlugin.Run plugin(Path kubeconfig, String... args) {
        return KubectlPlugin.fromClasses(sandbox.kubeconfig.getParent())
                .run(kubeconfig == null ? sandbox.kubeconfig : kubeconfig, args);
    }
}
