package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.events.EventRecorder;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.ProviderOutcome;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The console's provider verdicts and the editor's preview come from the controller's own selector and planner (as
 * {@link ControllerState} hands them over), never from evaluators the console wires itself: a selector whose Static
 * evaluator answers 42 whatever the spec says is what the console reports.
 */
class ConsoleModelTest {

    private static final PortraitSelector CONTROLLERS_SELECTOR = new PortraitSelector(Map.of(PortraitProvider.Type.Static,
            (ihpa, provider, now) -> ProviderOutcome.value(new HorizontalPortraitValue("Static", 42, null), null)));
    private static final IhpaPlanner CONTROLLERS_PLANNER = new IhpaPlanner(CONTROLLERS_SELECTOR);

    private static final ControllerState STATE = new ControllerState() {
        @Override
        public Clock clock() {
            return null;
        }

        @Override
        public KubeExecutor executor() {
            return null;
        }

        @Override
        public ResourceCache<GenericKubernetesResource> ihpaCache() {
            return null;
        }

        @Override
        public ResourceCache<GenericKubernetesResource> replicaProfileCache() {
            return null;
        }

        @Override
        public ResourceCache<GenericKubernetesResource> horizontalPortraitCache() {
            return null;
        }

        @Override
        public EventRecorder ihpaEvents() {
            return null;
        }

        @Override
        public EventRecorder replicaProfileEvents() {
            return null;
        }

        @Override
        public EventRecorder horizontalPortraitEvents() {
            return null;
        }

        @Override
        public PortraitSelector portraitSelector() {
            return CONTROLLERS_SELECTOR;
        }

        @Override
        public IhpaPlanner ihpaPlanner() {
            return CONTROLLERS_PLANNER;
        }

        @Override
        public MetricsProvider metrics() {
            return null;
        }

        @Override
        public ResourceCache<CronJob> algorithmCronJobs() {
            return null;
        }

        @Override
        public String algorithmJobNamespace() {
            return "";
        }
    };

    @Test
    void theVerdictsAndThePreviewAreTheControllersOwn() {
        ConsoleModel model = new ConsoleModel(STATE, new KubernetesSerialization());
        IntelligentHorizontalPodAutoscaler ihpa = new IntelligentHorizontalPodAutoscaler();
        ihpa.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("web").build());
        IntelligentHorizontalPodAutoscalerSpec spec = new IntelligentHorizontalPodAutoscalerSpec();
        PortraitProvider p = new PortraitProvider();
        p.type = PortraitProvider.Type.Static;
        p.priority = 1;
        p._static = new PortraitProvider.Static();
        p._static.replicas = 3;
        spec.portraitProviders = List.of(p);
        ihpa.setSpec(spec);
        assertEquals(42, model.selection(ihpa, Instant.EPOCH).value().replicas);
        assertSame(CONTROLLERS_PLANNER, model.planner());
    }
}
