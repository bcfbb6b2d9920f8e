package io.kapacitystack.kapacity.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Instant;
import java.util.Map;

/** Pods as a kubelet reports them, for tests on an API without one. */
public final class Pods {

    private Pods() {
    }

    /** A Running, Ready pod labelled {@code app=<app>}, one container requesting {@code cpu}, up since {@code since}. */
    public static Pod running(String namespace, String name, String app, String cpu, Instant since) {
        String t = since.toString();
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(Map.of("app", app))
                .endMetadata().withNewSpec().addNewContainer().withName(app).withImage(app).withNewResources()
                .withRequests(Map.of("cpu", new Quantity(cpu))).endResources().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withStartTime(t).addNewCondition().withType("Ready")
                .withStatus("True").withLastTransitionTime(t).endCondition().endStatus().build();
    }
}
