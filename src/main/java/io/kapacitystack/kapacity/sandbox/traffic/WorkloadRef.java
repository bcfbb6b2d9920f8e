package io.kapacitystack.kapacity.sandbox.traffic;

/** A workload that receives traffic: kind StatefulSet, Deployment or ReplicaSet. */
public record WorkloadRef(String kind, String namespace, String name) {
}
