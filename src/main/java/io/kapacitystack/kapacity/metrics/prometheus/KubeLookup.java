package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.GroupKind;
import io.kapacitystack.kapacity.metrics.Selector;
import io.vertx.core.Future;

import java.util.List;

/**
 * What the Prometheus provider needs to know about the cluster (Kapacity's {@code pkg/metric/provider/prometheus/query.go}): pod names for selector-based pod
 * queries (Kapacity reads its informer cache), the resource of a kind (a REST mapping) and object names for
 * selector-based object queries. The manager wires this to its caches.
 */
public interface KubeLookup {

    /** Names of the pods in {@code namespace} ("" = all) whose labels match {@code selector}. */
    Future<List<String>> podNames(String namespace, Selector selector);

    /** The API resource of a kind, e.g. {@code networking.k8s.io/Ingress} → {@code (networking.k8s.io, ingresses)}. */
    Future<PrometheusConfig.GroupResource> resourceFor(GroupKind groupKind);

    /** Names of the objects of a kind in {@code namespace} ("" = cluster-scoped or all) matching {@code selector}. */
    Future<List<String>> objectNames(GroupKind groupKind, String namespace, Selector selector);
}
