package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;

/**
 * Jobs (made by a CronJob or created directly, {@code kubectl create job --from=cronjob/x} too) and their pods, as
 * kube-controller-manager's job controller and a kubelet do, simplified: up to {@code parallelism} pods at a time
 * until {@code completions} have succeeded; a failed pod is replaced (whatever the {@code restartPolicy}) after a
 * back-off of 10 s doubling up to 6 min of simulated time, until more than {@code backoffLimit} have failed. A job
 * pod that the kubelet emulation has started runs the {@link JobRunner} its container's image names, on a
 * job-runner thread bounded in number and real time; its exit code makes the pod Succeeded or Failed (on the
 * simulator's thread, at the next pass). Job status: {@code active}, {@code ready}, {@code succeeded},
 * {@code failed}, {@code startTime}, {@code completionTime}, conditions {@code Complete} / {@code Failed}.
 */
final class JobController implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobController.class);
    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final int EXIT_NO_RUNNER = 127;
    static final int EXIT_KILLED = 137;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(6);
    private static final int MAX_CONCURRENT_RUNS = 4;

    /** How a run ended; recorded by the runner thread, written to the pod by the next pass. */
    record Outcome(int exitCode, String reason, Instant startedAt, Instant finishedAt) {
    }

    private final KubernetesClient client;
    private final JobRunners runners;
    private final JobLogs logs;
    private final Supplier<Path> kubeconfig;
    private final Duration runTimeLimit;
    private final Supplier<Instant> now;
    private final WakeUps wakeUps;
    private final ExecutorService runnerThreads;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(daemon("sandbox-job-watchdog"));
    private final Map<String, Future<?>> running = new ConcurrentHashMap<>();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

    JobController(KubernetesClient client, JobRunners runners, JobLogs logs, Supplier<Path> kubeconfig,
                  Duration runTimeLimit, Supplier<Instant> now, WakeUps wakeUps) {
        this.client = client;
        this.runners = runners;
        this.logs = logs;
        this.kubeconfig = kubeconfig;
        this.runTimeLimit = runTimeLimit;
        this.now = now;
        this.wakeUps = wakeUps;
        this.runnerThreads = Executors.newFixedThreadPool(MAX_CONCURRENT_RUNS, daemon("sandbox-job-runner"));
    }

    /** Stops the runs of pods that are gone and forgets their outcomes and logs. */
    void forgetGonePods(World world) {
        running.keySet().stream().filter(uid -> !world.hasPod(uid)).toList().forEach(this::cancel);
        outcomes.keySet().removeIf(uid -> !world.hasPod(uid));
        logs.retainOnly(world::hasPod);
    }

    /** One Job (a private copy: its status is set before it is written). */
    void reconcile(World world, Job job, Instant now) {
        String ns = job.getMetadata().getNamespace();
        if (job.getSpec().getSelector() == null && !Boolean.TRUE.equals(job.getSpec().getManualSelector())) {
            // what kube-apiserver does when it stores a Job: select the job's own pods by its uid
            String uid = job.getMetadata().getUid();
            client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).edit(j -> {
                j.getSpec().setSelector(new LabelSelectorBuilder().addToMatchLabels(CONTROLLER_UID, uid).build());
                var template = j.getSpec().getTemplate();
                if (template.getMetadata() == null) {
                    template.setMetadata(new ObjectMeta());
                }
                Map<String, String> labels = template.getMetadata().getLabels() == null ? new LinkedHashMap<>()
                        : new LinkedHashMap<>(template.getMetadata().getLabels());
                labels.putAll(podLabels(j));
                template.getMetadata().setLabels(labels);
                return j;
            });
            return; // the write pokes the next pass
        }
        List<Pod> pods = world.podsOwnedBy(job);
        for (Pod pod : pods) {
            if (!World.isTerminating(pod)) {
                runOrFinish(pod, job);
            }
        }
        JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
        JobStatus status = Serialization.clone(old);
        boolean finished = isFinished(old);
        List<Pod> active = pods.stream().filter(p -> !World.isTerminating(p) && !isTerminal(p)).toList();
        int succeeded = (int) pods.stream().filter(p -> "Succeeded".equals(phase(p))).count();
        int failed = (int) pods.stream().filter(p -> "Failed".equals(phase(p))).count();
        int completions = orDefault(job.getSpec().getCompletions(), 1);
        int parallelism = orDefault(job.getSpec().getParallelism(), 1);
        int backoffLimit = orDefault(job.getSpec().getBackoffLimit(), 6);
        if (status.getStartTime() == null) {
            status.setStartTime(Timestamps.format(now));
        }
        if (!finished) {
            if (succeeded >= completions) {
                status.setCompletionTime(Timestamps.format(now));
                status.setConditions(List.of(condition("Complete", null, null, now)));
                finished = true;
            } else if (failed > backoffLimit) {
                status.setConditions(List.of(condition("Failed", "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit", now)));
                active.forEach(p -> client.pods().inNamespace(ns).withName(p.getMetadata().getName()).delete());
                active = List.of();
                finished = true;
            } else {
                int wanted = Math.min(parallelism, completions - succeeded) - active.size();
                Instant notBefore = failed == 0 ? now : lastFinish(pods).plus(backoff(failed));
                if (wanted > 0 && now.isBefore(notBefore)) {
                    wakeUps.at(notBefore, job);
                } else {
                    for (int i = 0; i < wanted; i++) {
                        Pod pod = PodFactory.fromTemplate(job.getSpec().getTemplate(), ns, null,
                                job.getMetadata().getName() + "-", job, podLabels(job));
                        client.pods().inNamespace(ns).resource(pod).create();
                    }
                }
            }
        }
        status.setActive(active.isEmpty() ? null : active.size());
        int ready = (int) active.stream().filter(PodConditions::isReady).count();
        status.setReady(ready);
        status.setSucceeded(succeeded == 0 ? null : succeeded);
        status.setFailed(failed == 0 ? null : failed);
        if (!Objects.equals(old, status)) {
            job.setStatus(status);
            client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
        }
    }

    /** Starts the pod's run once the kubelet has it Running; writes how it ended once it has. */
    private void runOrFinish(Pod pod, Job job) {
        String uid = pod.getMetadata().getUid();
        if (isTerminal(pod) || !PodConditions.isRunning(pod)) {
            return;
        }
        Outcome outcome = outcomes.get(uid);
        if (outcome != null) {
            writeTerminalStatus(pod, outcome);
            return;
        }
        if (!running.containsKey(uid)) {
            start(pod, job);
        }
    }

    private void start(Pod pod, Job job) {
        String uid = pod.getMetadata().getUid();
        JobRunner.LogSink log = logs.sink(uid);
        List<Container> containers = pod.getSpec().getContainers();
        Path config = kubeconfig.get();
        running.put(uid, runnerThreads.submit(() -> {
            Instant startedAt = now.get();
            Thread self = Thread.currentThread();
            ScheduledFuture<?> deadline = watchdog.schedule(self::interrupt, runTimeLimit.toMillis(), TimeUnit.MILLISECONDS);
            Outcome outcome;
            try {
                outcome = runContainers(containers, config, log, startedAt);
            } finally {
                deadline.cancel(false);
                Thread.interrupted();
            }
            outcomes.put(uid, outcome);
            running.remove(uid);
            wakeUps.at(now.get(), job); // the job writes the pod's outcome
        }));
    }

    private Outcome runContainers(List<Container> containers, Path config, JobRunner.LogSink log, Instant startedAt) {
        for (Container c : containers) {
            var runner = runners.find(c.getImage());
            if (runner.isEmpty()) {
                log.println("sandbox: no job runner for image \"" + c.getImage() + "\" (container " + c.getName()
                        + "): the sandbox runs only the images registered in-process and those given with "
                        + "--job-command IMAGE=COMMAND; known: " + runners.images());
                return new Outcome(EXIT_NO_RUNNER, "ImageNotRunnable", startedAt, now.get());
            }
            List<String> args = new ArrayList<>();
            if (c.getCommand() != null) {
                args.addAll(c.getCommand());
            }
            if (c.getArgs() != null) {
                args.addAll(c.getArgs());
            }
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (e.getValueFrom() != null) {
                    log.println("sandbox: env " + e.getName() + " uses valueFrom, which the sandbox does not resolve");
                } else {
                    env.put(e.getName(), Objects.requireNonNullElse(e.getValue(), ""));
                }
            }
            env.put("KUBECONFIG", config.toString());
            int exit;
            try {
                exit = runner.get().run(List.copyOf(args), Map.copyOf(env), config, log);
            } catch (InterruptedException e) {
                log.println("sandbox: killed after the job run time limit of " + runTimeLimit.toSeconds() + " s (real time)");
                return new Outcome(EXIT_KILLED, "DeadlineExceeded", startedAt, now.get());
            } catch (Exception | LinkageError e) {
                log.println("sandbox: the job failed: " + e);
                return new Outcome(1, "Error", startedAt, now.get());
            }
            if (exit != 0) {
                return new Outcome(exit, "Error", startedAt, now.get());
            }
        }
        return new Outcome(0, "Completed", startedAt, now.get());
    }

    private void writeTerminalStatus(Pod pod, Outcome outcome) {
        PodStatus status = Serialization.clone(pod.getStatus());
        boolean ok = outcome.exitCode() == 0;
        status.setPhase(ok ? "Succeeded" : "Failed");
        List<ContainerStatus> containers = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            containers.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                    .withImageID("sandbox://" + c.getImage())
                    .withContainerID("sandbox://" + pod.getMetadata().getUid() + "/" + c.getName())
                    .withReady(false).withStarted(false).withRestartCount(0)
                    .withNewState().withNewTerminated().withExitCode(outcome.exitCode()).withReason(outcome.reason())
                    .withStartedAt(Timestamps.format(outcome.startedAt()))
                    .withFinishedAt(Timestamps.format(outcome.finishedAt())).endTerminated().endState().build());
        }
        status.setContainerStatuses(containers);
        Kubelet.setCondition(status, "ContainersReady", false, outcome.finishedAt());
        Kubelet.setCondition(status, "Ready", false, outcome.finishedAt());
        Pod written = Serialization.clone(pod); // the world's pods are shared
        written.setStatus(status);
        client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(written).updateStatus();
        outcomes.remove(pod.getMetadata().getUid());
    }

    private void cancel(String podUid) {
        Future<?> f = running.remove(podUid);
        if (f != null) {
            f.cancel(true);
        }
    }

    static boolean isFinished(JobStatus status) {
        return status.getConditions() != null && status.getConditions().stream().anyMatch(c ->
                ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    static boolean isTerminal(Pod pod) {
        String phase = phase(pod);
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static String phase(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private static Map<String, String> podLabels(Job job) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(CONTROLLER_UID, job.getMetadata().getUid());
        labels.put(JOB_NAME, job.getMetadata().getName());
        labels.put("controller-uid", job.getMetadata().getUid());
        labels.put("job-name", job.getMetadata().getName());
        return labels;
    }

    private static Instant lastFinish(List<Pod> pods) {
        return pods.stream().filter(p -> "Failed".equals(phase(p)))
                .flatMap(p -> p.getStatus().getContainerStatuses() == null ? Stream.empty()
                        : p.getStatus().getContainerStatuses().stream())
                .map(cs -> cs.getState() == null || cs.getState().getTerminated() == null ? null
                        : Timestamps.parse(cs.getState().getTerminated().getFinishedAt()))
                .filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    }

    static Duration backoff(int failures) {
        Duration d = FIRST_BACKOFF;
        for (int i = 1; i < failures && d.compareTo(MAX_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private static JobCondition condition(String type, String reason, String message, Instant now) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(Timestamps.format(now)).withLastTransitionTime(Timestamps.format(now)).build();
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        runnerThreads.shutdownNow();
    }
}
