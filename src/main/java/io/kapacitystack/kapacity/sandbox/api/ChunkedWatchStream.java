package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.vertx.core.http.HttpServerResponse;

/**
 * Presents a chunked HTTP response as the mock server's WebSocket, so the CRUD store's watch listener can feed
 * the plain-HTTP watches kubectl and client-go use ({@code ?watch=true} without an Upgrade header): one JSON
 * watch event per line, as the real API server streams them.
 */
final class ChunkedWatchStream implements WebSocket {

    private final RecordedRequest request;
    private final HttpServerResponse response;

    ChunkedWatchStream(RecordedRequest request, HttpServerResponse response) {
        this.request = request;
        this.response = response;
    }

    @Override
    public RecordedRequest request() {
        return request;
    }

    @Override
    public boolean send(String text) {
        if (response.ended() || response.closed()) {
            return false;
        }
        response.write(text + "\n");
        return true;
    }

    @Override
    public boolean send(byte[] bytes) {
        return send(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
        if (!response.ended() && !response.closed()) {
            response.end();
        }
        return true;
    }
}
