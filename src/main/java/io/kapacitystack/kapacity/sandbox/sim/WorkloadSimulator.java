package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.sandbox.SandboxOptions;
import io.kapacitystack.kapacity.sandbox.api.ApiPath;
import io.kapacitystack.kapacity.sandbox.sim.WorldCache.Kind;
import io.kapacitystack.kapacity.sandbox.sim.WorldCache.Work;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The controller-manager and kubelets of the sandbox, driven by changes as real controllers are. The embedded API's
 * write path keeps the simulator's {@link WorldCache} current ({@link #stored}); each change queues the work it
 * causes (the object itself, its controller owner, for a pod the Services of its namespace), as an informer's event
 * handlers do. One pass, on the simulator's own thread (fabric8 calls block, so never on an event loop), takes the
 * queued work, gives each controller a private copy of its changed objects with the world as it is at the pass's
 * start, then runs the extra steps (traffic annotations, garbage collection) when anything changed. Clock timers
 * (start-up and termination deadlines, back-offs, schedules) queue their object when due; a write that fails
 * queues its object again shortly; a full resync ({@link #poke}) queues everything.
 */
public final class WorkloadSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadSimulator.class);
    private static final int MAX_PASSES_WITHOUT_PROGRESS = 50;
    /** Real time before the work of a failed write is tried again. */
    private static final long RETRY_MILLIS = 200;
    /** Real time between full resyncs (a safety net, as an informer's resync period). */
    private static final long RESYNC_SECONDS = 60;
    /** The order controllers run in within a pass (owners before what they own, the kubelet and endpoints last). */
    private static final List<Kind> ORDER = List.of(Kind.DEPLOYMENTS, Kind.REPLICASETS, Kind.REPLICATIONCONTROLLERS,
            Kind.STATEFULSETS, Kind.CRONJOBS, Kind.JOBS, Kind.PODS, Kind.SERVICES);

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
    /** Something outside the world changed, or a resync was asked: run the extra steps at the next pass. */
    private final AtomicBoolean extraStepsWanted = new AtomicBoolean(true);
    private final Set<Work> queue = new LinkedHashSet<>();
    private final Map<Instant, Set<Work>> armedWakeUps = new HashMap<>();
    private final List<PodRunningHook> podRunningHooks = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<World, Instant>> extraSteps = new CopyOnWriteArrayList<>();
    private final WorldCache cache;
    private final StatefulSetController statefulSets;
    private final DeploymentController deployments;
    private final ReplicaSetController replicaSets;
    private final ReplicationControllerController replicationControllers;
    private final Kubelet kubelet;
    private final EndpointsController endpoints;
    private final JobController jobs;
    private final CronJobController cronJobs;
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong reconciles = new AtomicLong();
    private volatile boolean closed;
    private volatile World lastWorld;
    private World worldOfLastExtraSteps;

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
        this.cache = new WorldCache(client.getKubernetesSerialization(), this::changed);
        this.statefulSets = new StatefulSetController(client);
        this.deployments = new DeploymentController(client);
        this.replicaSets = new ReplicaSetController(client);
        this.replicationControllers = new ReplicationControllerController(client);
        this.kubelet = new Kubelet(client, options.podStartupDelay(), podRunningHooks, this::wakeUpAt);
        this.endpoints = new EndpointsController(client);
        this.jobs = new JobController(client, runners, jobLogs, kubeconfig, options.jobRunTimeLimit(), clock::now,
                this::wakeUpAt);
        this.cronJobs = new CronJobController(client, this::wakeUpAt);
    }

    /** Hooks run for each running pod before its Ready condition is computed (readiness-gate emulation). */
    public List<PodRunningHook> podRunningHooks() {
        return podRunningHooks;
    }

    /** Steps run at the end of a pass with the world as it was at its start, when anything changed. */
    public List<BiConsumer<World, Instant>> extraSteps() {
        return extraSteps;
    }

    /** The world as of the latest pass (null before the first). */
    public World lastWorld() {
        return lastWorld;
    }

    /** The world now, from the simulator's cache (no API call; the same instance until something changes). */
    public World world() {
        return cache.snapshot();
    }

    /** Passes run and objects reconciled since start (for benchmarks). */
    public long[] counters() {
        return new long[]{passes.get(), reconciles.get()};
    }

    /**
     * The embedded API's write path: register with
     * {@link io.kapacitystack.kapacity.sandbox.api.SandboxDispatcher#addObjectListener} before {@link #start}.
     */
    public void stored(ApiPath path, String before, String after) {
        cache.stored(path, before, after);
    }

    /** Something the simulator does not cache changed (for the extra steps, e.g. an owner removed: collect garbage). */
    public void otherChange() {
        extraStepsWanted.set(true);
        schedulePass();
    }

    /** Registers the fake nodes (blocking; call off the event loop), loads what is already stored, runs a pass. */
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
        // what was stored before the simulator listened, loaded on its own thread before the first pass (off the
        // start-up path: decoding the kinds the first time is slow in a cold JVM)
        thread.execute(this::loadStored);
        // The 2 s tick runs the extra steps when something outside the world changed; the resync is the safety net
        // an informer's resync period is: work lost to a bug is found again.
        thread.scheduleWithFixedDelay(this::schedulePass, 2, 2, TimeUnit.SECONDS);
        thread.scheduleWithFixedDelay(this::poke, RESYNC_SECONDS, RESYNC_SECONDS, TimeUnit.SECONDS);
        poke();
    }

    private void loadStored() {
        try {
            World stored = World.load(client);
            for (List<? extends HasMetadata> objects : List.of(stored.pods(), stored.statefulSets(),
                    stored.deployments(), stored.replicaSets(), stored.services(), stored.ingresses(), stored.jobs(),
                    stored.cronJobs(), stored.replicationControllers())) {
                objects.forEach(cache::seed);
            }
        } catch (RuntimeException e) {
            LOG.warn("sandbox simulator could not load the stored objects: {}", e.toString());
        }
        poke(); // the seeded objects are reconciled like any change
    }

    /** A full resync: every object is looked at again soon; cheap and callable from any thread. */
    public void poke() {
        enqueue(cache.all());
        otherChange();
    }

    private void changed(Kind kind, String key, WorldCache.Entry before, WorldCache.Entry after) {
        List<Work> work = new ArrayList<>(4);
        work.add(new Work(kind, key));
        for (WorldCache.Entry state : new WorldCache.Entry[]{before, after}) {
            if (state == null) {
                continue;
            }
            Work owner = cache.owner(state.controllerUid);
            if (owner != null) {
                work.add(owner);
            }
            if (kind == Kind.PODS) {
                work.addAll(cache.servicesIn(state.namespace));
            }
        }
        enqueue(work);
        schedulePass();
    }

    private void enqueue(Collection<Work> work) {
        synchronized (queue) {
            queue.addAll(work);
        }
    }

    private void schedulePass() {
        dirty.set(true);
        if (!closed && scheduled.compareAndSet(false, true)) {
            thread.execute(this::runPasses);
        }
    }

    /** Runs passes until no work arrived during the last one; returns once the world is quiet. */
    private void runPasses() {
        int count = 0;
        try {
            while (dirty.getAndSet(false) && !closed && count++ < MAX_PASSES_WITHOUT_PROGRESS) {
                pass();
            }
        } finally {
            scheduled.set(false);
            if (dirty.get() && !closed) {
                if (count < MAX_PASSES_WITHOUT_PROGRESS) {
                    schedulePass();
                } else {
                    // Busy (work keeps arriving): yield for a moment instead of dropping the pending work,
                    // which would leave the world stalled until some unrelated change.
                    thread.schedule(this::schedulePass, 100, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void pass() {
        List<Work> batch;
        synchronized (queue) {
            batch = new ArrayList<>(queue);
            queue.clear();
        }
        boolean extra = extraStepsWanted.getAndSet(false);
        if (batch.isEmpty() && !extra) {
            return;
        }
        passes.incrementAndGet();
        try {
            Instant now = clock.now();
            World world = cache.snapshot();
            lastWorld = world;
            Map<Kind, List<Work>> byKind = new EnumMap<>(Kind.class);
            batch.forEach(w -> byKind.computeIfAbsent(w.kind(), k -> new ArrayList<>()).add(w));
            for (Kind kind : ORDER) {
                for (Work work : byKind.getOrDefault(kind, List.of())) {
                    reconcile(work, world, now);
                }
            }
            jobs.forgetGonePods(world);
            if (extra || world != worldOfLastExtraSteps) {
                worldOfLastExtraSteps = world;
                for (BiConsumer<World, Instant> step : extraSteps) {
                    step.accept(world, now);
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("sandbox simulator pass failed: {}", e.toString());
                extraStepsWanted.set(true);
                retryLater(List.of());
            }
        }
    }

    /** One object by its controller; a failed write queues it again after a short while (its requeue). */
    private void reconcile(Work work, World world, Instant now) {
        reconciles.incrementAndGet();
        try {
            switch (work.kind()) {
                case DEPLOYMENTS -> live(work, Deployment.class, d -> deployments.reconcile(world, d));
                case REPLICASETS -> live(work, ReplicaSet.class, rs -> replicaSets.reconcile(world, rs));
                case REPLICATIONCONTROLLERS ->
                        live(work, ReplicationController.class, rc -> replicationControllers.reconcile(world, rc));
                case STATEFULSETS -> live(work, StatefulSet.class, sts -> statefulSets.reconcile(world, sts));
                case CRONJOBS -> live(work, CronJob.class, cj -> cronJobs.reconcile(world, cj, now));
                case JOBS -> live(work, Job.class, job -> jobs.reconcile(world, job, now));
                case SERVICES -> live(work, Service.class, svc -> endpoints.reconcile(world, svc));
                case PODS -> {
                    // Terminating pods too: the kubelet removes them once their grace period is over
                    Pod pod = cache.fresh(Kind.PODS, work.key(), Pod.class);
                    if (pod != null) {
                        kubelet.reconcile(pod, now);
                    }
                }
                default -> {
                    // ingresses: read by the extra steps only
                }
            }
        } catch (KubernetesClientException e) {
            // a conflict or an already-exists after a concurrent change: the next look sees the new version
            LOG.debug("{} {} not written, retrying: {}", work.kind(), work.key(), e.getMessage());
            retryLater(List.of(work));
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("sandbox simulator failed on {} {}: {}", work.kind(), work.key(), e.toString());
                retryLater(List.of(work));
            }
        }
    }

    /** The object's private copy, if it exists and is not being deleted. */
    private <T extends HasMetadata> void live(Work work, Class<T> type, Consumer<T> step) {
        T object = cache.fresh(work.kind(), work.key(), type);
        if (object != null && !World.isTerminating(object)) {
            step.accept(object);
        }
    }

    private void retryLater(List<Work> work) {
        if (!closed) {
            thread.schedule(() -> {
                enqueue(work);
                schedulePass();
            }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void wakeUpAt(Instant when, HasMetadata object) {
        Work work = Work.of(object);
        boolean arm;
        synchronized (armedWakeUps) {
            Set<Work> due = armedWakeUps.get(when);
            arm = due == null;
            if (arm) {
                armedWakeUps.put(when, due = new HashSet<>());
            }
            due.add(work);
        }
        if (arm) {
            clock.schedule(when, () -> {
                Set<Work> due;
                synchronized (armedWakeUps) {
                    due = armedWakeUps.remove(when);
                }
                if (due != null) {
                    enqueue(due);
                    schedulePass();
                }
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
