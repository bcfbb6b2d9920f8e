package io.kapacitystack.kapacity.workload;

/** The autoscaling/v1 Scale of a target: desired and current replicas and the pod selector string. */
public final class ScaleInfo {
    public final int specReplicas;
    public final int statusReplicas;
    public final String selector;

    public ScaleInfo(int specReplicas, int statusReplicas, String selector) {
        this.specReplicas = specReplicas;
        this.statusReplicas = statusReplicas;
        this.selector = selector;
    }

    @Override
    public String toString() {
        return "spec=" + specReplicas + " status=" + statusReplicas + " selector=" + selector;
    }
}
