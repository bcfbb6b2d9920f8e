package io.kapacitystack.kapacity.manager;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Lease-based leader election (Lease {@code kapacity-manager.kapacitystack.io}, Kapacity's lock name, so a rolling
 * upgrade from Kapacity hands over cleanly). Only the leader runs reconcilers; caches and probes run everywhere.
 * Lease timing is real time on purpose: it coordinates real processes.
 */
public final class LeaderElection {

    private final LeaderElector elector;
    private CompletableFuture<?> running;

    public LeaderElection(KubernetesClient client, String namespace, String name, String identity,
                          Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
                          Runnable onStartLeading, Runnable onStopLeading, Consumer<String> onNewLeader) {
        this.elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(name)
                .withLock(new LeaseLock(namespace, name, identity))
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(renewDeadline)
                .withRetryPeriod(retryPeriod)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(onStartLeading::run, onStopLeading::run, onNewLeader::accept))
                .build()).build();
    }

    public static LeaderElection standard(KubernetesClient client, String namespace, String name, String identity,
                                          Runnable onStartLeading, Runnable onStopLeading, Consumer<String> onNewLeader) {
        return new LeaderElection(client, namespace, name, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), onStartLeading, onStopLeading, onNewLeader);
    }

    public void start() {
        running = elector.start();
    }

    /** Gives up leadership (the Lease is released so another replica takes over at once). */
    public void stop() {
        if (running != null) {
            running.cancel(true);
        }
    }
}
