package io.kapacitystack.kapacity.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real kubectl binary, pointed at a kubeconfig. Fails (never skips) if kubectl is missing. Each run has its own
 * HOME and discovery cache beside the kubeconfig, so no run reads another cluster's cached discovery.
 */
public final class Kubectl {

    public static final Path BINARY = Path.of("/usr/bin/kubectl");

    /** One run: the exit code and everything kubectl printed. */
    public record Result(int exitCode, String out, String err) {
        /** Fails the test on a non-zero exit; returns this result otherwise. */
        public Result ok() {
            assertEquals(0, exitCode, () -> "kubectl failed (" + exitCode + "): " + err + out);
            return this;
        }
    }

    private final Path kubeconfig;

    public Kubectl(Path kubeconfig) {
        assertTrue(Files.isExecutable(BINARY), "kubectl is required at " + BINARY);
        this.kubeconfig = kubeconfig;
    }

    public Result run(String... args) {
        return runWithInput(null, args);
    }

    /** Runs and fails the test on a non-zero exit; returns what kubectl printed on stdout. */
    public String ok(String... args) {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.err());
        }
        return r.out();
    }

    /** Runs with {@code stdin} (null for none) on kubectl's standard input. */
    public Result runWithInput(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--request-timeout=20s");
        command.addAll(List.of(args));
        try {
            // Output goes to files, so a kubectl that never ends is timed out rather than blocking a pipe read.
            Path out = Files.createTempFile("kubectl", ".out");
            Path err = Files.createTempFile("kubectl", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                Path home = kubeconfig.toAbsolutePath().getParent();
                pb.environment().put("HOME", home.toString());
                pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
                Process p = pb.start();
                if (stdin != null) {
                    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                p.getOutputStream().close();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("kubectl timed out after 60 s: " + command + "\n" + Files.readString(err));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kubectl: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
