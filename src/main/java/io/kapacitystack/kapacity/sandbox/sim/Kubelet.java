package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.sandbox.api.SandboxDispatcher;
import io.kapacitystack.kapacity.sandbox.api.Timestamps;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The node agent of every fake node: pods go Pending (ContainerCreating) → Running with containers ready after
 * the start-up delay; {@code Ready} is True only when containers are ready AND every readiness gate's condition
 * is True; pods marked for deletion disappear once their grace period has passed (the kubelet finalizer is
 * dropped). Each pod gets a fake IP from the 10.244.0.0/16 range when it starts.
 */
final class Kubelet {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Kubelet.class);

    private final KubernetesClient client;
    private final Duration startupDelay;
    private final List<PodRunningHook> runningHooks;
    private final WakeUps wakeUps;
    private final Map<String, String> ipsByPodUid = new ConcurrentHashMap<>();
    private int nextIp = 2;

    Kubelet(KubernetesClient client, Duration startupDelay, List<PodRunningHook> runningHooks,
            WakeUps wakeUps) {
        this.client = client;
        this.startupDelay = startupDelay;
        this.runningHooks = runningHooks;
        this.wakeUps = wakeUps;
    }

    /** One pod: its status after the start-up delay, or its removal once its grace period is over. */
    void reconcile(Pod pod, Instant now) {
        if (World.isTerminating(pod)) {
            terminate(pod, now);
        } else if (!JobController.isTerminal(pod)) {
            // a finished job pod keeps the status its run ended with
            syncStatus(pod, now);
        }
    }

    private void terminate(Pod pod, Instant now) {
        Instant due = Timestamps.parse(pod.getMetadata().getDeletionTimestamp());
        if (now.isBefore(due)) {
            wakeUps.at(due, pod);
            return;
        }
        List<String> finalizers = pod.getMetadata().getFinalizers();
        if (finalizers != null && finalizers.contains(SandboxDispatcher.KUBELET_FINALIZER)) {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .edit(p -> {
                        p.getMetadata().getFinalizers().remove(SandboxDispatcher.KUBELET_FINALIZER);
                        return p;
                    });
        }
        ipsByPodUid.remove(pod.getMetadata().getUid());
    }

    private void syncStatus(Pod pod, Instant now) {
        Instant created = Timestamps.parse(pod.getMetadata().getCreationTimestamp());
        Instant startedAt = created.plus(startupDelay);
        boolean running = !now.isBefore(startedAt);
        if (!running) {
            wakeUps.at(startedAt, pod);
        }
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        Pod desired = new Pod(pod.getApiVersion(), pod.getKind(), pod.getMetadata(), pod.getSpec(), copy(old));
        PodStatus status = desired.getStatus();
        status.setPhase(running ? "Running" : "Pending");
        status.setHostIP(hostIp(pod.getSpec().getNodeName()));
        status.setStartTime(Timestamps.format(created));
        status.setQosClass(Optional.ofNullable(old.getQosClass()).orElse("Burstable"));
        if (running) {
            String ip = ipsByPodUid.computeIfAbsent(pod.getMetadata().getUid(), uid -> allocateIp());
            status.setPodIP(ip);
            status.setPodIPs(List.of(new PodIP(ip)));
        }
        status.setContainerStatuses(containerStatuses(pod, running, startedAt));
        setCondition(status, "PodScheduled", true, created);
        setCondition(status, "Initialized", true, created);
        setCondition(status, "ContainersReady", running, now);
        if (running) {
            runningHooks.forEach(h -> h.onRunning(desired, now));
        }
        setCondition(status, "Ready", running && PodConditions.gatesPass(desired), now);
        if (!Objects.equals(old, status)) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(desired).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // someone else (the readiness-gate controller) wrote the pod since it was listed: look again
                wakeUps.at(now, pod);
            }
        }
    }

    private static List<ContainerStatus> containerStatuses(Pod pod, boolean running, Instant startedAt) {
        List<ContainerStatus> out = new ArrayList<>();
        pod.getSpec().getContainers().forEach(c -> {
            ContainerState state = running
                    ? new ContainerStateBuilder().withNewRunning().withStartedAt(Timestamps.format(startedAt)).endRunning().build()
                    : new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting().build();
            out.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                    .withImageID(running ? "sandbox://" + c.getImage() : "")
                    .withContainerID(running ? "sandbox://" + pod.getMetadata().getUid() + "/" + c.getName() : null)
                    .withReady(running).withStarted(running).withRestartCount(0).withState(state).build());
        });
        return out;
    }

    /** Sets a condition, keeping its lastTransitionTime unless the status flips. */
    static void setCondition(PodStatus status, String type, boolean value, Instant now) {
        List<PodCondition> conditions = status.getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(status.getConditions());
        String wanted = value ? "True" : "False";
        for (int i = 0; i < conditions.size(); i++) {
            PodCondition c = conditions.get(i);
            if (type.equals(c.getType())) {
                if (!wanted.equals(c.getStatus())) {
                    conditions.set(i, new PodConditionBuilder(c).withStatus(wanted)
                            .withLastTransitionTime(Timestamps.format(now)).build());
                }
                status.setConditions(conditions);
                return;
            }
        }
        conditions.add(new PodConditionBuilder().withType(type).withStatus(wanted)
                .withLastTransitionTime(Timestamps.format(now)).build());
        status.setConditions(conditions);
    }

    private static PodStatus copy(PodStatus status) {
        return Serialization.clone(status);
    }

    private synchronized String allocateIp() {
        int n = nextIp++;
        return "10.244." + (n / 250) + "." + (n % 250 + 2);
    }

    private static String hostIp(String nodeName) {
        if (nodeName == null) {
            return null;
        }
        String digits = nodeName.replaceAll("\\D", "");
        return "172.18.0." + (digits.isEmpty() ? 2 : Integer.parseInt(digits) + 1);
    }
}
