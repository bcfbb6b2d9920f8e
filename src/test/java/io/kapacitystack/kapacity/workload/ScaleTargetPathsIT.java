package io.kapacitystack.kapacity.workload;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.testing.RecordingApiServer;
import io.kapacitystack.kapacity.testing.RecordingApiServer.Served;
import io.vertx.core.Vertx;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and hostile scaleTargetRef values (path tricks: '?', '#', '/', '..', '%2F', encoded and double-encoded)
 * reach the API over real HTTP: every request the ScaleClient sends is either discovery of the reference's own
 * group/version or the {@code /scale} of exactly that object in the autoscaler's namespace, and a reference that
 * is not a valid, served, scalable target is refused with a typed error and never written.
 */
class ScaleTargetPathsIT {

    private static final String NS = "attacker";
    /** The test's own statement of the API server's name format (RFC 1123 subdomain, at most 253 characters). */
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final List<String> TRICKS = List.of("/", "..", ".", "?", "#", "%2F", "%2f", "%252F", "%2e%2e", "%252e%252e",
            "%", "&", "=", "\\", " ", "\n", "\u0000", "é", "namespaces", "victim", "statefulsets", "nginx", "scale",
            "apps", "v1", "x", "-", ";", "@", ":", "..%2F", "%3F", "%23", "*");

    private static Vertx vertx;
    private static RecordingApiServer api;
    private static KubernetesClient client;
    private static ScaleClient scales;

    @BeforeContainer
    static void start() throws Exception {
        vertx = Vertx.vertx();
        api = new RecordingApiServer();
        client = api.client();
        scales = new ScaleClient(client, new KubeExecutor(vertx, 10_000, 10_000, 2));
    }

    @AfterContainer
    static void stop() throws Exception {
        client.close();
        api.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Property(tries = 400)
    void everyRequestAddressesExactlyTheReferencedObjectInItsOwnNamespace(
            @ForAll("apiVersions") String apiVersion, @ForAll("kinds") String kind, @ForAll("names") String name) throws Exception {
        CrossVersionObjectReference ref = new CrossVersionObjectReference(apiVersion, kind, name);
        api.takeRequests();
        Throwable failure = outcome(ref);
        List<String> requests = api.takeRequests();
        String groupVersion = apiVersion == null || apiVersion.isEmpty() ? "v1" : apiVersion;
        Optional<Served> served = RecordingApiServer.SERVED.stream()
                .filter(s -> s.groupVersion().equals(groupVersion) && s.kind().equals(kind)).findFirst();
        String prefix = groupVersion.equals("v1") ? "/api/v1" : "/apis/" + groupVersion;
        String scalePath = served.map(s -> prefix + "/namespaces/" + NS + "/" + s.plural() + "/" + name + "/scale").orElse(null);
        for (String request : requests) {
            String uri = request.substring(request.indexOf(' ') + 1);
            assertTrue(request.equals("GET " + prefix) || uri.equals(scalePath),
                    () -> "unexpected request " + request + " for " + ref + " (all: " + requests + ")");
        }
        boolean addressable = served.isPresent() && served.get().namespaced() && served.get().scale()
                && name != null && name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches();
        long writes = requests.stream().filter(r -> r.startsWith("PUT ") || r.startsWith("PATCH ")).count();
        if (addressable) {
            assertEquals(null, failure, () -> "a valid scalable target in " + NS + " was refused: " + ref);
            assertEquals(1, writes, () -> "one write of " + scalePath + ": " + requests);
        } else {
            assertTrue(failure instanceof ScaleClient.InvalidTarget || failure instanceof ScaleClient.NoScaleSubresource,
                    () -> ref + " must be refused as invalid or unscalable, got " + failure + " after " + requests);
            assertEquals(0, writes, () -> "nothing written for " + ref + ": " + requests);
            // (discovery of a group/version whose version is "scale", e.g. apiVersion v1/scale, also ends in /scale)
            assertTrue(requests.stream().noneMatch(r -> r.endsWith("/scale") && !r.equals("GET " + prefix)),
                    () -> "no scale read for " + ref + ": " + requests);
        }
    }

    private static Throwable outcome(CrossVersionObjectReference ref) throws Exception {
        try {
            scales.update(NS, ref, 3).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** The security report's finding: the cross-namespace reference from the security report, and its encoded variants. */
    @Example
    void theReportedCrossNamespaceReferenceIsRefusedBeforeAnyRequest() throws Exception {
        for (String apiVersion : List.of("apps/v1/namespaces/victim/statefulsets/nginx/scale?x=",
                "apps/v1/namespaces/victim/statefulsets/nginx/scale#", "apps%2Fv1%2Fnamespaces%2Fvictim%2Fstatefulsets%2Fnginx",
                "apps/v1/../../api/v1/namespaces/victim/replicationcontrollers/rc/scale?")) {
            api.takeRequests();
            CrossVersionObjectReference ref = new CrossVersionObjectReference(apiVersion, "Foo", "y");
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> scales.update(NS, ref, 6).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ScaleClient.InvalidTarget, e.getCause().toString());
            assertTrue(e.getCause().getMessage().startsWith("invalid scaleTargetRef.apiVersion"), e.getCause().getMessage());
            assertEquals(List.of(), api.takeRequests(), "no request at all");
        }
    }

    /** A kind that exists without a scale subresource is reported as such, not as "not found". */
    @Example
    void aKindWithoutScaleIsNotReportedAsNotFound() throws Exception {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> scales.get(NS, new CrossVersionObjectReference("v1", "ConfigMap", "settings"))
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ScaleClient.NoScaleSubresource, e.getCause().toString());
        assertEquals("ConfigMap (v1) has no scale subresource", e.getCause().getMessage());
        assertFalse(e.getCause().getMessage().contains("not found"));
    }

    @Provide
    Arbitrary<String> apiVersions() {
        return Arbitraries.oneOf(
                Arbitraries.of("apps/v1", "v1", "example.com/v1", "", "apps/v2"),
                Arbitraries.just(null),
                Arbitraries.of("apps/v1/namespaces/victim/statefulsets/nginx/scale?x=", "apps/v1?x=", "apps/v1#",
                        "apps%2Fv1", "apps/v1/", "/apps/v1", "apps/../v1", "apps/v1/..", "APPS/v1", "apps/%76%31"),
                Arbitraries.of("apps/v1", "v1", "example.com/v1").flatMap(v -> tricks().map(t -> v + t)),
                tricks(),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> kinds() {
        return Arbitraries.oneOf(
                Arbitraries.of("StatefulSet", "Deployment", "ReplicaSet", "Widget", "ClusterWidget", "ConfigMap",
                        "ReplicationController", "Foo"),
                Arbitraries.of("StatefulSet", "Widget").flatMap(k -> tricks().map(t -> k + t)),
                tricks(),
                Arbitraries.strings().ofMaxLength(80));
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcz09-.").ofMinLength(1).ofMaxLength(20),
                Arbitraries.of("nginx", "web.v2", "a", "x".repeat(253), "x".repeat(254)),
                Arbitraries.of("nginx", "web").flatMap(n -> tricks().map(t -> n + t)),
                tricks(),
                Arbitraries.strings().ofMaxLength(300));
    }

    /** One to four path tricks and name fragments joined. */
    private static Arbitrary<String> tricks() {
        return Arbitraries.of(TRICKS).list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("", l));
    }
}
