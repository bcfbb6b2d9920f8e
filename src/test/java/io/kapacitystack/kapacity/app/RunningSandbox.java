package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sandbox started as the command starts it (console on a free port), with the real kubectl pointed at it, one per
 * test: register it as {@code @RegisterExtension final RunningSandbox sandbox = new RunningSandbox(speed, samples);}.
 * It starts before the test's {@code @BeforeEach} methods and stops (its directory removed) after its
 * {@code @AfterEach} methods.
 */
final class RunningSandbox implements BeforeEachCallback, AfterEachCallback {

    private final double clockSpeed;
    private final List<String> samples;
    private Path dir;
    Vertx vertx;
    SandboxApp app;
    Kubectl kubectl;
    /** The kubeconfig the sandbox wrote (for tools other than {@link #kubectl}). */
    Path kubeconfig;

    RunningSandbox(double clockSpeed, List<String> samples) {
        this.clockSpeed = clockSpeed;
        this.samples = List.copyOf(samples);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("running-sandbox");
        vertx = Vertx.vertx();
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.kubeconfig = dir.resolve("sandbox.kubeconfig");
        s.clockSpeed = clockSpeed;
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertTrue(Files.exists(s.kubeconfig), "the kubeconfig is written once the API answers");
        if (!samples.isEmpty()) {
            app.loadSamples(vertx, samples).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        kubectl = new Kubectl(s.kubeconfig);
        kubeconfig = s.kubeconfig;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (app != null) {
                app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            try {
                if (vertx != null) {
                    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                }
            } finally {
                if (dir != null) {
                    deleteRecursively(dir);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
