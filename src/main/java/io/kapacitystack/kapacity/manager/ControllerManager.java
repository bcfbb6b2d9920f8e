package io.kapacitystack.kapacity.manager;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.autoscaler.IhpaReconciler;
import io.kapacitystack.kapacity.console.ControllerState;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmCronJob;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmResult;
import io.kapacitystack.kapacity.horizontalportrait.ExternalAlgorithmJobs;
import io.kapacitystack.kapacity.horizontalportrait.HorizontalPortraitReconciler;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.reactive.ReactiveGenerator;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.PortraitEvaluators;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.replicaprofile.PodStates;
import io.kapacitystack.kapacity.replicaprofile.ReplicaProfileReconciler;
import io.kapacitystack.kapacity.runtime.Controller;
import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.kapacitystack.kapacity.workload.CachedScales;
import io.kapacitystack.kapacity.workload.ScaleClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.kapacitystack.kapacity.stream.ScalingEventPublisher;
import java.util.ArrayList;
import java.util.stream.Collectors;

/**
 * Wires the controllers to one Kubernetes API: caches (informers), work queues, reconcilers. The same wiring serves a
 * real cluster ({@code manager}), the sandbox and the tests; only the client and the clock differ.
 */
public final class ControllerManager implements ControllerState {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

    public static final class Settings {
        public List<String> namespaces = List.of();
        public String labelSelector = "";
        public int concurrency = 1;
        public double qps = 20;
        public int burst = 30;
        public int apiWorkers = 8;
        public String standbyCpuFloor = "10m";
        public String standbyMemoryFloor = "32Mi";
        /** The {@code --algorithm-job-*} flags; without a namespace, ExternalJob portraits report that no jobs run. */
        public AlgorithmCronJob.Settings algorithmJobs = AlgorithmCronJob.Settings.none();
    }

    private final Vertx vertx;
    private final Clock clock;
    private final ControllerMetrics metrics;
    private final KubeExecutor executor;
    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final ResourceCache<GenericKubernetesResource> profiles;
    private final ResourceCache<GenericKubernetesResource> portraits;
    private final ResourceCache<Pod> pods;
    private final ResourceCache<StatefulSet> statefulSets;
    private final ResourceCache<Deployment> deployments;
    /** Both null without an algorithm-job namespace. */
    private final ResourceCache<ConfigMap> configMaps;
    private final ResourceCache<CronJob> cronJobs;
    private final ResourceCache<HorizontalPodAutoscaler> hpas;
    private final Controller ihpaController;
    private final Controller rpController;
    private final Controller hpController;
    private final HorizontalPortraitReconciler hpReconciler;
    private final IhpaReconciler ihpaReconciler;
    private final EventRecorder hpEvents;
    private final EventRecorder ihpaEvents;
    private final EventRecorder rpEvents;
    private final PortraitSelector portraitSelector;
    private final String algorithmJobNamespace;
    private final IhpaPlanner ihpaPlanner;
    private volatile MetricsProvider metricsProvider;
    private volatile boolean running;

