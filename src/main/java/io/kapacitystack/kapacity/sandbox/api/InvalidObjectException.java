package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.http.MockResponse;

/** Thrown inside the store's write path to abort a write; carries the 4xx response the client gets. */
final class InvalidObjectException extends RuntimeException {

    private final transient MockResponse response;

    InvalidObjectException(MockResponse response) {
        super("invalid object", null, false, false);
        this.response = response;
    }

    MockResponse response() {
        return response;
    }
}
