package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;

/**
 * What the console reads from the running controllers: their caches, their event recorders, their clock, and the
 * executor its writes go through. The controller manager provides it; the console does not depend on the manager
 * (docs/architecture.md, "Rules the code keeps").
 */
public interface ControllerState {

    Clock clock();

    KubeExecutor executor();

    ResourceCache<GenericKubernetesResource> ihpaCache();

    ResourceCache<GenericKubernetesResource> replicaProfileCache();

    ResourceCache<GenericKubernetesResource> horizontalPortraitCache();

    EventRecorder ihpaEvents();

    EventRecorder replicaProfileEvents();

    EventRecorder horizontalPortraitEvents();
}
