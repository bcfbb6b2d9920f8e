package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.portrait.cron.CronParseException;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CronJobs on the sandbox clock, after kube-controller-manager's CronJob controller
 * (pkg/controller/cronjob/cronjob_controllerv2.go upstream in Kubernetes): at the most recent missed schedule
 * time (5-field schedule, robfig-compatible through {@link CronSchedule}, in {@code spec.timeZone} or UTC), a Job
 * {@code <cronjob>-<scheduled time in minutes since the epoch>} from {@code jobTemplate}, owned by the CronJob;
 * nothing while {@code suspend}; {@code startingDeadlineSeconds} skips a start that is too late;
 * {@code concurrencyPolicy} Allow / Forbid (skip while a job runs) / Replace (delete the running jobs first);
 * finished jobs beyond {@code successfulJobsHistoryLimit} (3) / {@code failedJobsHistoryLimit} (1) deleted, oldest
 * first. Status: {@code active}, {@code lastScheduleTime}, {@code lastSuccessfulTime}. A schedule that does not
 * parse is left alone (logged once per spelling): the real API server refuses it at create.
 */
final class CronJobController {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CronJobController.class);
    static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    private final KubernetesClient client;
    private final WakeUps wakeUps;
    private final Map<String, String> badSchedulesLogged = new ConcurrentHashMap<>();

    CronJobController(KubernetesClient client, WakeUps wakeUps) {
        this.client = client;
        this.wakeUps = wakeUps;
    }

    /** One CronJob (a private copy: its status is set before it is written). */
    void reconcile(World world, CronJob cronJob, Instant now) {
        String ns = cronJob.getMetadata().getNamespace();
        List<Job> jobs = new ArrayList<>(world.jobsOwnedBy(cronJob).stream().filter(j -> !World.isTerminating(j)).toList());
        CronJobStatus old = cronJob.getStatus() == null ? new CronJobStatus() : cronJob.getStatus();
        CronJobStatus status = Serialization.clone(old);

        CronSchedule schedule = parse(cronJob);
        if (schedule != null && !Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
            Instant last = Objects.requireNonNullElseGet(Timestamps.parse(old.getLastScheduleTime()),
                    () -> Timestamps.parse(cronJob.getMetadata().getCreationTimestamp()));
            Instant due = mostRecentDue(schedule, last, now);
            if (due != null && startAllowed(cronJob, due, now) && concurrencyAllows(cronJob, jobs)) {
                Job job = jobFor(cronJob, due);
                try {
                    client.batch().v1().jobs().inNamespace(ns).resource(job).create();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    // already made for this time (a pass before the status write): take it as done
                }
                status.setLastScheduleTime(Timestamps.format(due));
                jobs = new ArrayList<>(jobs);
                Job made = client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get();
                if (made != null) {
                    jobs.add(made);
                }
            }
            Instant next = schedule.next(now);
            if (next != null) {
                wakeUps.at(next, cronJob);
            }
        }
        List<Job> finished = jobs.stream().filter(j -> j.getStatus() != null && JobController.isFinished(j.getStatus())).toList();
        status.setActive(jobs.stream().filter(j -> !finished.contains(j)).map(CronJobController::reference).toList());
        if (status.getActive().isEmpty()) {
            status.setActive(null);
        }
        finished.stream().filter(CronJobController::succeeded)
                .map(j -> Timestamps.parse(j.getStatus().getCompletionTime())).filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .ifPresent(t -> {
                    Instant known = Timestamps.parse(status.getLastSuccessfulTime());
                    if (known == null || t.isAfter(known)) {
                        status.setLastSuccessfulTime(Timestamps.format(t));
                    }
                });
        pruneHistory(ns, finished.stream().filter(CronJobController::succeeded).toList(),
                orDefault(cronJob.getSpec().getSuccessfulJobsHistoryLimit(), 3));
        pruneHistory(ns, finished.stream().filter(j -> !succeeded(j)).toList(),
                orDefault(cronJob.getSpec().getFailedJobsHistoryLimit(), 1));
        if (!Objects.equals(old, status)) {
            cronJob.setStatus(status);
            client.batch().v1().cronjobs().inNamespace(ns).resource(cronJob).updateStatus();
        }
    }

    private CronSchedule parse(CronJob cronJob) {
        String spec = cronJob.getSpec().getSchedule();
        try {
            String zone = cronJob.getSpec().getTimeZone();
            ZoneId zoneId = zone == null || zone.isEmpty() ? ZoneOffset.UTC : ZoneId.of(zone);
            return CronSchedule.parse(spec, zoneId);
        } catch (CronParseException | DateTimeException e) {
            String key = cronJob.getMetadata().getUid();
            if (!Objects.equals(badSchedulesLogged.put(key, String.valueOf(spec)), spec)) {
                LOG.warn("CronJob {}/{}: unparseable schedule \"{}\": {}", cronJob.getMetadata().getNamespace(),
                        cronJob.getMetadata().getName(), spec, e.getMessage());
            }
            return null;
        }
    }

    /**
     * The latest schedule time in {@code (last, now]}, or null if none has come. However long ago {@code last} is
     * (a long suspension, a clock jump), the walk starts from a recent probe instant that still has a start before
     * {@code now}, so it costs about as many steps as the schedule has starts in twice that window.
     */
    static Instant mostRecentDue(CronSchedule schedule, Instant last, Instant now) {
        Instant first = schedule.next(last);
        if (first == null || first.isAfter(now)) {
            return null;
        }
        Instant from = last;
        for (Duration back = Duration.ofMinutes(1); now.minus(back).isAfter(last); back = back.multipliedBy(2)) {
            Instant probe = now.minus(back);
            Instant next = schedule.next(probe);
            if (next != null && !next.isAfter(now)) {
                from = probe;
                break;
            }
        }
        Instant due = null;
        for (Instant t = schedule.next(from); t != null && !t.isAfter(now); t = schedule.next(t)) {
            due = t;
        }
        return due;
    }

    private static boolean startAllowed(CronJob cronJob, Instant due, Instant now) {
        Long deadline = cronJob.getSpec().getStartingDeadlineSeconds();
        return deadline == null || !now.isAfter(due.plusSeconds(deadline));
    }

    private boolean concurrencyAllows(CronJob cronJob, List<Job> jobs) {
        List<Job> running = jobs.stream().filter(j -> j.getStatus() == null || !JobController.isFinished(j.getStatus())).toList();
        String policy = Objects.requireNonNullElse(cronJob.getSpec().getConcurrencyPolicy(), "Allow");
        if (running.isEmpty() || "Allow".equals(policy)) {
            return true;
        }
        if ("Forbid".equals(policy)) {
            return false;
        }
        for (Job j : running) { // Replace
            client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        }
        jobs.removeAll(running);
        return true;
    }

    static Job jobFor(CronJob cronJob, Instant scheduled) {
        var template = cronJob.getSpec().getJobTemplate();
        Job job = new Job();
        job.setApiVersion("batch/v1");
        job.setKind("Job");
        ObjectMeta meta = new ObjectMeta();
        meta.setName(cronJob.getMetadata().getName() + "-" + scheduled.getEpochSecond() / 60);
        meta.setNamespace(cronJob.getMetadata().getNamespace());
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (template.getMetadata() != null) {
            if (template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            if (template.getMetadata().getAnnotations() != null) {
                annotations.putAll(template.getMetadata().getAnnotations());
            }
        }
        annotations.put(SCHEDULED_TIMESTAMP, Timestamps.format(scheduled));
        meta.setLabels(labels.isEmpty() ? null : labels);
        meta.setAnnotations(annotations);
        meta.setOwnerReferences(List.of(PodFactory.controllerRef(cronJob)));
        job.setMetadata(meta);
        job.setSpec(Serialization.clone(template.getSpec()));
        return job;
    }

    private void pruneHistory(String ns, List<Job> finished, int limit) {
        if (finished.size() <= limit) {
            return;
        }
        finished.stream().sorted(Comparator.comparing(CronJobController::finishTime))
                .limit(finished.size() - (long) limit)
                .forEach(j -> client.batch().v1().jobs().inNamespace(ns).withName(j.getMetadata().getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    }

    private static Instant finishTime(Job job) {
        Instant t = Timestamps.parse(job.getStatus().getCompletionTime());
        if (t == null && job.getStatus().getConditions() != null) {
            t = job.getStatus().getConditions().stream().map(JobCondition::getLastTransitionTime)
                    .map(Timestamps::parse).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(null);
        }
        return t == null ? Timestamps.parse(job.getMetadata().getCreationTimestamp()) : t;
    }

    private static boolean succeeded(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions()
                .stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static ObjectReference reference(Job job) {
        return new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                .withNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid()).withResourceVersion(job.getMetadata().getResourceVersion())
                .build();
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
