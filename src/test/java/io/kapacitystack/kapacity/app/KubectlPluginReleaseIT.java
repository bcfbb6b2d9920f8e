package io.kapacitystack.kapacity.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kubectl plugin as the build ships it (an IT: it needs {@code mvn package}'s output): {@code target/} holds the
 * executable {@code kubectl-kapacity} beside {@code kapacity.jar}; with {@code target/} on PATH the real kubectl lists
 * the plugin and runs the jar through it, exit codes included. Nothing points it at the jar or the classes.
 */
class KubectlPluginReleaseIT {

    private static final Path RELEASE = Path.of("target");

    @TempDir
    Path home;

    @Test
    void theBuiltPluginBesideTheJarRunsThroughKubectl() throws Exception {
        Path script = RELEASE.resolve("kubectl-kapacity");
        assertTrue(Files.isRegularFile(RELEASE.resolve("kapacity.jar")), "mvn package builds target/kapacity.jar");
        assertTrue(Files.isExecutable(script), "mvn package puts an executable kubectl-kapacity beside the jar");
        assertEquals(Files.readString(Path.of("scripts", "kubectl-kapacity")), Files.readString(script));

        KubectlPlugin plugin = KubectlPlugin.released(home, RELEASE);
        KubectlPlugin.Run list = plugin.run(null, "plugin", "list");
        assertTrue(list.out().contains(script.toAbsolutePath() + "\n"), list.out() + list.err());

        KubectlPlugin.Run help = plugin.run(null, "kapacity", "autoscale", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: kapacity autoscale TYPE/NAME --max N [--min N]"), help.out());

        KubectlPlugin.Run refused = plugin.run(null, "kapacity", "autoscale", "deployment/web", "--min=5", "--max=3");
        assertEquals(1, refused.exit(), refused.out());
        assertEquals("error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5\n", refused.err());

        KubectlPlugin.Run unknown = plugin.run(null, "kapacity", "sandbox");
        assertEquals(1, unknown.exit(), unknown.out());
        assertEquals("error: unknown command \"sandbox\" for \"kubectl kapacity\" (autoscale, migrate, describe, get)\n",
                unknown.err());
    }
}
