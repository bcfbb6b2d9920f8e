package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.auth.AuthThrottle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Transport security and authentication of {@link GrpcMetricsServer}; every field optional (null):
 *
 * <ul>
 *   <li>{@code certFile} + {@code keyFile} (PEM): serve TLS (HTTP/2 over ALPN) instead of plain-text h2c; the
 *       files are re-read every {@code certCheckInterval} and a changed pair is used for new connections
 *       (cert-manager rotates them);</li>
 *   <li>{@code clientCaFile} (PEM, needs TLS): mutual TLS, clients must present a certificate signed by it;</li>
 *   <li>{@code tokenAuthenticator}: every ProviderService call must carry {@code authorization: Bearer <token>}
 *       accepted by it, else UNAUTHENTICATED. The health service stays open (probes carry no token);</li>
 *   <li>{@code tokenThrottle} (with a {@code tokenAuthenticator}): limits the invalid tokens one client address may
 *       present (RESOURCE_EXHAUSTED beyond), so the service cannot be used to guess tokens or to make the API
 *       server run TokenReviews in a loop.</li>
 * </ul>
 */
public record GrpcMetricsServerOptions(Path certFile, Path keyFile, Path clientCaFile,
                                       TokenAuthenticator tokenAuthenticator, Duration certCheckInterval,
                                       AuthThrottle tokenThrottle) {

    public static final Duration DEFAULT_CERT_CHECK_INTERVAL = Duration.ofMinutes(1);

    public GrpcMetricsServerOptions {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("the gRPC server needs both a TLS certificate and its key");
        }
        if (clientCaFile != null && certFile == null) {
            throw new IllegalArgumentException("a client CA (mutual TLS) needs a TLS certificate and key");
        }
        for (Path p : new Path[] {certFile, keyFile, clientCaFile}) {
            if (p != null && !Files.isReadable(p)) {
                throw new IllegalArgumentException("gRPC server TLS file " + p + " is not readable");
            }
        }
        if (certCheckInterval == null || certCheckInterval.isZero() || certCheckInterval.isNegative()) {
            certCheckInterval = DEFAULT_CERT_CHECK_INTERVAL;
        }
    }

    /** Plain-text h2c without authentication (Kapacity's default). */
    public static GrpcMetricsServerOptions plain() {
        return new GrpcMetricsServerOptions(null, null, null, null, null, null);
    }

    /**
     * The options of the manager's flags {@code --grpc-server-tls-cert-file}, {@code --grpc-server-tls-key-file},
     * {@code --grpc-server-client-ca-file} ("" = unset) and, for {@code --grpc-server-token-auth}, the manager's
     * TokenReview authenticator (null = off).
     */
    public static GrpcMetricsServerOptions fromFlags(String certFile, String keyFile, String clientCaFile,
                                                     TokenAuthenticator tokenAuthenticator) {
        return new GrpcMetricsServerOptions(path(certFile), path(keyFile), path(clientCaFile), tokenAuthenticator,
                null, null);
    }

    public GrpcMetricsServerOptions withCertCheckInterval(Duration interval) {
        return new GrpcMetricsServerOptions(certFile, keyFile, clientCaFile, tokenAuthenticator, interval, tokenThrottle);
    }

    public GrpcMetricsServerOptions withTokenThrottle(AuthThrottle throttle) {
        return new GrpcMetricsServerOptions(certFile, keyFile, clientCaFile, tokenAuthenticator, certCheckInterval,
                throttle);
    }

    public boolean tls() {
        return certFile != null;
    }

    private static Path path(String s) {
        return s == null || s.isBlank() ? null : Path.of(s.trim());
    }
}
