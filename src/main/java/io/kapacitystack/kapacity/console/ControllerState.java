package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;

/**
 * What the console reads from the running controllers: their caches, their event recorders, their clock, the
 * executor its writes go through, and the controller's own provider selector and planner (so the console's verdicts
 * and previews are the controller's). The controller manager provides it; the console does not depend on the manager
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

    /** The IHPA controller's provider selector (portrait.PortraitEvaluators). */
    PortraitSelector portraitSelector();

    /** The IHPA controller's planner, over {@link #portraitSelector()}. */
    IhpaPlanner ihpaPlanner();

    /** The metrics the controllers read (actual traffic and ready pods for the forecast chart); null when none. */
    MetricsProvider metrics();

    /** The CronJobs of the algorithm-job namespace (the ExternalJob algorithm's runs); null without that namespace. */
    ResourceCache<CronJob> algorithmCronJobs();

    /** The namespace of the algorithm jobs, "" when none is set. */
    String algorithmJobNamespace();
}
