package io.kapacitystack.kapacity.cli;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sandbox started as the command starts it (console on a free port), with the real kubectl pointed at it. */
final class RunningSandbox implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final SandboxApp app;
    final Kubectl kubectl;

    private RunningSandbox(Path dir, double clockSpeed, List<String> samples) throws Exception {
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
    }

    static RunningSandbox start(Path dir, double clockSpeed, List<String> samples) throws Exception {
        return new RunningSandbox(dir, clockSpeed, samples);
    }

    @Override
    public void close() throws Exception {
        try {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
