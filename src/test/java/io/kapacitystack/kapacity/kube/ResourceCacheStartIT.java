package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.sandbox.api.CustomResourceRegistry;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Kind;
import io.kapacitystack.kapacity.sandbox.api.FaultPlan.Rule;
import io.kapacitystack.kapacity.sandbox.api.SandboxApiServer;
import io.kapacitystack.kapacity.sandbox.api.SandboxDispatcher;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A cache whose first list fails (the API server too slow to answer while the manager starts) keeps listing and syncs once
 * the API answers again, instead of failing its start, which made the manager exit ("failed to start caches").
 */
class ResourceCacheStartIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aFirstListThatFailsIsRetriedUntilTheApiAnswers() {
        Vertx vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, Instant.parse("2026-12-08T01:00:00Z"));
        CustomResourceRegistry crds = new CustomResourceRegistry();
        SandboxApiServer server = new SandboxApiServer(vertx, clock, new SandboxDispatcher(clock, crds,
                Duration.ofSeconds(1)), crds);
        String api = "http://127.0.0.1:" + Await.result(server.listen("127.0.0.1", 0), WAIT);
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(api).withNamespace("default")
                .withHttp2Disable(true).build();
        // the manager's client, with a 2 s request timeout; the fault below makes every list of it slower than that
        Config impatient = new ConfigBuilder(config).withRequestTimeout(2000).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
             KubernetesClient manager = new KubernetesClientBuilder().withConfig(impatient)
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build()) {
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("settings").endMetadata().addToData("k", "v").build()).create();
            // every list answers after 5 s, past the request timeout: an API server too slow to answer
            server.faults().install(FaultPlan.of(1, Rule.of(Kind.SLOW, 1).onVerbs("list").onResources("configmaps")
                    .after(Duration.ofSeconds(5))));

            ResourceCache<ConfigMap> cache = new ResourceCache<>(manager.configMaps(), List.of(), null);
            Future<Void> started = cache.start();
            Await.until("the first list and its retry timed out, or the start gave up", WAIT,
                    () -> server.faults().injected().getOrDefault("slow", 0L) >= 2 || started.failed());
            assertFalse(started.failed(), () -> "the start gave up: " + started.cause());

            server.faults().clear();
            Await.result(started, WAIT);
            assertEquals(Map.of("k", "v"), cache.get(new ObjectKey("default", "settings")).getData());
            cache.stop();
        } finally {
            Await.result(server.close(), WAIT);
            Await.result(vertx.close(), WAIT);
        }
    }
}
