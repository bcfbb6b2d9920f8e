package io.kapacitystack.kapacity.reliability;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.metrics.sandbox.SandboxMetricsProvider;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import io.kapacitystack.kapacity.sandbox.sim.World;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The soak of issue 23 (docs/reliability.md, "Soak"): the sandbox's API, simulator and traffic with a manager in the
 * same JVM on the same scaled clock but with a client of its own, which the API faults at a low rate; a fleet of
 * IHPAs of every kind ({@link SoakFleet}); the invariants ({@link SoakInvariants}) checked from the watches of the
 * sandbox's own, unfaulted client; and, after each simulated hour, the heap after a GC, the reconcile latency
 * quantiles of the manager's histogram, the events, and the manager's API requests. Blocking: run it off any event loop.
 */
final class Soak implements AutoCloseable {

    /**
     * @param hours  simulated hours
     * @param ihpas  fleet size
     * @param speed  simulated seconds per real second
     * @param faults whether the API faults the manager's requests
     * @param concurrency the manager's workers per controller ({@code manager --concurrency})
     */
    record Settings(int hours, int ihpas, double speed, boolean faults, int concurrency) {
    }

    /** One simulated hour. Latencies in milliseconds; requests are the manager's. */
    record Hour(int hour, long heapMiB, long reconciles, double p50, double p90, double p99, long events,
                long requests, double requestsPerSecond, double realSeconds, long faults, int pods, long worldListMs) {
    }

    /**
     * @param unconverged  the namespaces whose IHPA did not reach its portrait within the bound after the faults
     * @param convergedMs  real time from the faults' end until every IHPA had converged (or the bound)
     */
    record Result(List<Hour> hours, Map<String, Long> injected, Map<String, Long> eventsByReason,
                  Map<String, List<String>> violations, long graySteps, Map<SoakFleet.Kind, Long> scalings,
                  List<String> unconverged, long convergedMs) {
    }

    private static final String MANAGER_USER_AGENT = "kapacity-manager-soak";
    /** What watch delivery may shift one observation by, in real time (before the clock's scaling). */
    private static final Duration DELIVERY_SLACK = Duration.ofMillis(1500);

    private final Settings settings;
    private final Vertx vertx = Vertx.vertx();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Map<String, SoakInvariants> checks = new ConcurrentHashMap<>();
    private final Map<String, SoakFleet.Member> members = new ConcurrentHashMap<>();
    private final Set<String> terminated = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> eventsByReason = new ConcurrentHashMap<>();
    private final Map<SoakFleet.Kind, AtomicLong> scalings = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final ControllerMetrics metrics = new ControllerMetrics();
    private SandboxApp app;
    private KubernetesClient managerClient;
    private ControllerManager manager;

    Soak(Settings settings) {
        this.settings = settings;
    }

