package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PodStateChangeTest {

    @Test
    void statefulSetCutsOffHighestOrdinalsFirstAndBringsBackLowestFirst() {
        List<Pod> pods = sts(5, "", "", "", "", "");
        PodStateChange step1 = PodStateChange.calculate(PodStates.classify(pods), 3, 2, 0, PodSorter.forKind("StatefulSet"));
        assertEquals(List.of("web-3", "web-4"), names(step1.to(PodState.Cutoff)));
        assertTrue(step1.to(PodState.Online).isEmpty());

        List<Pod> after = sts(5, "", "", "", "Cutoff", "Cutoff");
        PodStateChange back = PodStateChange.calculate(PodStates.classify(after), 4, 1, 0, PodSorter.forKind("StatefulSet"));
        assertEquals(List.of("web-3"), names(back.to(PodState.Online)), "the pod least likely to be removed comes back");
        assertTrue(back.to(PodState.Cutoff).isEmpty());
    }

    @Test
    void cutoffPodsLeaveThroughDeletedWhenTheGrayEnds() {
        List<Pod> pods = sts(5, "", "Cutoff", "Cutoff", "Cutoff", "Cutoff");
        PodStateChange end = PodStateChange.calculate(PodStates.classify(pods), 1, 0, 0, PodSorter.forKind("StatefulSet"));
        assertEquals(List.of("web-1", "web-2", "web-3", "web-4"), names(end.to(PodState.Deleted)));
        assertTrue(end.to(PodState.Standby).isEmpty(), "a pod that cascades through Standby is named once, in its final state");
    }

    @Test
    void cascadeToStandbyIsReportedAsStandby() {
        // online 4 -> online 2, standby 2: pods pass Cutoff on their way and must end with traffic cut (upstream kept it)
        PodStateChange c = PodStateChange.calculate(PodStates.classify(sts(4, "", "", "", "")), 2, 0, 2, PodSorter.forKind("StatefulSet"));
        assertEquals(List.of("web-2", "web-3"), names(c.to(PodState.Standby)));
        assertTrue(c.to(PodState.Cutoff).isEmpty());
    }

    @Test
    void replicaSetOrderIsNotReadyThenDeletionCostThenNewest() {
        List<Pod> pods = new ArrayList<>();
        pods.add(pod("a", true, null, "2026-11-23T08:00:00Z"));
        pods.add(pod("b", true, "100", "2026-11-23T08:05:00Z"));
        pods.add(pod("c", false, null, "2026-11-23T07:00:00Z"));
        pods.add(pod("d", true, null, "2026-11-23T08:10:00Z"));
        pods.add(pod("e", true, "-5", "2026-11-23T06:00:00Z"));
        List<String> order = pods.stream().sorted(PodSorter.forKind("Deployment")).map(p -> p.getMetadata().getName())
                .collect(Collectors.toList());
        assertEquals(List.of("c", "e", "d", "a", "b"), order);
    }

    static List<Pod> sts(int n, String... states) {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PodBuilder b = new PodBuilder().withNewMetadata().withName("web-" + i).addToLabels("app", "web").endMetadata()
                    .withNewStatus().withPhase("Running").endStatus();
            if (!states[i].isEmpty()) {
                b.editMetadata().addToLabels("kapacitystack.io/pod-state", states[i]).endMetadata();
            }
            pods.add(b.build());
        }
        return pods;
    }

    static Pod pod(String name, boolean ready, String cost, String created) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .endCondition().endStatus();
        if (cost != null) {
            b.editMetadata().addToAnnotations(PodSorter.DELETION_COST, cost).endMetadata();
        }
        return b.build();
    }

    static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toList());
    }
}
