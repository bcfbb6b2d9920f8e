package io.kapacitystack.kapacity.metrics.prometheus;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * How {@link PrometheusClient} authenticates to Prometheus and verifies its certificate. Built by the manager from
 * {@code --prometheus-auth-incluster} and {@code --prometheus-auth-config} with {@link #fromFlags}. Every field is
 * optional (null):
 *
 * <ul>
 *   <li>{@code bearerToken} / {@code bearerTokenFile}: sent as {@code Authorization: Bearer}; the file is re-read
 *       every {@code tokenRefreshInterval} and after an HTTP 401 (Kubernetes rotates projected tokens);</li>
 *   <li>{@code caFile} / {@code caPem}: PEM CA certificates trusted for an https Prometheus (instead of the JVM's
 *       default trust store);</li>
 *   <li>{@code clientCertFile}+{@code clientKeyFile} / {@code clientCertPem}+{@code clientKeyPem}: a PEM client
 *       certificate presented to Prometheus (or a proxy in front of it);</li>
 *   <li>{@code insecureSkipTlsVerify}: trust any server certificate (kubeconfig {@code insecure-skip-tls-verify}).</li>
 * </ul>
 */
public record PrometheusClientOptions(String bearerToken, Path bearerTokenFile, Path caFile, Buffer caPem,
                                      Path clientCertFile, Path clientKeyFile, Buffer clientCertPem,
                                      Buffer clientKeyPem, boolean insecureSkipTlsVerify,
                                      Duration tokenRefreshInterval) {

    public static final Path IN_CLUSTER_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");
    public static final Path IN_CLUSTER_CA = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
    /** How often a token file is re-read (client-go caches a token file for a minute too). */
    public static final Duration DEFAULT_TOKEN_REFRESH = Duration.ofMinutes(1);

    public PrometheusClientOptions {
        if (tokenRefreshInterval == null || tokenRefreshInterval.isZero() || tokenRefreshInterval.isNegative()) {
            tokenRefreshInterval = DEFAULT_TOKEN_REFRESH;
        }
        if ((clientCertFile == null) != (clientKeyFile == null) || (clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs both the certificate and the key");
        }
    }

    /** Plain Prometheus: no credentials, the JVM's trust store for https. */
    public static PrometheusClientOptions none() {
        return new PrometheusClientOptions(null, null, null, null, null, null, null, null, false, null);
    }

    /** {@code --prometheus-auth-incluster}: the pod's service account token and the cluster CA. */
    public static PrometheusClientOptions inCluster() {
        return inCluster(IN_CLUSTER_TOKEN, IN_CLUSTER_CA);
    }

    /** In-cluster auth with the token and CA at other paths (tests). */
    public static PrometheusClientOptions inCluster(Path tokenFile, Path caFile) {
        if (!Files.isReadable(tokenFile)) {
            throw new IllegalArgumentException("in-cluster Prometheus auth: service account token " + tokenFile
                    + " is not readable (not running in a pod?)");
        }
        return new PrometheusClientOptions(null, tokenFile, Files.exists(caFile) ? caFile : null, null, null, null,
                null, null, false, null);
    }

    /**
     * {@code --prometheus-auth-config}: the token (or token file), client certificate and cluster CA of the current
     * context of a kubeconfig (its server address is not used; Prometheus is {@code --prometheus-address}).
     */
    public static PrometheusClientOptions fromKubeconfig(Path kubeconfig) {
        String content;
        try {
            content = Files.readString(kubeconfig, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Prometheus auth kubeconfig " + kubeconfig + ": " + e, e);
        }
        Config c;
        String userTokenFile;
        try {
            c = Config.fromKubeconfig(null, content, kubeconfig.toAbsolutePath().toString());
            userTokenFile = userTokenFile(content);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid Prometheus auth kubeconfig " + kubeconfig + ": "
                    + e.getMessage(), e);
        }
        String token = c.getOauthToken() != null && !c.getOauthToken().isEmpty() ? c.getOauthToken()
                : c.getAutoOAuthToken() != null && !c.getAutoOAuthToken().isEmpty() ? c.getAutoOAuthToken() : null;
        // a user's tokenFile is re-read like a projected token (fabric8 reads it only once)
        Path tokenFile = path(kubeconfig, userTokenFile);
        if (tokenFile != null) {
            token = null;
        }
        Path caFile = path(kubeconfig, c.getCaCertFile());
        Buffer caPem = caFile == null ? pem(c.getCaCertData()) : null;
        Path certFile = path(kubeconfig, c.getClientCertFile());
        Path keyFile = path(kubeconfig, c.getClientKeyFile());
        Buffer certPem = certFile == null ? pem(c.getClientCertData()) : null;
        Buffer keyPem = keyFile == null ? pem(c.getClientKeyData()) : null;
        if (certFile == null || keyFile == null) {
            certFile = null;
            keyFile = null;
        }
        if (certPem == null || keyPem == null) {
            certPem = null;
            keyPem = null;
        }
        return new PrometheusClientOptions(token, tokenFile, caFile, caPem, certFile, keyFile, certPem, keyPem,
                c.isTrustCerts(), null);
    }

    /** The {@code tokenFile} of the current context's user, or null. */
    private static String userTokenFile(String kubeconfig) {
        io.fabric8.kubernetes.api.model.Config k = KubeConfigUtils.parseConfigFromString(kubeconfig);
        if (k == null || k.getCurrentContext() == null || k.getContexts() == null || k.getUsers() == null) {
            return null;
        }
        String user = k.getContexts().stream().filter(ctx -> k.getCurrentContext().equals(ctx.getName()))
                .findFirst().map(ctx -> ctx.getContext() == null ? null : ctx.getContext().getUser()).orElse(null);
        return user == null ? null : k.getUsers().stream().filter(u -> user.equals(u.getName())).findFirst()
                .map(u -> u.getUser() == null ? null : u.getUser().getTokenFile()).orElse(null);
    }

    /**
     * The options of the manager's flags: {@code --prometheus-auth-incluster} → {@link #inCluster()},
     * {@code --prometheus-auth-config FILE} → {@link #fromKubeconfig}, neither → {@link #none()} (the flags
     * exclude each other, as in ManagerOptions).
     */
    public static PrometheusClientOptions fromFlags(boolean authInCluster, String authConfig) {
        if (authInCluster && authConfig != null && !authConfig.isEmpty()) {
            throw new IllegalArgumentException("may not use both in-cluster auth and an explicit kubeconfig at the "
                    + "same time");
        }
        if (authInCluster) {
            return inCluster();
        }
        if (authConfig != null && !authConfig.isEmpty()) {
            return fromKubeconfig(Path.of(authConfig));
        }
        return none();
    }

    public PrometheusClientOptions withTokenRefreshInterval(Duration interval) {
        return new PrometheusClientOptions(bearerToken, bearerTokenFile, caFile, caPem, clientCertFile, clientKeyFile,
                clientCertPem, clientKeyPem, insecureSkipTlsVerify, interval);
    }

    public boolean hasCustomTrust() {
        return caFile != null || caPem != null;
    }

    public boolean hasClientCert() {
        return clientCertFile != null || clientCertPem != null;
    }

    private static Path path(Path kubeconfig, String file) {
        if (file == null || file.isEmpty()) {
            return null;
        }
        Path p = Path.of(file);
        if (!p.isAbsolute() && kubeconfig.toAbsolutePath().getParent() != null) {
            p = kubeconfig.toAbsolutePath().getParent().resolve(p);
        }
        return p;
    }

    /** Kubeconfig {@code *-data} fields are base64 PEM. */
    private static Buffer pem(String base64) {
        if (base64 == null || base64.isEmpty()) {
            return null;
        }
        try {
            return Buffer.buffer(Base64.getMimeDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kubeconfig certificate data is not base64: " + e.getMessage(), e);
        }
    }
}
