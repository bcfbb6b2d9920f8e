package io.kapacitystack.kapacity.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.concurrent.TimeUnit;

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
                cluster.vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