    Result run() throws Exception {
        long began = System.nanoTime();
        Path dir = Files.createTempDirectory("kapacity-soak");
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.controllers = false;
        s.clockSpeed = settings.speed();
        app = Await.result(SandboxApp.start(vertx, s), Duration.ofSeconds(120));
        Clock clock = app.clock();
        KubernetesClient sandbox = app.cluster().client();
        record(sandbox, clock);
        for (SoakFleet.Member m : SoakFleet.of(settings.ihpas())) {
            members.put(m.namespace(), m);
            Duration wait = Duration.ofMillis(Math.max(1, SoakFleet.GRAY_INTERVAL.toMillis() - (long) (DELIVERY_SLACK.toMillis() * settings.speed())));
            checks.put(m.namespace(), m.kind() == SoakFleet.Kind.GRAY_DELETED
                    ? SoakInvariants.withDeletedGray(SoakFleet.MIN, SoakFleet.MAX, wait, SoakFleet.GRAY_STEP)
                    : m.gray() ? SoakInvariants.withGray(SoakFleet.MIN, SoakFleet.MAX, wait, SoakFleet.GRAY_STEP)
                    : SoakInvariants.withoutGray(SoakFleet.MIN, SoakFleet.MAX));
            Await.result(app.cluster().applyYaml(m.namespace(), m.yaml()), Duration.ofSeconds(60));
        }
        System.out.println("soak: sandbox and " + members.size() + " IHPAs applied after " + (System.nanoTime() - began) / 1_000_000_000 + " s");
        startManager(s.kubeconfig);
        System.out.println("soak: manager caches synced after " + (System.nanoTime() - began) / 1_000_000_000 + " s");
        if (settings.faults()) {
            app.cluster().faults().install(lowRateFaults(settings));
        }

        List<Hour> hours = new ArrayList<>();
        Instant start = clock.now();
        ReconcileLatency before = ReconcileLatency.parse(metrics.scrape());
        long eventsBefore = totalEvents();
        long requestsBefore = requests.get();
        long faultsBefore = 0;
        long realBefore = System.nanoTime();
        Duration realHour = Duration.ofMillis((long) (3_600_000 / settings.speed()));
        for (int h = 1; h <= settings.hours(); h++) {
            Instant due = start.plus(Duration.ofHours(h));
            Await.until("simulated hour " + h, realHour.multipliedBy(3).plusSeconds(60), () -> !clock.now().isBefore(due));
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
            ReconcileLatency now = ReconcileLatency.parse(metrics.scrape());
            ReconcileLatency hour = now.since(before);
            long events = totalEvents();
            long reqs = requests.get();
            long faults = app.cluster().faults().injected().values().stream().mapToLong(Long::longValue).sum();
            long listing = System.nanoTime();
            World.load(sandbox); // what every pass of the simulator (sandbox/sim/WorkloadSimulator) starts with
            long worldListMs = (System.nanoTime() - listing) / 1_000_000;
            long real = System.nanoTime();
            double realSeconds = (real - realBefore) / 1e9;
            Hour row = new Hour(h, heap, hour.count(), hour.quantile(0.5) * 1000, hour.quantile(0.9) * 1000,
                    hour.quantile(0.99) * 1000, events - eventsBefore, reqs - requestsBefore,
                    (reqs - requestsBefore) / realSeconds, realSeconds, faults - faultsBefore,
                    sandbox.pods().inAnyNamespace().list().getItems().size(), worldListMs);
            System.out.println("soak " + row);
            hours.add(row);
            before = now;
            eventsBefore = events;
            requestsBefore = reqs;
            faultsBefore = faults;
            realBefore = real;
        }
        Map<String, Long> injected = app.cluster().faults().injected();
        app.cluster().faults().clear();
        long convergence = System.nanoTime();
        List<String> unconverged = converge(sandbox);
        long convergedMs = (System.nanoTime() - convergence) / 1_000_000;
        System.out.println("soak: " + (unconverged.isEmpty() ? "every IHPA converged" : unconverged.size() + " IHPAs not converged")
                + " " + convergedMs + " ms (real) after the faults stopped");

        Map<String, List<String>> violations = new TreeMap<>();
        long graySteps = 0;
        for (Map.Entry<String, SoakInvariants> e : checks.entrySet()) {
            synchronized (e.getValue()) {
                List<String> v = e.getValue().violations();
                if (!v.isEmpty()) {
                    violations.put(e.getKey(), v);
                }
                graySteps += e.getValue().grayStepCount();
            }
        }
        Map<String, Long> reasons = new TreeMap<>();
        eventsByReason.forEach((k, v) -> reasons.put(k, v.get()));
        Map<SoakFleet.Kind, Long> scaled = new TreeMap<>();
        scalings.forEach((k, v) -> scaled.put(k, v.get()));
        return new Result(hours, injected, reasons, violations, graySteps, scaled, unconverged, convergedMs);
    }