    public ControllerManager(Vertx vertx, KubernetesClient client, Clock clock, ControllerMetrics metrics, Settings s) {
        this.vertx = vertx;
        this.clock = clock;
        this.metrics = metrics;
        this.executor = new KubeExecutor(vertx, s.qps, s.burst, s.apiWorkers);
        this.ihpas = new ResourceCache<>(client.genericKubernetesResources(IntelligentHorizontalPodAutoscaler.IHPA_CONTEXT), s.namespaces, s.labelSelector);
        this.profiles = new ResourceCache<>(client.genericKubernetesResources(ReplicaProfile.RP_CONTEXT), s.namespaces, s.labelSelector);
        this.portraits = new ResourceCache<>(client.genericKubernetesResources(HorizontalPortrait.HP_CONTEXT), s.namespaces, s.labelSelector)
                .indexByController();
        this.pods = new ResourceCache<>(client.pods(), s.namespaces, s.labelSelector);
        // Scale targets, for reading a target's scale without an API call on every reactive sync. Not filtered by the
        // object label selector: that selects Kapacity's objects, not the workloads they scale.
        this.statefulSets = new ResourceCache<>(client.apps().statefulSets(), s.namespaces, "");
        this.deployments = new ResourceCache<>(client.apps().deployments(), s.namespaces, "");
        // HPAs, to leave a workload an HPA scales to it (ScaleTargetClaims); not Kapacity's objects, so not filtered.
        this.hpas = new ResourceCache<>(client.autoscaling().v2().horizontalPodAutoscalers(), s.namespaces, "");

        // Algorithm results (<hp>-result) wake their portrait, as upstream's ConfigMap informer does; the CronJobs of
        // the algorithm-job namespace, so a job deleted by hand is put back. Without an algorithm-job namespace no
        // algorithm job runs, so neither is watched (a cluster's ConfigMaps are many).
        this.algorithmJobNamespace = s.algorithmJobs.namespace();
        boolean jobs = !algorithmJobNamespace.isEmpty();
        this.configMaps = jobs ? new ResourceCache<>(client.configMaps(), s.namespaces, "") : null;
        this.cronJobs = jobs ? new ResourceCache<>(client.batch().v1().cronjobs(), List.of(s.algorithmJobs.namespace()), "")
                : null;

        ScaleClient scales = new ScaleClient(client, executor);
        this.ihpaEvents = new EventRecorder(client, executor, clock, IhpaReconciler.COMPONENT);
        this.rpEvents = new EventRecorder(client, executor, clock, ReplicaProfileReconciler.COMPONENT);
        this.hpEvents = new EventRecorder(client, executor, clock, HorizontalPortraitReconciler.COMPONENT);

        // one wiring of the evaluators, shared with the console (its verdicts and preview are the controller's)
        this.portraitSelector = PortraitEvaluators.selector(portraits, client.getKubernetesSerialization());
        this.ihpaPlanner = new IhpaPlanner(portraitSelector);

        this.ihpaReconciler = new IhpaReconciler(client, executor, ihpas, portraits, scales, ihpaEvents, ihpaPlanner, metrics)
                .rivals(profiles, hpas);
        ReplicaProfileReconciler rpReconciler = new ReplicaProfileReconciler(client, executor, profiles, pods, scales, rpEvents, metrics);
        rpReconciler.standbyFloors(new Quantity(s.standbyCpuFloor),
                new Quantity(s.standbyMemoryFloor));
        this.ihpaController = new Controller("intelligenthorizontalpodautoscaler", vertx, clock, ihpaReconciler, s.concurrency, metrics);
        this.rpController = new Controller("replicaprofile", vertx, clock, rpReconciler, s.concurrency, metrics);
        this.hpReconciler = new HorizontalPortraitReconciler(client, executor, portraits, ihpas,
                new CachedScales(statefulSets, deployments, scales), hpEvents);
        hpReconciler.externalJobs(new ExternalAlgorithmJobs(client, executor, s.algorithmJobs, cronJobs, configMaps));
        this.hpController = new Controller("horizontalportrait", vertx, clock, hpReconciler, s.concurrency, metrics);

        watchIhpas();
        watchHpas();
        watchProfiles();
        watchPortraits();
        if (jobs) {
            watchAlgorithmJobs();
        }
        watchPods(rpReconciler);
    }

    private void watchIhpas() {
        // An IHPA or profile that comes, changes or goes may hand a shared target to another IHPA (ScaleTargetClaims).
        ihpas.onEvent(o -> {
                    ihpaController.enqueue(ObjectKey.of(o));
                    ihpaReconciler.ihpasSharingTarget(o).forEach(ihpaController::enqueue);
                },
                (o, n) -> {
                    if (KubeObjects.specOrDeletionChanged(o, n)) {
                        ihpaController.enqueue(ObjectKey.of(n));
                        ihpaReconciler.ihpasSharingTarget(o).forEach(ihpaController::enqueue);
                        ihpaReconciler.ihpasSharingTarget(n).forEach(ihpaController::enqueue);
                    }
                },
                o -> {
                    ihpaController.enqueue(ObjectKey.of(o));
                    ihpaReconciler.ihpasSharingTarget(o).forEach(ihpaController::enqueue);
                });
    }

    /** A workload an HPA scales is left to it (ScaleTargetClaims): its IHPAs re-check when the HPA's claim changes. */
    private void watchHpas() {
        hpas.onEvent(h -> enqueueIhpasOf(ihpaReconciler, h),
                (o, n) -> {
                    // HPA status changes on every sync of the HPA controller; only its target and deletion matter here.
                    if (!Objects.equals(o.getSpec(), n.getSpec())
                            || !Objects.equals(o.getMetadata().getDeletionTimestamp(), n.getMetadata().getDeletionTimestamp())) {
                        enqueueIhpasOf(ihpaReconciler, o);
                        enqueueIhpasOf(ihpaReconciler, n);
                    }
                },
                h -> enqueueIhpasOf(ihpaReconciler, h));
    }

