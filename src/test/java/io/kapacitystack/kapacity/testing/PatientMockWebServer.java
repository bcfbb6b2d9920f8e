package io.kapacitystack.kapacity.testing;

import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * fabric8's mock web server, whose shutdown waits as long as the machine needs. fabric8 gives its HTTP server's close
 * 10 s and then throws, leaving the server's own Vert.x running; on a loaded CI machine (load average 20-50 on 2
 * cores) a close that completes a little later failed tests whose every assertion had passed. Here the same close is
 * awaited for up to two minutes, and the rest of fabric8's shutdown (the dispatcher's resources, the Vert.x instance)
 * is then done as fabric8 would have. A close that never completes still fails, after the two minutes.
 */
public final class PatientMockWebServer extends MockWebServer {

    private static final long CLOSE_SECONDS = 120;

    @Override
    public synchronized void shutdown() {
        try {
            super.shutdown();
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TimeoutException)) {
                throw e;
            }
            finishShutdown(e);
        }
    }

    private void finishShutdown(IllegalStateException timedOut) {
        try {
            await(((HttpServer) field("httpServer")).close());
            ((Dispatcher) field("dispatcher")).releaseResources();
            await(((Vertx) field("vertx")).close());
        } catch (Exception e) {
            timedOut.addSuppressed(e);
            throw timedOut;
        }
    }

    private Object field(String name) throws ReflectiveOperationException {
        Field f = MockWebServer.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(this);
    }

    private static void await(Future<Void> closing) throws Exception {
        closing.toCompletionStage().toCompletableFuture().get(CLOSE_SECONDS, TimeUnit.SECONDS);
    }
}
