package io.kapacitystack.kapacity.metrics;

/** The query types of Kapacity's {@code pkg/metric/query.go}, with Kapacity's internal names. */
public enum QueryType {
    POD_RESOURCE("PodResource"),
    CONTAINER_RESOURCE("ContainerResource"),
    WORKLOAD_RESOURCE("WorkloadResource"),
    WORKLOAD_CONTAINER_RESOURCE("WorkloadContainerResource"),
    OBJECT("Object"),
    EXTERNAL("External"),
    WORKLOAD_EXTERNAL("WorkloadExternal");

    private final String internalName;

    QueryType(String internalName) {
        this.internalName = internalName;
    }

    public String internalName() {
        return internalName;
    }

    @Override
    public String toString() {
        return internalName;
    }
}
