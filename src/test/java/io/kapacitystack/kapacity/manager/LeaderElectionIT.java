package io.kapacitystack.kapacity.manager;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two replicas, one Lease: only one leads; when it steps down the other takes over. */
class LeaderElectionIT {

    @Test
    void onlyOneReplicaLeadsAndLeadershipMovesOnRelease() throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        try (MockCluster cluster = new MockCluster(vertx)) {
            cluster.namespace("kapacity-system");
            AtomicBoolean aLeads = new AtomicBoolean();
            AtomicBoolean bLeads = new AtomicBoolean();
            LeaderElection a = election(cluster, "a", aLeads);
            a.start();
            Await.until("a to lead", aLeads::get);
            LeaderElection b = election(cluster, "b", bLeads);
            b.start();
            Lease lease = cluster.client.leases().inNamespace("kapacity-system").withName("kapacity-manager.kapacitystack.io").get();
            assertEquals("a", lease.getSpec().getHolderIdentity());
            // Proving a negative takes time: let b retry several times (retry period 200 ms) while a holds the lease.
            Thread.sleep(1500);
            assertFalse(bLeads.get(), "a second replica must not lead while the lease is held");
            a.stop();
            Await.until("b to take over", Duration.ofSeconds(20), bLeads::get);
            assertFalse(aLeads.get());
            assertTrue(bLeads.get());
            b.stop();
        } finally {
            vertx.close();
        }
    }

    private static LeaderElection election(MockCluster cluster, String id, AtomicBoolean leads) {
        return new LeaderElection(cluster.client, "kapacity-system", "kapacity-manager.kapacitystack.io", id,
                Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(200),
                () -> leads.set(true), () -> leads.set(false), leader -> { });
    }
}
