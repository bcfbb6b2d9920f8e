package io.kapacitystack.kapacity.manager;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which pod updates wake the ReplicaProfile controller (Kapacity's "state changed" predicate, plus running labels). */
class PodWatchPredicateTest {

    private static Pod pod(String phase, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withLabels(labels).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build();
    }

    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final Map<String, String> WEB_V2 = Map.of("app", "web", "version", "2");
    private static final Map<String, String> CUTOFF = Map.of("app", "web", "kapacitystack.io/pod-state", "Cutoff");

    static Stream<Arguments> updates() {
        return Stream.of(
                Arguments.of("a pending pod's labels change: no (Kapacity: neither old nor new running)",
                        pod("Pending", WEB), pod("Pending", WEB_V2), false),
                Arguments.of("a failed pod's state label changes: no", pod("Failed", WEB), pod("Failed", CUTOFF), false),
                Arguments.of("a pod starts running: yes", pod("Pending", WEB), pod("Running", WEB), true),
                Arguments.of("a pod stops running: yes", pod("Running", WEB), pod("Succeeded", WEB), true),
                Arguments.of("a running pod changes state: yes", pod("Running", WEB), pod("Running", CUTOFF), true),
                Arguments.of("a running pod's other labels change (selector match may change): yes",
                        pod("Running", WEB), pod("Running", WEB_V2), true),
                Arguments.of("a running pod's status only: no", pod("Running", WEB), pod("Running", WEB), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void wakesTheProfileController(String name, Pod before, Pod after, boolean wakes) {
        assertEquals(wakes, ControllerManager.podStateChanged(before, after));
    }
}
