package io.kapacitystack.kapacity.autoscaler;

/** How many pods a ReplicaProfile should have in each state: the numbers of its spec. */
public record ReplicaCounts(int online, int cutoff, int standby) {

    @Override
    public String toString() {
        return "online=" + online + " cutoff=" + cutoff + " standby=" + standby;
    }
}
