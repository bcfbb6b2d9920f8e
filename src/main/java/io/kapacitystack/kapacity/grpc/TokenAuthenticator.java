package io.kapacitystack.kapacity.grpc;

import io.vertx.core.Future;

/**
 * Decides whether a bearer token sent to the gRPC metrics service is valid. The manager implements it with a
 * Kubernetes TokenReview (and should cache answers for a short while: it is called for every call).
 */
@FunctionalInterface
public interface TokenAuthenticator {

    /**
     * Completes with true for a valid token, false for an invalid one (→ UNAUTHENTICATED); a failed future means
     * the token could not be checked (→ UNAVAILABLE, the client may retry).
     */
    Future<Boolean> authenticate(String token);
}
