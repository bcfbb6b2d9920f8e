package io.kapacitystack.kapacity.console;

import io.vertx.core.Future;

import java.util.List;

/**
 * Who a console user is (from a bearer token) and whether they may write IHPAs in a namespace. The console is
 * read-only for anyone not authenticated; every write is authorized per namespace and verb.
 * Implementations never block the calling event loop.
 */
public interface ConsoleAuthenticator {

    /** Resource group and plural every write is authorized against. */
    String GROUP = "autoscaling.kapacitystack.io";
    String RESOURCE = "intelligenthorizontalpodautoscalers";

    /** An authenticated user; {@code token} is kept only in memory, to authorize later writes, and never rendered. */
    record User(String name, List<String> groups, String uid, String token) {
        @Override
        public String toString() {
            return "User[" + name + "]";
        }
    }

    /** The user the token belongs to, or a failed future with {@link Refused} when it is not valid. */
    Future<User> authenticate(String token);

    /**
     * Whether {@code user} may {@code verb} (create, update, delete) IntelligentHorizontalPodAutoscalers in
     * {@code namespace}; a failed future when that cannot be decided (the API is unreachable).
     */
    Future<Boolean> allowed(User user, String verb, String namespace);

    /** A short name for logs and the page footer ("kubernetes", "sandbox"). */
    String mode();

    /** Authentication or authorization refused: the message is safe to show the user. */
    final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }
}
