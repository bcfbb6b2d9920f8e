package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The controller-manager and kubelets of the sandbox. Every change the embedded API stores, and every clock
 * timer the kubelet arms (start-up and termination deadlines), pokes it; a poke runs one level-triggered pass on
 * the simulator's own thread (fabric8 calls block, so never on an event loop): list the world fresh, let each
 * controller converge it, then run the extra steps (traffic annotations, metrics snapshot). Pokes arriving
 * during a pass coalesce into one more pass.
 */
public final class WorkloadSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadSimulator.class);
    private static final int MAX_PASSES_WITHOUT_PROGRESS = 50;

    private final KubernetesClient client;
    private final Clock clock;
    private final SandboxOptions options;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-simulator");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Set<Instant> armedWakeUps = ConcurrentHashMap.newKeySet();
    private final List<PodRunningHook> podRunningHooks = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<World, Instant>> extraSteps = new CopyOnWriteArrayList<>();
    private final StatefulSetController statefulSets;
    private final DeploymentController deployments;
    private final ReplicaSetController replicaSets;
    private final ReplicationControllerController replicationControllers;
    private final Kubelet kubelet;
    private final EndpointsController endpoints;
    private final JobController jobs;
    private final CronJobController cronJobs;
    private volatile boolean closed;
    private volatile World lastWorld;

    /**
     * @param runners    what job pods run, by image
     * @param jobLogs    where their output goes
     * @param kubeconfig the kubeconfig a job gets (called when a job pod starts)
     */
    public WorkloadSimulator(KubernetesClient client, Clock clock, SandboxOptions options, JobRunners runners,
                             JobLogs jobLogs, Supplier<Path> kubeconfig) {
        this.client = client;
        this.clock = clock;
        this.options = options;
        this.statefulSets = new StatefulSetController(client);
        this.deployments = new DeploymentController(client);
        this.replicaSets = new ReplicaSetController(client);
        this.replicationControllers = new ReplicationControllerController(client);
        this.kubelet = new Kubelet(client, options.podStartupDelay(), podRunningHooks, this::wakeUpAt);
        this.endpoints = new EndpointsController(client);
        this.jobs = new JobController(client, runners, jobLogs, kubeconfig, options.jobRunTimeLimit(), clock::now,
                this::wakeUpAt, this::poke);
        this.cronJobs = new CronJobController(client, this::wakeUpAt);
    }

    /** Hooks run for each running pod before its Ready condition is computed (readiness-gate emulation). */
    public List<PodRunningHook> podRunningHooks() {
        return podRunningHooks;
    }

    /** Steps run at the end of every pass with the world as listed at its start. */
    public List<BiConsumer<World, Instant>> extraSteps() {
        return extraSteps;
    }

    /** The world as listed by the latest pass (null before the first). */
    public World lastWorld() {
        return lastWorld;
    }

    /** Registers the fake nodes (blocking; call off the event loop) and runs a first pass. */
    public void start() {
        for (int i = 1; i <= options.nodeCount(); i++) {
            String name = Scheduler.nodeName(i);
            if (client.nodes().withName(name).get() == null) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                        .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
                        .endMetadata()
                        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .addNewAddress().withType("InternalIP").withAddress("172.18.0." + (i + 1)).endAddress()
                        .addToCapacity("cpu", new Quantity("8"))
                        .addToCapacity("memory", new Quantity("32Gi"))
                        .addToCapacity("pods", new Quantity("110"))
                        .addToAllocatable("cpu", new Quantity("8"))
                        .addToAllocatable("memory", new Quantity("32Gi"))
                        .addToAllocatable("pods", new Quantity("110"))
                        .withNewNodeInfo().withKubeletVersion("v1.30.0").withOperatingSystem("linux")
                        .withArchitecture("amd64").endNodeInfo()
                        .endStatus().build()).create();
            }
        }
        // A safety net like an informer resync: a pass that failed, or a wake-up armed by it, is never lost for long.
        thread.scheduleWithFixedDelay(this::poke, 2, 2, TimeUnit.SECONDS);
        poke();
    }

    /** Asks for a reconciliation pass soon; cheap and callable from any thread (including the API's). */
    public void poke() {
        dirty.set(true);
        if (!closed && scheduled.compareAndSet(false, true)) {
            thread.execute(this::runPasses);
        }
    }

    /** Runs passes until no poke arrived during the last one; returns once the world is quiet. */
    private void runPasses() {
        int passes = 0;
        try {
            while (dirty.getAndSet(false) && !closed && passes++ < MAX_PASSES_WITHOUT_PROGRESS) {
                pass();
            }
        } finally {
            scheduled.set(false);
            if (dirty.get() && !closed) {
                if (passes < MAX_PASSES_WITHOUT_PROGRESS) {
                    poke();
                } else {
                    // Busy (pokes keep arriving): yield for a moment instead of dropping the pending work,
                    // which would leave the world stalled until some unrelated change.
                    thread.schedule(this::poke, 100, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void pass() {
        try {
            Instant now = clock.now();
            World world = World.load(client);
            lastWorld = world;
            deployments.reconcile(world);
            replicaSets.reconcile(world);
            replicationControllers.reconcile(world);
            statefulSets.reconcile(world);
            cronJobs.reconcile(world, now);
            jobs.reconcile(world, now);
            kubelet.reconcile(world, now);
            endpoints.reconcile(world);
            for (BiConsumer<World, Instant> step : extraSteps) {
                step.accept(world, now);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("sandbox simulator pass failed: {}", e.toString());
            }
        }
    }

    private void wakeUpAt(Instant when) {
        if (armedWakeUps.add(when)) {
            clock.schedule(when, () -> {
                armedWakeUps.remove(when);
                poke();
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        jobs.close();
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
