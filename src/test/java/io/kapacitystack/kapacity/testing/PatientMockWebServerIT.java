package io.kapacitystack.kapacity.testing;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A mock server whose event loop is busy for longer than fabric8's 10 s close timeout (as on a loaded machine) still
 * shuts down, and frees its port; fabric8's own server throws "Unable to close MockWebServer" on the same scene.
 */
class PatientMockWebServerIT {

    @Test
    void aServerWhoseCloseTakesLongerThanTenSecondsStillShutsDownAndFreesItsPort() throws Exception {
        PatientMockWebServer server = new PatientMockWebServer();
        int port = busyServer(server);
        assertDoesNotThrow(server::shutdown);
        try (ServerSocket again = new ServerSocket(port)) {
            assertTrue(again.isBound());
        }
    }

    @Test
    void fabric8sOwnServerFailsOnTheSameScene() throws Exception {
        io.fabric8.mockwebserver.MockWebServer server = new io.fabric8.mockwebserver.MockWebServer();
        busyServer(server);
        IllegalStateException e = assertThrows(IllegalStateException.class, server::shutdown);
        assertTrue(e.getMessage().contains("Unable to close MockWebServer"), e.getMessage());
    }

    /** Starts the server and keeps its event loop in a request for 13 s; returns its port once the request is in. */
    private static int busyServer(io.fabric8.mockwebserver.MockWebServer server) throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                inside.countDown();
                try {
                    Thread.sleep(13_000); // the event loop held, as a starved one is: no condition to wait for here
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new MockResponse().setResponseCode(200);
            }
        });
        server.start();
        HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertTrue(inside.await(30, TimeUnit.SECONDS), "the request reached the server");
        return server.getPort();
    }
}
