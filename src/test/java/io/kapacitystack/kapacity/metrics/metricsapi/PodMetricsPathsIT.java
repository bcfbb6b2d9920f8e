package io.kapacitystack.kapacity.metrics.metricsapi;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.Selector;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.testing.RecordingApiServer;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Namespace, pod name and selector of a metrics-API query come from gRPC callers: whatever they hold, the provider
 * either refuses the query before any request or sends exactly one GET for that pod (or that selector) in that
 * namespace, the selector only as the value of one encoded {@code labelSelector} parameter.
 */
class PodMetricsPathsIT {

    private static final String API = "/apis/metrics.k8s.io/v1beta1";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final List<String> TRICKS = List.of("/", "..", "?", "#", "%2F", "%252F", "%2e%2e", "&", "=",
            "labelSelector", "victim", "pods", "web", " ", "\n", "é", "%", ";", "a", "-", ".");

    private static Vertx vertx;
    private static RecordingApiServer api;
    private static KubernetesClient client;
    private static MetricsApiProvider provider;

    @BeforeContainer
    static void start() throws Exception {
        vertx = Vertx.vertx();
        api = new RecordingApiServer();
        client = api.client();
        provider = new MetricsApiProvider(client, new KubeExecutor(vertx, 10_000, 10_000, 2));
    }

    @AfterContainer
    static void stop() throws Exception {
        client.close();
        api.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Property(tries = 300)
    void aQueryAddressesOnlyItsOwnPodsOrIsRefused(@ForAll("namespaces") String rawNamespace, @ForAll("names") String rawName,
                                                  @ForAll("selectors") String selectorText) throws Exception {
        Selector parsed;
        try {
            parsed = selectorText == null ? null : Selector.parse(selectorText);
        } catch (IllegalArgumentException e) {
            return; // refused where it is parsed (the gRPC service answers INVALID_ARGUMENT): nothing reaches the provider
        }
        // the query as the provider sees it: absent strings are "", and a query by name carries no selector
        MetricQuery.PodResource query = new MetricQuery.PodResource(rawNamespace, rawName, parsed, "cpu");
        String namespace = query.namespace();
        String name = query.name();
        Selector selector = query.selector();
        api.takeRequests();
        Throwable failure = null;
        try {
            provider.queryLatest(query)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        }
        List<String> requests = api.takeRequests();
        boolean allNamespaces = namespace == null || namespace.isEmpty();
        boolean byName = name != null && !name.isEmpty();
        boolean valid = (allNamespaces || namespace.length() <= 63 && DNS_LABEL.matcher(namespace).matches())
                && (!byName || name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches());
        if (!valid) {
            assertTrue(failure instanceof MetricsException m && m.kind() == MetricsException.Kind.INVALID_ARGUMENT,
                    () -> "refused: " + namespace + " / " + name + " / " + selectorText + " -> " + requests);
            assertEquals(List.of(), requests);
            return;
        }
        assertEquals(1, requests.size(), () -> requests.toString());
        String request = requests.get(0);
        String base = API + (allNamespaces ? "" : "/namespaces/" + namespace) + "/pods";
        if (byName) {
            assertEquals("GET " + base + "/" + name, request);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.substring("GET ".length()));
        assertEquals(base, uri.rawPath(), request);
        Map<String, List<String>> params = uri.parameters();
        if (selector.text().isEmpty()) {
            assertEquals(Map.of(), params, request);
        } else {
            assertEquals(Map.of("labelSelector", List.of(selector.text())), params, request);
        }
    }

    @Provide
    Arbitrary<String> namespaces() {
        return Arbitraries.oneOf(Arbitraries.of("web", "victim", "", "a-b"), Arbitraries.just(null), tricks(),
                Arbitraries.of("web", "").flatMap(n -> tricks().map(t -> n + t)), Arbitraries.strings().ofMaxLength(70));
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(Arbitraries.of("web-0", "web.x", ""), Arbitraries.just(null), tricks(),
                Arbitraries.of("web-0").flatMap(n -> tricks().map(t -> n + t)), Arbitraries.strings().ofMaxLength(260));
    }

    @Provide
    Arbitrary<String> selectors() {
        return Arbitraries.oneOf(Arbitraries.of("app=web", "app in (a,b),!c", "", "a=b&labelSelector=x", "a=b#"),
                Arbitraries.just(null), tricks().map(t -> "app=" + t), Arbitraries.strings().ofMaxLength(40));
    }

    private static Arbitrary<String> tricks() {
        return Arbitraries.of(TRICKS).list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("", l));
    }
}
