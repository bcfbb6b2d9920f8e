package io.kapacitystack.kapacity.cli;

import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoscaleSpecTest {

    private static final CrossVersionObjectReference WEB = new CrossVersionObjectReference("apps/v1", "Deployment", "web");

    @Test
    void ocAutoscaleLineMakesAReactiveKubeHpaPortrait() {
        AutoscaleSpec spec = AutoscaleSpec.parse(new String[] {"deployment/web", "--min=5", "--max=7", "--cpu-percent=75"});
        IntelligentHorizontalPodAutoscaler ihpa = spec.toIhpa(WEB);
        assertEquals("web", ihpa.getMetadata().getName());
        assertEquals(5, ihpa.getSpec().minReplicas);
        assertEquals(7, ihpa.getSpec().maxReplicas);
        assertEquals(1, ihpa.getSpec().portraitProviders.size());
        PortraitProvider p = ihpa.getSpec().portraitProviders.get(0);
        assertEquals(PortraitProvider.Type.Dynamic, p.type);
        assertEquals("Reactive", p.dynamic.portraitType);
        assertEquals("KubeHPA", p.dynamic.algorithm.type);
        assertEquals("cpu", p.dynamic.metrics.get(0).resource.getName());
        assertEquals(75, p.dynamic.metrics.get(0).resource.getTarget().getAverageUtilization());
        assertEquals(List.of("cpu"), spec.percentResources());
    }

    @Test
    void minDefaultsToOneAndNoTargetMeansEightyPercentCpuAsKubectlAutoscale() {
        AutoscaleSpec spec = AutoscaleSpec.parse(new String[] {"rc/frontend", "--max", "3", "-n", "shop"});
        assertEquals(1, spec.min());
        assertEquals("shop", spec.namespace());
        assertEquals(80, spec.cpuPercent());
    }

    @Test
    void valueTargetsAndCronWindowsWithPrioritiesSoCronOverrides() {
        AutoscaleSpec spec = AutoscaleSpec.parse(new String[] {"sts/nginx", "--max=20", "--cpu-value=500m",
                "--memory-value=500Mi", "--cron", "0 8 * * 1-5 0 20 * * 1-5 10", "--cron", "@every 1h @hourly 3",
                "--name", "nginx-hours"});
        IntelligentHorizontalPodAutoscaler ihpa = spec.toIhpa(new CrossVersionObjectReference("apps/v1", "StatefulSet", "nginx"));
        assertEquals("nginx-hours", ihpa.getMetadata().getName());
        PortraitProvider cron = ihpa.getSpec().portraitProviders.get(0);
        PortraitProvider reactive = ihpa.getSpec().portraitProviders.get(1);
        assertEquals(PortraitProvider.Type.Cron, cron.type);
        assertTrue(cron.priority > reactive.priority, "a cron window overrides the reactive portrait");
        assertEquals("0 8 * * 1-5", cron.cron.crons.get(0).start);
        assertEquals("0 20 * * 1-5", cron.cron.crons.get(0).end);
        assertEquals(10, cron.cron.crons.get(0).replicas);
        assertEquals("@every 1h", cron.cron.crons.get(1).start);
        assertEquals("@hourly", cron.cron.crons.get(1).end);
        assertEquals("500m", reactive.dynamic.metrics.get(0).resource.getTarget().getAverageValue().toString());
        assertEquals("memory", reactive.dynamic.metrics.get(1).resource.getName());
        assertEquals(List.of(), spec.percentResources());
    }

    @Test
    void cronOnlyMakesNoReactivePortrait() {
        AutoscaleSpec spec = AutoscaleSpec.parse(new String[] {"deploy/web", "--max=5", "--cron", "0 * * * * 30 * * * * 2"});
        assertNull(spec.cpuPercent());
        assertEquals(1, spec.toIhpa(WEB).getSpec().portraitProviders.size());
    }

    @Test
    void predictiveAddsAnExternalJobPortraitBetweenCronAndReactive() {
        AutoscaleSpec spec = AutoscaleSpec.parse(new String[] {"sts/nginx", "--max=10", "--cpu-percent=30", "--predictive",
                "--traffic-metric", "nginx_ingress_controller_requests_rate@Ingress/nginx-server"});
        var providers = spec.toIhpa(WEB).getSpec().portraitProviders;
        PortraitProvider predictive = providers.get(0);
        assertEquals("Predictive", predictive.dynamic.portraitType);
        assertEquals("ExternalJob", predictive.dynamic.algorithm.type);
        var qps = predictive.dynamic.metrics.get(2);
        assertEquals("Object", qps.type);
        assertEquals("networking.k8s.io/v1", qps.object.getDescribedObject().getApiVersion());
        assertTrue(predictive.priority > providers.get(1).priority);
    }

    @Test
    void refusals() {
        assertRefused("--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5",
                "deployment/web", "--min=5", "--max=3");
        assertRefused("--max=MAXPODS is required and must be at least 1, max: -1", "deployment/web");
        assertRefused("--cpu-percent and --cpu-value cannot both be set",
                "deployment/web", "--max=3", "--cpu-percent=50", "--cpu-value=100m");
        assertRefused("invalid --cron \"0 8 * * * 10\": want 'START END REPLICAS', e.g. '0 8 * * 1-5 0 20 * * 1-5 10'",
                "deployment/web", "--max=3", "--cron", "0 8 * * * 10");
        assertRefused("exactly one TYPE/NAME is required, e.g. deployment/web; got none", "--max=3");
        assertRefused("invalid --cpu-percent 0: must be between 1 and 10000", "deployment/web", "--max=3", "--cpu-percent=0");
        assertRefused("--predictive needs at least one --traffic-metric METRIC[@KIND/NAME]", "deployment/web", "--max=3",
                "--predictive");
        CliException e = assertThrows(CliException.class, () -> AutoscaleSpec.parse(new String[] {"deployment/web",
                "--max=3", "--cron", "0 25 * * * 0 20 * * * 3"}));
        assertTrue(e.getMessage().startsWith("invalid --cron \"0 25 * * * 0 20 * * * 3\": \"0 25 * * *\": "), e.getMessage());
        CliException name = assertThrows(CliException.class, () -> AutoscaleSpec.parse(new String[] {"deployment/web",
                "--max=3", "--name", "../x"}));
        assertTrue(name.getMessage().startsWith("invalid --name \"../x\""), name.getMessage());
    }

    private static void assertRefused(String message, String... args) {
        CliException e = assertThrows(CliException.class, () -> AutoscaleSpec.parse(args));
        assertEquals(message, e.getMessage());
    }
}
