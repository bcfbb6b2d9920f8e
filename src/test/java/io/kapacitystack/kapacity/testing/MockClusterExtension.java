package io.kapacitystack.kapacity.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A fresh {@link MockCluster} (fabric8's mock API server with Kapacity's kinds, on its own Vert.x) for each test:
 * declare a {@code MockCluster} parameter on a {@code @BeforeEach} or {@code @Test} method. After the test (and its
 * own {@code @AfterEach} methods) the manager is stopped, the server destroyed and the Vert.x closed.
 */
public final class MockClusterExtension implements ParameterResolver, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MockClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MockCluster.class;
    }

    @Override
    public MockCluster resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // one per test: @BeforeEach and @Test methods of the same test share it
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(MockCluster.class,
                key -> new MockCluster(Vertx.vertx()), MockCluster.class);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        MockCluster cluster = context.getStore(NAMESPACE).remove(MockCluster.class, MockCluster.class);
        if (cluster != null) {
            try {
                cluster.close();
            } finally {
                try {
                    cluster.vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("the test's Vert.x did not close within 30 s; threads:\n" + threadDump(), e);
                }
            }
        }
    }

    /** What every thread was doing, for a close that hung (a flake is then diagnosable from its report). */
    static String threadDump() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            out.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                out.append("    at ").append(frame).append('\n');
            }
        });
        return out.toString();
    }
}
