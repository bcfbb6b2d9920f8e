package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Services with a selector get Endpoints and one discovery.k8s.io/v1 EndpointSlice: ready pods under
 * {@code addresses}, running-but-not-ready pods under {@code notReadyAddresses} (slice: ready=false), pods being
 * deleted left out of Endpoints (slice: terminating=true), pods without an IP yet left out entirely.
 */
final class EndpointsController {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EndpointsController.class);

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final KubernetesClient client;

    EndpointsController(KubernetesClient client) {
        this.client = client;
    }

    /** One Service: its Endpoints and EndpointSlice from the pods its selector picks. */
    void reconcile(World world, Service service) {
        Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            return;
        }
        List<Pod> pods = world.podsIn(service.getMetadata().getNamespace()).stream()
                .filter(p -> matches(selector, p.getMetadata().getLabels()))
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        syncEndpoints(service, pods);
        syncSlice(service, pods);
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return labels != null && selector.entrySet().stream()
                .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    private void syncEndpoints(Service service, List<Pod> pods) {
        List<EndpointAddress> ready = new ArrayList<>();
        List<EndpointAddress> notReady = new ArrayList<>();
        for (Pod pod : pods) {
            if (World.isTerminating(pod)) {
                continue;
            }
            EndpointAddress address = new EndpointAddressBuilder().withIp(pod.getStatus().getPodIP())
                    .withNodeName(pod.getSpec().getNodeName())
                    .withTargetRef(new ObjectReferenceBuilder().withKind("Pod")
                            .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                            .withUid(pod.getMetadata().getUid()).build())
                    .build();
            (PodConditions.isReady(pod) ? ready : notReady).add(address);
        }
        List<EndpointSubset> subsets = ready.isEmpty() && notReady.isEmpty() ? List.of()
                : List.of(new EndpointSubsetBuilder().withAddresses(ready).withNotReadyAddresses(notReady)
                .withPorts(ports(service, pods)).build());
        String ns = service.getMetadata().getNamespace();
        Endpoints existing = client.endpoints().inNamespace(ns).withName(service.getMetadata().getName()).get();
        if (existing != null && Objects.equals(normalize(existing.getSubsets()), normalize(subsets))) {
            return;
        }
        Endpoints desired = new EndpointsBuilder().withNewMetadata().withName(service.getMetadata().getName())
                .withNamespace(ns).withLabels(service.getMetadata().getLabels()).endMetadata()
                .withSubsets(subsets).build();
        if (existing == null) {
            client.endpoints().inNamespace(ns).resource(desired).create();
        } else {
            existing.setSubsets(subsets);
            client.endpoints().inNamespace(ns).resource(existing).update();
        }
    }

    private void syncSlice(Service service, List<Pod> pods) {
        String ns = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName() + "-" + Integer.toHexString(
                service.getMetadata().getName().hashCode() & 0xfffff);
        List<Endpoint> endpoints = new ArrayList<>();
        for (Pod pod : pods) {
            boolean terminating = World.isTerminating(pod);
            boolean ready = PodConditions.isReady(pod);
            endpoints.add(new EndpointBuilder().withAddresses(pod.getStatus().getPodIP())
                    .withNewConditions().withReady(ready && !terminating).withServing(ready)
                    .withTerminating(terminating).endConditions()
                    .withNodeName(pod.getSpec().getNodeName())
                    .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(ns)
                            .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build())
                    .build());
        }
        List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = new ArrayList<>();
        for (EndpointPort p : ports(service, pods)) {
            ports.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(p.getName())
                    .withPort(p.getPort()).withProtocol(p.getProtocol()).build());
        }
        EndpointSlice existing = client.discovery().v1().endpointSlices().inNamespace(ns).withName(name).get();
        if (existing != null && Objects.equals(existing.getEndpoints(), endpoints)
                && Objects.equals(existing.getPorts(), ports)) {
            return;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(SERVICE_NAME_LABEL, service.getMetadata().getName());
        labels.put("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        EndpointSlice desired = new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withLabels(labels).withOwnerReferences(PodFactory.controllerRef(service)).endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints).withPorts(ports).build();
        if (existing == null) {
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(desired).create();
        } else {
            existing.setEndpoints(endpoints);
            existing.setPorts(ports);
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(existing).update();
        }
    }

    /** Service ports with target ports resolved against the pods' named container ports. */
    private static List<EndpointPort> ports(Service service, List<Pod> pods) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : service.getSpec().getPorts() == null ? List.<ServicePort>of() : service.getSpec().getPorts()) {
            IntOrString target = sp.getTargetPort();
            Integer port = sp.getPort();
            if (target != null && target.getIntVal() != null) {
                port = target.getIntVal();
            } else if (target != null && target.getStrVal() != null) {
                port = pods.stream().flatMap(p -> p.getSpec().getContainers().stream())
                        .flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
                        .filter(cp -> target.getStrVal().equals(cp.getName())).map(cp -> cp.getContainerPort())
                        .findFirst().orElse(sp.getPort());
            }
            out.add(new EndpointPortBuilder().withName(sp.getName()).withPort(port)
                    .withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol()).build());
        }
        return out;
    }

    private static List<EndpointSubset> normalize(List<EndpointSubset> subsets) {
        if (subsets == null) {
            return List.of();
        }
        List<EndpointSubset> out = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            out.add(new EndpointSubsetBuilder(s)
                    .withAddresses(s.getAddresses() == null ? List.of() : s.getAddresses())
                    .withNotReadyAddresses(s.getNotReadyAddresses() == null ? List.of() : s.getNotReadyAddresses())
                    .build());
        }
        return out;
    }
}
