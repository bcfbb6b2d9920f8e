package io.kapacitystack.kapacity.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the real kubectl binary against a kubeconfig. Fails (never skips) if kubectl is missing. */
final class Kubectl {

    static final Path BINARY = Path.of("/usr/bin/kubectl");

    record Result(int exitCode, String out, String err) {
        Result ok() {
            assertEquals(0, exitCode, () -> "kubectl failed (" + exitCode + "): " + err + out);
            return this;
        }
    }

    private final Path kubeconfig;

    Kubectl(Path kubeconfig) {
        assertTrue(Files.isExecutable(BINARY), "kubectl is required at " + BINARY);
        this.kubeconfig = kubeconfig;
    }

    Result run(String... args) {
        return runWithInput(null, args);
    }

    Result runWithInput(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--request-timeout=20s");
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("kubectl", ".out");
            Path err = Files.createTempFile("kubectl", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HOME", kubeconfig.getParent().toString());
            pb.environment().put("KUBECACHEDIR", kubeconfig.getParent().resolve("cache").toString());
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl timed out: " + command);
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot run kubectl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
