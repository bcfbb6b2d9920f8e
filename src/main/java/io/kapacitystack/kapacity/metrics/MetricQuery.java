package io.kapacitystack.kapacity.metrics;

/**
 * One metrics query (Kapacity's {@code pkg/metric/query.go}). Strings are never null ("" when absent); where a query identifies objects by
 * {@code name} or {@code selector}, a non-empty name wins and the selector is then null.
 */
public sealed interface MetricQuery {

    QueryType type();

    /** Resource usage ({@code cpu} in cores, {@code memory} in bytes) of one pod or of the pods a selector picks. */
    record PodResource(String namespace, String name, Selector selector, String resourceName) implements MetricQuery {
        public PodResource {
            namespace = nz(namespace);
            name = nz(name);
            selector = name.isEmpty() ? selectorOrAll(selector) : null;
            resourceName = nz(resourceName);
        }

        @Override
        public QueryType type() {
            return QueryType.POD_RESOURCE;
        }
    }

    /** As {@link PodResource}, for one container of each pod. */
    record ContainerResource(String namespace, String name, Selector selector, String resourceName,
                             String containerName) implements MetricQuery {
        public ContainerResource {
            namespace = nz(namespace);
            name = nz(name);
            selector = name.isEmpty() ? selectorOrAll(selector) : null;
            resourceName = nz(resourceName);
            containerName = nz(containerName);
        }

        @Override
        public QueryType type() {
            return QueryType.CONTAINER_RESOURCE;
        }
    }

    /** Total resource usage of a workload's pods (only its ready pods if {@code readyPodsOnly}). */
    record WorkloadResource(GroupKind groupKind, String namespace, String name, String resourceName,
                            boolean readyPodsOnly) implements MetricQuery {
        public WorkloadResource {
            groupKind = gk(groupKind);
            namespace = nz(namespace);
            name = nz(name);
            resourceName = nz(resourceName);
        }

        @Override
        public QueryType type() {
            return QueryType.WORKLOAD_RESOURCE;
        }
    }

    /** As {@link WorkloadResource}, for one container of each pod. */
    record WorkloadContainerResource(GroupKind groupKind, String namespace, String name, String resourceName,
                                     String containerName, boolean readyPodsOnly) implements MetricQuery {
        public WorkloadContainerResource {
            groupKind = gk(groupKind);
            namespace = nz(namespace);
            name = nz(name);
            resourceName = nz(resourceName);
            containerName = nz(containerName);
        }

        @Override
        public QueryType type() {
            return QueryType.WORKLOAD_CONTAINER_RESOURCE;
        }
    }

    /** A metric describing Kubernetes objects (e.g. an Ingress); namespace "" = cluster-scoped objects. */
    record ObjectQuery(GroupKind groupKind, String namespace, String name, Selector selector,
                       MetricIdentifier metric) implements MetricQuery {
        public ObjectQuery {
            groupKind = gk(groupKind);
            namespace = nz(namespace);
            name = nz(name);
            selector = name.isEmpty() ? selectorOrAll(selector) : null;
            metric = metric == null ? new MetricIdentifier("", null) : metric;
        }

        @Override
        public QueryType type() {
            return QueryType.OBJECT;
        }
    }

    /** A metric not tied to a Kubernetes object. */
    record External(String namespace, MetricIdentifier metric) implements MetricQuery {
        public External {
            namespace = nz(namespace);
            metric = metric == null ? new MetricIdentifier("", null) : metric;
        }

        @Override
        public QueryType type() {
            return QueryType.EXTERNAL;
        }
    }

    /** An external metric restricted to the pods of one workload (e.g. {@code ready_pods_count}). */
    record WorkloadExternal(GroupKind groupKind, String namespace, String name, MetricIdentifier metric)
            implements MetricQuery {
        public WorkloadExternal {
            groupKind = gk(groupKind);
            namespace = nz(namespace);
            name = nz(name);
            metric = metric == null ? new MetricIdentifier("", null) : metric;
        }

        @Override
        public QueryType type() {
            return QueryType.WORKLOAD_EXTERNAL;
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Selector selectorOrAll(Selector s) {
        return s == null ? Selector.everything() : s;
    }

    private static GroupKind gk(GroupKind g) {
        return g == null ? new GroupKind("", "") : g;
    }
}