    /**
     * Low rates on every request of the manager: 1 % 409 and 1 % 500 on writes, 0.5 % 429 and 0.5 % 503 on reads and
     * writes, half the watches dropped after 30 s (real), a fifth of the resumes answered 410, and a 5 s stall of the
     * whole API every 5 real minutes.
     */
    static FaultPlan lowRateFaults(Settings settings) {
        String[] writes = {"create", "update", "patch", "delete"};
        List<FaultPlan.Stall> stalls = new ArrayList<>();
        long realSeconds = (long) (settings.hours() * 3600 / settings.speed());
        for (long at = 60; at < realSeconds && stalls.size() < 100; at += 300) {
            stalls.add(new FaultPlan.Stall(Duration.ofSeconds(at), Duration.ofSeconds(5)));
        }
        return new FaultPlan(2026, List.of(
                Rule.of(Kind.CONFLICT, 0.01).onVerbs(writes),
                Rule.of(Kind.INTERNAL_ERROR, 0.01).onVerbs(writes),
                Rule.of(Kind.TOO_MANY_REQUESTS, 0.005),
                Rule.of(Kind.UNAVAILABLE, 0.005),
                Rule.of(Kind.GONE, 0.2),
                Rule.of(Kind.DROP_WATCH, 0.5).after(Duration.ofSeconds(30))), stalls);
    }

