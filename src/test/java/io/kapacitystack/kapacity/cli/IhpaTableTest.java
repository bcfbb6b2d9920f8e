package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class IhpaTableTest {

    private static final Instant NOW = Instant.parse("2026-12-07T20:12:00Z");

    @Test
    void hpaColumnsWithTargetsAsCurrentSlashTarget() throws IOException {
        IntelligentHorizontalPodAutoscaler web = new AutoscaleSpec("deployment/web", null, "demo", 5, 7, 75, null, null,
                "500Mi", List.of(), false, List.of(), "none", null)
                .toIhpa(new io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference("apps/v1", "Deployment", "web"));
        web.getMetadata().setCreationTimestamp("2026-12-07T20:00:00Z");
        web.setStatus(new IntelligentHorizontalPodAutoscalerStatus());
        web.getStatus().currentPortraitValue = new HorizontalPortraitValue("Dynamic-Reactive", 6, null);
        HorizontalPortrait hp = new HorizontalPortrait();
        hp.setMetadata(new ObjectMetaBuilder().withName("web-reactive").build());
        hp.setStatus(new HorizontalPortraitStatus());
        hp.getStatus().currentMetrics = List.of(
                new HorizontalPortraitStatus.CurrentMetric("cpu resource utilization (percentage of request)", "45% (45m)", "75%"),
                new HorizontalPortraitStatus.CurrentMetric("memory resource", "173Mi", "500Mi"));
        ReplicaProfile rp = new ReplicaProfile();
        rp.setStatus(new ReplicaProfileStatus());
        rp.getStatus().onlineReplicas = 6;
        rp.getStatus().cutoffReplicas = 0;
        rp.getStatus().standbyReplicas = 0;

        IntelligentHorizontalPodAutoscaler cron = Serialization.unmarshal(
                Files.readString(Path.of("k8s-examples", "cron-portrait-sample.yaml")), IntelligentHorizontalPodAutoscaler.class);
        cron.getMetadata().setNamespace("cron-sample");
        cron.getMetadata().setCreationTimestamp("2026-12-05T20:12:00Z");

        assertEquals("""
                NAMESPACE     NAME                   REFERENCE           TARGETS                MINPODS   MAXPODS   REPLICAS    PORTRAIT             AGE
                demo          web                    Deployment/web      45%/75%, 173Mi/500Mi   5         7         6           Dynamic-Reactive:6   12m
                cron-sample   cron-portrait-sample   StatefulSet/nginx   <none>                 1         10        <unknown>   <none>               2d
                """, IhpaTable.render(List.of(new IhpaTable.Row(web, hp, rp), new IhpaTable.Row(cron, null, null)), true, NOW));
    }

    @Test
    void moreThanTwoMetricsAndUnmeasuredOnes() {
        IntelligentHorizontalPodAutoscaler ihpa = new AutoscaleSpec("deployment/web", null, "demo", 1, 7, 75, null, 80,
                null, List.of(), false, List.of(), "none", null)
                .toIhpa(new io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference("apps/v1", "Deployment", "web"));
        assertEquals("<unknown>/75%, <unknown>/80%", IhpaTable.targets(ihpa.getSpec().portraitProviders, null));
        var metrics = ihpa.getSpec().portraitProviders.get(0).dynamic.metrics;
        metrics.add(metrics.get(0));
        assertEquals("<unknown>/75%, <unknown>/80% + 1 more...", IhpaTable.targets(ihpa.getSpec().portraitProviders, null));
    }
}
