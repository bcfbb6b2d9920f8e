package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kubectl kapacity ...} as a user runs it: the real kubectl finds {@code kubectl-kapacity} on PATH and passes
 * it no flags, so the cluster comes from {@code $KUBECONFIG}. Either the checkout's {@code scripts/kubectl-kapacity}
 * running this build's classes, or the released pair {@code target/kubectl-kapacity} + {@code target/kapacity.jar}: {@code home} is its HOME, {@code pathDir} what PATH starts with.
 */
record KubectlPlugin(Path home, Path pathDir, boolean fromClasses) {

    /** One run: kubectl's exit code and what it printed. */
    record Run(int exit, String out, String err) {
    }

    /** scripts/kubectl-kapacity (linked from {@code home/bin}, as a user installs it) running this build's classes. */
    static KubectlPlugin fromClasses(Path home) {
        try {
            Path bin = Files.createDirectories(home.resolve("bin"));
            Path link = bin.resolve("kubectl-kapacity");
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("scripts", "kubectl-kapacity").toAbsolutePath());
            }
            return new KubectlPlugin(home, bin, true);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The release as the build leaves it: {@code releaseDir} (target/) on PATH, the jar beside the script. */
    static KubectlPlugin released(Path home, Path releaseDir) {
        return new KubectlPlugin(home, releaseDir.toAbsolutePath(), false);
    }

    /** {@code kubectl ARGS} with {@code $KUBECONFIG} set to {@code kubeconfig} (null: none, kubectl's default). */
    Run run(Path kubeconfig, String... args) {
        try {
            Path out = Files.createTempFile(home, "plugin", ".out");
            Path err = Files.createTempFile(home, "plugin", ".err");
            List<String> command = new ArrayList<>(List.of(Kubectl.BINARY.toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("KAPACITY_JAR");
            pb.environment().remove("KAPACITY_CLASSPATH");
            if (kubeconfig != null) {
                pb.environment().put("KUBECONFIG", kubeconfig.toString());
            }
            pb.environment().put("PATH", pathDir + ":" + System.getenv("PATH"));
            pb.environment().put("HOME", home.toString());
            pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
            if (fromClasses) {
                pb.environment().put("KAPACITY_CLASSPATH", System.getProperty("java.class.path"));
            }
            pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            pb.environment().put("KAPACITY_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xshare:auto");
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " timed out: " + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
