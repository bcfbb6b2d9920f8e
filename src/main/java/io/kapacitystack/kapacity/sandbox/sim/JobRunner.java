package io.kapacitystack.kapacity.sandbox.sim;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a job pod's container "runs" in the sandbox: chosen by the container's image (see {@link JobRunners}).
 * Called on a job-runner thread (never the simulator's thread or an event loop), at most once per pod; it may
 * block. An exception, an interrupt (the run's time limit) or a non-zero exit code fails the pod.
 */
@FunctionalInterface
public interface JobRunner {

    /**
     * @param args       the container's {@code command} followed by its {@code args}
     * @param env        the container's literal {@code env} values plus {@code KUBECONFIG}
     * @param kubeconfig the sandbox's kubeconfig (the API the job talks to)
     * @param log        where the container's output goes ({@code kubectl logs} of the pod)
     * @return the container's exit code (0 = Succeeded)
     */
    int run(List<String> args, Map<String, String> env, Path kubeconfig, LogSink log) throws Exception;

    /** A container's output; bounded by the sandbox (the oldest text is dropped beyond the limit). */
    @FunctionalInterface
    interface LogSink {
        void write(String text);

        default void println(String line) {
            write(line + "\n");
        }
    }
}