    /** The manager as `manager` runs it, on the sandbox's clock, through a client the API may fault. */
    private void startManager(Path kubeconfig) throws Exception {
        Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
        config.setUserAgent(MANAGER_USER_AGENT);
        Interceptor counting = new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                requests.incrementAndGet();
            }
        };
        managerClient = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new Vertx5HttpClientFactory(vertx) {
            @Override
            public Vertx5HttpClientBuilder<Vertx5HttpClientFactory> newBuilder() {
                Vertx5HttpClientBuilder<Vertx5HttpClientFactory> b = super.newBuilder();
                b.addOrReplaceInterceptor("soak-request-count", counting);
                return b;
            }
        }).build();
        ControllerManager.Settings managerSettings = SandboxApp.managerSettings(app.clock(), app.grpcPort());
        managerSettings.concurrency = settings.concurrency();
        manager = new ControllerManager(vertx, managerClient, app.clock(), metrics, managerSettings);
        manager.useMetrics(new SandboxMetricsProvider(vertx, app.cluster()));
        Await.result(manager.startCaches(), Duration.ofSeconds(120));
        manager.startControllers();
    }

    /**
     * After the faults: every IHPA's workload reaches, at some instant within the bound (30 simulated minutes and a
     * real minute), what its portrait asks (clamped to [min, max]): the profile all Online, the workload's replicas
     * and ready pods equal to it. Returns the namespaces that did not.
     */
    private List<String> converge(KubernetesClient client) {
        Duration bound = Duration.ofMillis((long) (Duration.ofMinutes(30).toMillis() / settings.speed())).plusSeconds(60);
        Set<String> pending = ConcurrentHashMap.newKeySet();
        pending.addAll(members.keySet());
        try {
            Await.until("every IHPA converged to its portrait after the faults", bound, () -> {
                pending.removeIf(ns -> converged(client, ns));
                return pending.isEmpty();
            });
        } catch (AssertionError timedOut) {
            // reported: the caller asserts on the namespaces left
        }
        return new ArrayList<>(new TreeMap<>(members).keySet().stream().filter(pending::contains).toList());
    }

    private static boolean converged(KubernetesClient client, String ns) {
        List<IntelligentHorizontalPodAutoscaler> ihpas = client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ns).list().getItems();
        if (ihpas.size() != 1 || ihpas.get(0).getStatus() == null || ihpas.get(0).getStatus().currentPortraitValue == null) {
            return false;
        }
        int wanted = Math.max(SoakFleet.MIN, Math.min(SoakFleet.MAX, ihpas.get(0).getStatus().currentPortraitValue.replicas));
        ReplicaProfile rp = client.resources(ReplicaProfile.class).inNamespace(ns).withName(ihpas.get(0).getMetadata().getName()).get();
        StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName("nginx").get();
        if (rp == null || rp.getSpec().online() != wanted || rp.getSpec().cutoff() + rp.getSpec().standby() != 0
                || sts.getSpec().getReplicas() != wanted) {
            return false;
        }
        long ready = client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .count();
        return ready == wanted;
    }

    private long totalEvents() {
        return eventsByReason.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Feeds the checkers from the watches of the sandbox's own client (never faulted). */
    private void record(KubernetesClient client, Clock clock) {
        informers.add(client.apps().statefulSets().inAnyNamespace().inform(FaultSuite.handler((old, sts) -> {
            Integer was = old == null ? null : old.getSpec().getReplicas();
            if (!Objects.equals(was, sts.getSpec().getReplicas())) {
                check(sts.getMetadata().getNamespace(), c -> c.replicas(clock.now(), sts.getSpec().getReplicas()));
                SoakFleet.Member m = members.get(sts.getMetadata().getNamespace());
                if (m != null && was != null) {
                    scalings.computeIfAbsent(m.kind(), k -> new AtomicLong()).incrementAndGet();
                }
            }
        }, sts -> { })));
        informers.add(client.pods().inAnyNamespace().inform(FaultSuite.handler((old, pod) -> {
            String uid = pod.getMetadata().getUid();
            if (old == null || !Objects.equals(FaultSuite.state(old), FaultSuite.state(pod))) {
                check(pod.getMetadata().getNamespace(), c -> c.podState(uid, FaultSuite.state(pod)));
            }
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                terminating(clock, pod);
            }
        }, pod -> {
            terminating(clock, pod);
            terminated.remove(pod.getMetadata().getUid());
        })));
        informers.add(client.resources(ReplicaProfile.class).inAnyNamespace().inform(FaultSuite.handler((old, rp) -> {
            if (old == null || !old.getSpec().sameNumbers(rp.getSpec())) {
                check(rp.getMetadata().getNamespace(), c -> c.profile(clock.now(), rp.getSpec().online(),
                        rp.getSpec().cutoff(), rp.getSpec().standby()));
            }
        }, rp -> { })));
        informers.add(client.v1().events().inAnyNamespace().inform(FaultSuite.handler((old, e) -> {
            int times = count(e) - (old == null ? 0 : count(old));
            if (times <= 0) {
                return;
            }
            eventsByReason.computeIfAbsent(String.valueOf(e.getReason()), k -> new AtomicLong()).addAndGet(times);
            if ("UpdateReplicaProfile".equals(e.getReason())) {
                check(e.getMetadata().getNamespace(), c -> c.profileEvent(e.getMessage(), times));
            }
        }, e -> { })));
    }

    private void terminating(Clock clock, Pod pod) {
        if (terminated.add(pod.getMetadata().getUid())) {
            check(pod.getMetadata().getNamespace(), c -> c.podTerminating(clock.now(), pod.getMetadata().getUid(), pod.getMetadata().getName()));
        }
    }

    private void check(String namespace, Consumer<SoakInvariants> observation) {
        SoakInvariants c = checks.get(namespace);
        if (c != null) {
            synchronized (c) {
                observation.accept(c);
            }
        }
    }

    private static int count(Event e) {
        return e.getCount() == null ? 1 : e.getCount();
    }

    @Override
    public void close() throws Exception {
        informers.forEach(SharedIndexInformer::stop);
        if (manager != null) {
            Await.result(manager.stop(), Duration.ofSeconds(60));
        }
        if (managerClient != null) {
            managerClient.close();
        }
        if (app != null) {
            Await.result(app.close(), Duration.ofSeconds(60));
        }
        Await.result(vertx.close(), Duration.ofSeconds(30));
    }
}
