package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kapacitystack.kapacity.predictive.PredictJob;
import io.kapacitystack.kapacity.predictive.PredictOptions;
import io.kapacitystack.kapacity.runtime.time.SystemClock;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code java -jar kapacity.jar predict [flags]}: the built-in predictive algorithm job (docs/predictive.md). */
public final class PredictCommand {

    private PredictCommand() {
    }

    public static int run(String[] args) {
        PredictOptions o;
        try {
            o = PredictOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("Usage: kapacity.jar predict [flags]  (env METRICS_SERVER_ADDR, HP_NAMESPACE, HP_NAME)\n"
                    + PredictOptions.flags().usage());
            return 2;
        }
        Vertx vertx = Vertx.vertx();
        try {
            Config config;
            if (o.kubeconfig().isEmpty()) {
                config = new ConfigBuilder().build();
            } else {
                config = Config.fromKubeconfig(null, Files.readString(Path.of(o.kubeconfig())), o.kubeconfig());
            }
            config.setUserAgent("kapacity-predict");
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                return new PredictJob(client, vertx, new SystemClock(vertx)).run(o);
            }
        } catch (IOException e) {
            System.err.println("cannot read kubeconfig " + o.kubeconfig() + ": " + e.getMessage());
            return 2;
        } finally {
            vertx.close();
        }
    }
}
