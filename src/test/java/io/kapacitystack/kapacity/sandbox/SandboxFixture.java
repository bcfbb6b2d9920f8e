package io.kapacitystack.kapacity.sandbox;

import io.kapacitystack.kapacity.testing.Kubectl;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A sandbox on a ManualClock with a kubeconfig for kubectl, one per test class: register it as
 * {@code @RegisterExtension static final SandboxFixture sandbox = new SandboxFixture();}. It starts before the
 * class's {@code @BeforeAll} methods and stops after its {@code @AfterAll} methods.
 */
final class SandboxFixture implements BeforeAllCallback, AfterAllCallback {

    static final Instant START = Instant.parse("2024-05-01T10:00:00Z");
    static final Duration STARTUP = Duration.ofSeconds(5);

    private final SandboxOptions options;
    Vertx vertx;
    ManualClock clock;
    SandboxCluster cluster;
    Path dir;
    Kubectl kubectl;

    SandboxFixture() {
        this(SandboxOptions.defaults().withPodStartupDelay(STARTUP).withPodTerminationGrace(Duration.ofSeconds(2)));
    }

    SandboxFixture(SandboxOptions options) {
        this.options = options;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        vertx = Vertx.vertx();
        clock = new ManualClock(vertx, START);
        try {
            cluster = SandboxCluster.start(vertx, clock, options).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            dir = Files.createTempDirectory("sandbox-test");
            kubectl = new Kubectl(cluster.writeKubeconfig(dir.resolve("sandbox.kubeconfig")));
        } catch (Exception e) {
            throw new IllegalStateException("sandbox did not start", e);
        }
    }

    KubernetesClient client() {
        return cluster.client();
    }

    /** Moves simulated time and lets the simulator react. */
    void advance(Duration d) {
        clock.advance(d);
        org.slf4j.LoggerFactory.getLogger(SandboxFixture.class).debug("advanced clock to {}", clock.now());
        cluster.resync();
    }

    void apply(String namespace, String yaml) {
        try {
            cluster.applyYaml(namespace, yaml).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String resource(String name) {
        try (InputStream in = SandboxFixture.class.getClassLoader().getResourceAsStream("sandbox/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource sandbox/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resourcePath(String name) {
        try {
            return Path.of(SandboxFixture.class.getClassLoader().getResource("sandbox/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (cluster != null) {
                cluster.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
