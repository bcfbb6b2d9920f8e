package io.kapacitystack.kapacity.autoscaler;

/** How many pods the ReplicaProfile should have in each state. */
public final class ReplicaData {
    public final int online;
    public final int cutoff;
    public final int standby;

    public ReplicaData(int online, int cutoff, int standby) {
        this.online = online;
        this.cutoff = cutoff;
        this.standby = standby;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplicaData && ((ReplicaData) o).online == online && ((ReplicaData) o).cutoff == cutoff
                && ((ReplicaData) o).standby == standby;
    }

    @Override
    public int hashCode() {
        return (online * 31 + cutoff) * 31 + standby;
    }

    @Override
    public String toString() {
        return "online=" + online + " cutoff=" + cutoff + " standby=" + standby;
    }
}