    private void watchProfiles() {
        profiles.onEvent(o -> {
                    rpController.enqueue(ObjectKey.of(o));
                    enqueueOwner(o, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    ihpaReconciler.ihpasSharingTarget(o).forEach(ihpaController::enqueue);
                },
                (o, n) -> {
                    if (KubeObjects.specOrDeletionChanged(o, n)) {
                        rpController.enqueue(ObjectKey.of(n));
                        enqueueOwner(n, "IntelligentHorizontalPodAutoscaler", ihpaController);
                        ihpaReconciler.ihpasSharingTarget(n).forEach(ihpaController::enqueue);
                    } else if (profileReportChanged(o, n)) {
                        // a gray step waits for its pods to reach Cutoff/Standby (IhpaPlanner.grayPodsSettled), and a
                        // target the profile can no longer scale is the IHPA's to report
                        enqueueOwner(n, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    }
                },
                o -> {
                    rpController.enqueue(ObjectKey.of(o));
                    enqueueOwner(o, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    ihpaReconciler.ihpasSharingTarget(o).forEach(ihpaController::enqueue);
                });
    }

    private void watchPortraits() {
        portraits.onEvent(o -> {
                    enqueueOwner(o, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    hpController.enqueue(ObjectKey.of(o));
                },
                (o, n) -> {
                    // The IHPA reads a portrait's data and keeps its spec: conditions and current metrics, which
                    // change on most syncs, do not concern it.
                    if (KubeObjects.specOrDeletionChanged(o, n) || !Objects.equals(portraitData(o), portraitData(n))) {
                        enqueueOwner(n, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    }
                    // Status writes (our own, every sync) do not re-run generation; spec edits and deletion do.
                    if (KubeObjects.specOrDeletionChanged(o, n)) {
                        hpController.enqueue(ObjectKey.of(n));
                    }
                },
                o -> {
                    enqueueOwner(o, "IntelligentHorizontalPodAutoscaler", ihpaController);
                    hpController.enqueue(ObjectKey.of(o));
                });
    }

    /** Results wake their portrait; a CronJob deleted by hand wakes its portrait, which puts it back. */
    private void watchAlgorithmJobs() {
        configMaps.onEvent(cm -> enqueueResultPortrait(cm),
                (o, n) -> {
                    if (!Objects.equals(o.getData(), n.getData())) {
                        enqueueResultPortrait(n);
                    }
                },
                cm -> { });
        cronJobs.onEvent(job -> { }, (o, n) -> { }, job -> enqueuePortraitOf(job));
    }

    private void watchPods(ReplicaProfileReconciler rpReconciler) {
        pods.onEvent(p -> rpReconciler.profilesSelecting(p).forEach(rpController::enqueue),
                (o, n) -> {
                    if (podStateChanged(o, n)) {
                        rpReconciler.profilesSelecting(n).forEach(rpController::enqueue);
                    }
                },
                p -> rpReconciler.profilesSelecting(p).forEach(rpController::enqueue));
    }

    /** Starts the caches; completes when they are synced. Controllers start separately, once this replica leads. */
    public Future<Void> startCaches() {
        List<Future<Void>> started = new ArrayList<>(List.of(ihpas.start(), profiles.start(), portraits.start(),
                pods.start(), statefulSets.start(), deployments.start(), hpas.start()));
        if (cronJobs != null) {
            started.add(configMaps.start());
            started.add(cronJobs.start());
        }
        return Future.all(started).mapEmpty();
    }

    public void startControllers() {
        running = true;
        ihpaController.start();
        rpController.start();
        hpController.start();
        LOG.info("controllers started");
    }

    public Future<Void> stop() {
        running = false;
        // Informer shutdown closes watches and may wait for them: never on the event loop.
        return Future.all(ihpaController.stop(), rpController.stop(), hpController.stop())
                .transform(ar -> vertx.executeBlocking(() -> {
                    ihpas.stop();
                    profiles.stop();
                    portraits.stop();
                    pods.stop();
                    statefulSets.stop();
                    deployments.stop();
                    if (cronJobs != null) {
                        configMaps.stop();
                        cronJobs.stop();
                    }
                    hpas.stop();
                    return null;
                }, false))
                .onComplete(ar -> executor.close())
                .mapEmpty();
    }

    public boolean isRunning() {
        return running;
    }

    @Override
    public EventRecorder ihpaEvents() {
        return ihpaEvents;
    }

    /**
     * Gives the HorizontalPortrait controller its metrics, enabling Reactive portraits. Batching of pod metric
     * queries across portraits happens inside the generator.
     */
    public void useMetrics(MetricsProvider provider) {
        this.metricsProvider = provider;
        hpReconciler.reactiveGenerator(provider == null ? null : new ReactiveGenerator(provider, pods));
    }

    /**
     * Publishes every scaling fact of the controllers (status and ReplicaProfile writes, recorded events) to the
     * stream. Facts are made only by running controllers, so only the leader publishes.
     */
    public void scalingEvents(ScalingEventPublisher publisher) {
        ihpaReconciler.scalingListener(publisher);
        hpReconciler.resultListener(publisher);
        ihpaEvents.addListener(publisher.eventListener());
        rpEvents.addListener(publisher.eventListener());
        hpEvents.addListener(publisher.eventListener());
        metrics.addSection(publisher::scrape);
    }

    @Override
    public PortraitSelector portraitSelector() {
        return portraitSelector;
    }

    @Override
    public IhpaPlanner ihpaPlanner() {
        return ihpaPlanner;
    }

    @Override
    public MetricsProvider metrics() {
        return metricsProvider;
    }

    @Override
    public ResourceCache<CronJob> algorithmCronJobs() {
        return cronJobs;
    }

    @Override
    public String algorithmJobNamespace() {
        return algorithmJobNamespace;
    }

    @Override
    public EventRecorder horizontalPortraitEvents() {
        return hpEvents;
    }

    @Override
    public ResourceCache<GenericKubernetesResource> horizontalPortraitCache() {
        return portraits;
    }

    public Controller horizontalPortraitController() {
        return hpController;
    }

    @Override
    public EventRecorder replicaProfileEvents() {
        return rpEvents;
    }

    @Override
    public ResourceCache<GenericKubernetesResource> replicaProfileCache() {
        return profiles;
    }

    public ResourceCache<Pod> podCache() {
        return pods;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** The rate-limited worker pool for blocking API calls, shared with components wired next to the controllers. */
    @Override
    public KubeExecutor executor() {
        return executor;
    }

    @Override
    public ResourceCache<GenericKubernetesResource> ihpaCache() {
        return ihpas;
    }

    public Controller ihpaController() {
        return ihpaController;
    }

    public Controller replicaProfileController() {
        return rpController;
    }

    private static Object portraitData(GenericKubernetesResource hp) {
        Object status = hp.getAdditionalProperties().get("status");
        return status instanceof Map ? ((Map<?, ?>) status).get("portraitData") : null;
    }

    static boolean profileReportChanged(GenericKubernetesResource o, GenericKubernetesResource n) {
        Object before = o.getAdditionalProperties().get("status");
        Object after = n.getAdditionalProperties().get("status");
        return !Objects.equals(field(before, "cutoffReplicas"), field(after, "cutoffReplicas"))
                || !Objects.equals(field(before, "standbyReplicas"), field(after, "standbyReplicas"))
                || !Objects.equals(reasons(before), reasons(after));
    }

    private static Object field(Object status, String name) {
        return status instanceof Map ? ((Map<?, ?>) status).get(name) : null;
    }

    private static List<Object> reasons(Object status) {
        Object conditions = field(status, "conditions");
        if (!(conditions instanceof List)) {
            return List.of();
        }
        return ((List<?>) conditions).stream().map(c -> c instanceof Map ? ((Map<?, ?>) c).get("reason") : null)
                .collect(Collectors.toList());
    }

    private void enqueueResultPortrait(ConfigMap cm) {
        String portrait = AlgorithmResult.portraitNameOf(cm.getMetadata().getName());
        ObjectKey key = portrait == null ? null : new ObjectKey(cm.getMetadata().getNamespace(), portrait);
        if (key != null && portraits.get(key) != null) {
            hpController.enqueue(key);
        }
    }

    private void enqueuePortraitOf(CronJob job) {
        Map<String, String> annotations = job.getMetadata().getAnnotations();
        String portrait = annotations == null ? null : annotations.get(AlgorithmCronJob.PORTRAIT);
        int slash = portrait == null ? -1 : portrait.indexOf('/');
        if (slash > 0) {
            hpController.enqueue(new ObjectKey(portrait.substring(0, slash), portrait.substring(slash + 1)));
        }
    }

    private static void enqueueOwner(GenericKubernetesResource o, String kind, Controller controller) {
        OwnerReference owner = KubeObjects.controllerOf(o, kind);
        if (owner != null) {
            controller.enqueue(new ObjectKey(o.getMetadata().getNamespace(), owner.getName()));
        }
    }

    /**
     * A pod matters to a profile when it starts or stops running, or, while running, changes state or labels (labels
     * can move it into or out of a profile's selector). A pod that neither was nor is running never counts, as in
     * Kapacity's predicate, whatever its labels do.
     */
    static boolean podStateChanged(Pod o, Pod n) {
        boolean wasRunning = PodStates.isRunning(o);
        boolean isRunning = PodStates.isRunning(n);
        if (wasRunning != isRunning) {
            return true;
        }
        if (!isRunning) {
            return false;
        }
        return PodStates.stateOf(o) != PodStates.stateOf(n)
                || !Objects.equals(o.getMetadata().getLabels(), n.getMetadata().getLabels());
    }

    private void enqueueIhpasOf(IhpaReconciler reconciler, HorizontalPodAutoscaler hpa) {
        if (hpa.getSpec() == null || hpa.getSpec().getScaleTargetRef() == null) {
            return;
        }
        CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
        reconciler.ihpasTargeting(hpa.getMetadata().getNamespace(), ref.getApiVersion(), ref.getKind(), ref.getName())
                .forEach(ihpaController::enqueue);
    }
}
