package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The pods of one simulated workload. A scale-up creates pods that serve {@code startup} seconds later; a scale-down
 * removes the newest pods first (Kubernetes deletes pods that are not ready, then the youngest), so the pods are a
 * stack ordered by creation and also by readiness. For the replica calculator they are shown as Kubernetes pods
 * requesting one CPU each (utilization is then demand per ready pod over the capacity per replica).
 */
final class SimulatedPods {

    private final long startup;
    private long[] created = new long[16];
    private Pod[] asStarting = new Pod[16];
    private Pod[] asReady = new Pod[16];
    private int size;

    /** {@code initial} pods, ready (since long before) at {@code start}. */
    SimulatedPods(int initial, long start, long startup) {
        this.startup = startup;
        for (int i = 0; i < initial; i++) {
            push(start - startup - 3600);
        }
    }

    int count() {
        return size;
    }

    /** Pods serving at {@code t}: created at least {@code startup} before it. */
    int readyAt(long t) {
        // created[] ascends: find the first pod created after t - startup
        int i = Arrays.binarySearch(created, 0, size, t - startup);
        if (i >= 0) {
            while (i + 1 < size && created[i + 1] == t - startup) {
                i++;
            }
            return i + 1;
        }
        return -i - 1;
    }

    /** Instant the pod at {@code index} (creation order) serves from. */
    long readySince(int index) {
        return created[index] + startup;
    }

    /** Creates or removes pods at {@code t} to have {@code replicas}. */
    void scaleTo(int replicas, long t) {
        while (size > replicas) {
            size--;
            asStarting[size] = null;
            asReady[size] = null;
        }
        while (size < replicas) {
            push(t);
        }
    }

    private void push(long t) {
        if (size == created.length) {
            created = Arrays.copyOf(created, size * 2);
            asStarting = Arrays.copyOf(asStarting, size * 2);
            asReady = Arrays.copyOf(asReady, size * 2);
        }
        created[size] = t;
        size++;
    }

    /** The pods as Kubernetes shows them at {@code t}: Running, Ready once started up. */
    List<Pod> kubernetesPods(long t) {
        List<Pod> pods = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            boolean ready = created[i] + startup <= t;
            Pod[] cache = ready ? asReady : asStarting;
            if (cache[i] == null) {
                cache[i] = pod(i, ready);
            }
            pods.add(cache[i]);
        }
        return pods;
    }

    /** Name of the pod at {@code index}: creation time and position make it unique among the living pods. */
    static String name(long createdAt, int index) {
        return "pod-" + createdAt + "-" + index;
    }

    String nameOf(int index) {
        return name(created[index], index);
    }

    private Pod pod(int i, boolean ready) {
        long c = created[i];
        String transition = Instant.ofEpochSecond(ready ? c + startup : c).toString();
        return new PodBuilder()
                .withNewMetadata().withName(name(c, i)).withNamespace("backtest").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withNewResources()
                .addToRequests("cpu", new Quantity("1")).endResources().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withStartTime(Instant.ofEpochSecond(c).toString())
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(transition).endCondition().endStatus()
                .build();
    }
}
