package io.kapacitystack.kapacity.console;

import io.vertx.core.Future;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * The sandbox's authentication: one random token, generated at start and printed in the banner, that makes its
 * holder an all-powerful user. There is no RBAC in the sandbox, so every write of that user is allowed.
 */
public final class SandboxAuthenticator implements ConsoleAuthenticator {

    public static final String USER = "sandbox-admin";

    private final byte[] token;

    public SandboxAuthenticator(String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("the sandbox console token must have at least 16 characters");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** 32 random bytes, base64url: what the sandbox prints in its banner. */
    public static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public Future<User> authenticate(String candidate) {
        // constant time: no timing hint of how much of the token was right
        if (candidate != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8))) {
            return Future.succeededFuture(new User(USER, List.of("system:masters"), USER, candidate));
        }
        return Future.failedFuture(new Refused("invalid token"));
    }

    @Override
    public Future<Boolean> allowed(User user, String verb, String namespace) {
        return Future.succeededFuture(user != null && USER.equals(user.uid()));
    }

    @Override
    public String mode() {
        return "sandbox";
    }
}
