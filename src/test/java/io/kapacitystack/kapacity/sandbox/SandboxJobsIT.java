package io.kapacitystack.kapacity.sandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.kapacitystack.kapacity.sandbox.sim.CommandJobRunner;
import io.kapacitystack.kapacity.testing.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CronJobs and Jobs in the sandbox: schedules on the sandbox clock, job pods running the runner their image names
 * (in-process, a local command, or none), Job and CronJob status, and what kubectl shows of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxJobsIT {

    private static final String NS = "jobs";
    @RegisterExtension
    static final SandboxFixture sandbox = new SandboxFixture();

    @BeforeAll
    void start() {
        sandbox.cluster.jobRunners().register("example/echo:1", (args, env, kubeconfig, log) -> {
            log.println("hello " + String.join(" ", args) + " from " + env.get("GREETER"));
            return "fail".equals(env.get("MODE")) ? 3 : 0;
        });
        sandbox.kubectl.run("create", "namespace", NS).ok();
    }

    private static String cronJob(String name, String schedule, String image, String extraSpec) {
        return """
                apiVersion: batch/v1
                kind: CronJob
                metadata:
                  name: %s
                spec:
                  schedule: "%s"
                %s
                  jobTemplate:
                    spec:
                      backoffLimit: 0
                      template:
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: main
                            image: %s
                            args: ["a", "b"]
                            env:
                            - name: GREETER
                              value: sandbox
                """.formatted(name, schedule, extraSpec, image);
    }

    private Job job(String name) {
        return sandbox.client().batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private static boolean complete(Job job) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream().anyMatch(c -> "Complete".equals(c.getType()));
    }

    private List<Pod> podsOf(String jobName) {
        return sandbox.client().pods().inNamespace(NS).withLabel("batch.kubernetes.io/job-name", jobName).list().getItems();
    }

    /** Lets the kubelet emulation start the job's pod; the run itself takes real time, so the test awaits it. */
    private void startPods() {
        sandbox.advance(SandboxFixture.STARTUP.plusSeconds(1));
    }

    @Test
    void aCronJobRunsOnTheSandboxClockAtItsLatestMissedTimeAndKubectlShowsIt() {
        sandbox.apply(NS, cronJob("every5", "*/5 * * * *", "example/echo:1", "  successfulJobsHistoryLimit: 1"));
        Instant base = sandbox.clock.now();
        // the sandbox clock moves 7 min past the last round 5 minutes: one job, for the latest missed time
        Instant latest = Instant.ofEpochSecond((base.getEpochSecond() / 300 + 1) * 300);
        sandbox.advance(Duration.between(base, latest.plusSeconds(120)));
        String jobName = "every5-" + latest.getEpochSecond() / 60;
        Await.until("the CronJob's job " + jobName, () -> job(jobName) != null);
        assertEquals(latest.toString(), job(jobName).getMetadata().getAnnotations()
                .get("batch.kubernetes.io/cronjob-scheduled-timestamp"));
        assertEquals(1, sandbox.client().batch().v1().jobs().inNamespace(NS).list().getItems().stream()
                .filter(j -> j.getMetadata().getName().startsWith("every5-")).count(), "only the latest missed time");
        Await.until("the job's pod", () -> podsOf(jobName).size() == 1);
        startPods();
        Await.until("the job completes", () -> complete(job(jobName)));
        Job done = job(jobName);
        assertEquals(1, done.getStatus().getSucceeded());
        assertNull(done.getStatus().getActive());
        assertTrue(done.getStatus().getStartTime() != null && done.getStatus().getCompletionTime() != null);
        Pod pod = podsOf(jobName).get(0);
        assertEquals("Succeeded", pod.getStatus().getPhase());
        Await.until("the CronJob's status", () -> {
            CronJob cj = sandbox.client().batch().v1().cronjobs().inNamespace(NS).withName("every5").get();
            return cj.getStatus() != null && latest.toString().equals(cj.getStatus().getLastScheduleTime())
                    && cj.getStatus().getLastSuccessfulTime() != null
                    && (cj.getStatus().getActive() == null || cj.getStatus().getActive().isEmpty());
        });

        String logs = sandbox.kubectl.run("logs", "-n", NS, pod.getMetadata().getName()).ok().out();
        assertEquals("hello a b from sandbox\n", logs);

        String cronJobs = sandbox.kubectl.run("get", "cj", "-n", NS, "every5").ok().out();
        assertTrue(cronJobs.lines().findFirst().orElse("")
                .matches("NAME\\s+SCHEDULE\\s+TIMEZONE\\s+SUSPEND\\s+ACTIVE\\s+LAST SCHEDULE\\s+AGE"), cronJobs);
        assertTrue(cronJobs.matches("(?s).*every5\\s+\\*/5 \\* \\* \\* \\*\\s+<none>\\s+False\\s+0\\s+2m\\d*s?\\s+\\S+\\s*"),
                cronJobs);
        String jobs = sandbox.kubectl.run("get", "jobs", "-n", NS, jobName).ok().out();
        assertTrue(jobs.lines().findFirst().orElse("").matches("NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE"), jobs);
        assertTrue(jobs.matches("(?s).*" + jobName + "\\s+Complete\\s+1/1\\s+\\S+\\s+\\S+\\s*"), jobs);

        // the next run: the history limit of 1 removes the first job
        Instant next = latest.plusSeconds(300);
        sandbox.advance(Duration.between(sandbox.clock.now(), next.plusSeconds(1)));
        String nextJob = "every5-" + next.getEpochSecond() / 60;
        Await.until("the next job's pod", () -> podsOf(nextJob).size() == 1);
        startPods();
        Await.until("the next job completes and the first is pruned", () -> complete(job(nextJob)) && job(jobName) == null);
    }

    @Test
    void aJobCreatedFromACronJobWithKubectlRuns() {
        sandbox.apply(NS, cronJob("manual", "0 0 1 1 *", "example/echo:1", "  suspend: true"));
        sandbox.kubectl.run("create", "job", "-n", NS, "by-hand", "--from=cronjob/manual").ok();
        Await.until("the job's pod", () -> podsOf("by-hand").size() == 1);
        startPods();
        Await.until("the job completes", () -> complete(job("by-hand")));
        String jobs = sandbox.kubectl.run("get", "job", "-n", NS, "by-hand").ok().out();
        assertTrue(jobs.matches("(?s).*by-hand\\s+Complete\\s+1/1.*"), jobs);
    }

    @Test
    void anImageWithoutRunnerFailsThePodWithAClearLog() {
        sandbox.apply(NS, cronJob("unknown", "0 0 1 1 *", "example/unknown:1", "  suspend: true"));
        sandbox.kubectl.run("create", "job", "-n", NS, "unknown-image", "--from=cronjob/unknown").ok();
        Await.until("the job's pod", () -> podsOf("unknown-image").size() == 1);
        startPods();
        Await.until("the job fails", () -> {
            Job j = job("unknown-image");
            return j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions()
                    .stream().anyMatch(c -> "Failed".equals(c.getType()) && "BackoffLimitExceeded".equals(c.getReason()));
        });
        Pod pod = podsOf("unknown-image").get(0);
        assertEquals("Failed", pod.getStatus().getPhase());
        assertEquals(127, pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());
        String logs = sandbox.kubectl.run("logs", "-n", NS, pod.getMetadata().getName()).ok().out();
        assertTrue(logs.contains("no job runner for image \"example/unknown:1\""), logs);
        assertTrue(sandbox.kubectl.run("get", "job", "-n", NS, "unknown-image").ok().out()
                .matches("(?s).*unknown-image\\s+Failed\\s+0/1.*"));
    }

    @Test
    void aLocalCommandRunsWithTheContainersArgsEnvAndTheSandboxKubeconfig() throws Exception {
        java.nio.file.Path script = sandbox.dir.resolve("write-configmap.sh");
        java.nio.file.Files.writeString(script, """
                echo "args: $*"
                kubectl create configmap "from-$GREETER" -n jobs --from-literal=args="$*"
                """);
        var command = CommandJobRunner.parse("example/local:1=/bin/sh " + script);
        sandbox.cluster.jobRunners().register(command.getKey(), command.getValue());
        sandbox.apply(NS, cronJob("local", "0 0 1 1 *", "example/local:1", "  suspend: true"));
        sandbox.kubectl.run("create", "job", "-n", NS, "local-run", "--from=cronjob/local").ok();
        Await.until("the job's pod", () -> podsOf("local-run").size() == 1);
        startPods();
        Await.until("the job completes", Duration.ofSeconds(30), () -> complete(job("local-run")));
        ConfigMap written = sandbox.client().configMaps().inNamespace(NS).withName("from-sandbox").get();
        assertEquals(Map.of("args", "a b"), written.getData());
        String logs = sandbox.kubectl.run("logs", "-n", NS, podsOf("local-run").get(0).getMetadata().getName()).ok().out();
        assertTrue(logs.startsWith("args: a b\nconfigmap/from-sandbox created"), logs);
    }

    @Test
    void aConfigMapWithoutApiVersionAndKindIsCreatedAndNeverGetsAGeneration() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(
                        URI.create(sandbox.cluster.apiUrl() + "/api/v1/namespaces/" + NS + "/configmaps"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"bare\"},\"data\":{\"k\":\"v\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        assertTrue(created.body().contains("\"kind\":\"ConfigMap\"") && created.body().contains("\"apiVersion\":\"v1\""),
                created.body());
        ConfigMap cm = sandbox.client().configMaps().inNamespace(NS).withName("bare").get();
        cm.getData().put("k", "w");
        ConfigMap updated = sandbox.client().configMaps().inNamespace(NS).resource(cm).update();
        assertEquals("w", updated.getData().get("k"));
        assertNull(updated.getMetadata().getGeneration());
        sandbox.kubectl.run("patch", "cm", "bare", "-n", NS, "--type=merge", "-p", "{\"data\":{\"k\":\"x\"}}").ok();
        assertFalse(sandbox.kubectl.run("get", "cm", "bare", "-n", NS, "-o", "yaml").ok().out().contains("generation"));
    }
}
