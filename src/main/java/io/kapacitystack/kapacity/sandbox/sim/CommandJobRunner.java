package io.kapacitystack.kapacity.sandbox.sim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --job-command IMAGE=COMMAND}: a job pod whose container has that image runs {@code COMMAND} as a local
 * process through {@code /bin/sh -c}, with the container's command and args as the positional parameters
 * ({@code "$@"}), the container's env and {@code KUBECONFIG} added to the sandbox's own environment, stdout and
 * stderr merged into the pod's log. An interrupt (the run's time limit) kills the process tree.
 */
public final class CommandJobRunner implements JobRunner {

    private final String command;

    public CommandJobRunner(String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("the job command is empty");
        }
        this.command = command;
    }

    /** Parses a {@code --job-command} value, {@code IMAGE=COMMAND}. */
    public static Map.Entry<String, CommandJobRunner> parse(String flag) {
        int eq = flag.indexOf('=');
        if (eq <= 0 || eq == flag.length() - 1) {
            throw new IllegalArgumentException("--job-command wants IMAGE=COMMAND, got \"" + flag + "\"");
        }
        return Map.entry(flag.substring(0, eq).trim(), new CommandJobRunner(flag.substring(eq + 1)));
    }

    public String command() {
        return command;
    }

    @Override
    public int run(List<String> args, Map<String, String> env, Path kubeconfig, LogSink log) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", command + " \"$@\"", "sh"));
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().putAll(env);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        Process process = pb.start();
        process.getOutputStream().close();
        Thread pump = new Thread(() -> pump(process.getInputStream(), log), "sandbox-job-output");
        pump.setDaemon(true);
        pump.start();
        try {
            int exit = process.waitFor();
            pump.join(2_000);
            return exit;
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw e;
        }
    }

    private static void pump(InputStream in, LogSink log) {
        byte[] buffer = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                log.write(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            log.println("(output lost: " + e.getMessage() + ")");
        }
    }
}
