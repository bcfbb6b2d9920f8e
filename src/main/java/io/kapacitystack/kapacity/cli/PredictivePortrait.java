package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ExternalMetricSourceBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricIdentifierBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTargetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ObjectMetricSourceBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.PodsMetricSourceBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSourceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpecBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.MetricSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitAlgorithm;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Predictive portrait of {@code autoscale --predictive}: the metrics and ExternalJob algorithm of Kapacity's
 * predictive quick start (k8s-examples/dynamic-predictive-portrait-sample.yaml) with the traffic metrics given, run by
 * the built-in job every 30 minutes (docs/predictive.md).
 */
final class PredictivePortrait {

    private static final Map<String, String> API_VERSIONS = Map.of(
            "Ingress", "networking.k8s.io/v1", "Service", "v1", "Deployment", "apps/v1", "StatefulSet", "apps/v1");

    private PredictivePortrait() {
    }

    /** @param trafficMetrics {@code METRIC} (an External metric) or {@code METRIC@KIND/NAME} (an Object metric) */
    static PortraitSpec spec(List<String> trafficMetrics) {
        PortraitSpec p = new PortraitSpec();
        p.portraitType = "Predictive";
        p.metrics = new ArrayList<>();
        MetricSpec cpu = new MetricSpec();
        cpu.type = "Resource";
        cpu.resource = new ResourceMetricSourceBuilder().withName("cpu").withTarget(new MetricTargetBuilder()
                .withType("AverageValue").withAverageValue(new Quantity("1m")).build()).build();
        p.metrics.add(cpu);
        MetricSpec ready = new MetricSpec();
        ready.type = "Pods";
        ready.pods = new PodsMetricSourceBuilder().withMetric(new MetricIdentifierBuilder()
                .withName("kube_pod_status_ready").build()).withTarget(new MetricTargetBuilder().withType("NA").build())
                .build();
        p.metrics.add(ready);
        int i = 0;
        for (String t : trafficMetrics) {
            MetricSpec m = new MetricSpec();
            m.name = trafficMetrics.size() == 1 ? "qps" : "qps-" + (++i);
            int at = t.indexOf('@');
            String metric = at < 0 ? t : t.substring(0, at);
            if (at < 0) {
                m.type = "External";
                m.external = new ExternalMetricSourceBuilder().withMetric(new MetricIdentifierBuilder()
                        .withName(metric).build()).withTarget(new MetricTargetBuilder().withType("NA").build()).build();
            } else {
                String[] object = t.substring(at + 1).split("/", 2);
                m.type = "Object";
                m.object = new ObjectMetricSourceBuilder()
                        .withDescribedObject(new CrossVersionObjectReferenceBuilder()
                                .withApiVersion(API_VERSIONS.get(object[0])).withKind(object[0]).withName(object[1]).build())
                        .withMetric(new MetricIdentifierBuilder().withName(metric).build())
                        .withTarget(new MetricTargetBuilder().withType("NA").build()).build();
            }
            p.metrics.add(m);
        }
        p.algorithm = new PortraitAlgorithm();
        p.algorithm.type = "ExternalJob";
        PortraitAlgorithm.ExternalJob job = new PortraitAlgorithm.ExternalJob();
        job.job = new PortraitAlgorithm.Job();
        job.job.type = "CronJob";
        job.job.cronJob = new PortraitAlgorithm.CronJobHolder();
        job.job.cronJob.template = new PortraitAlgorithm.CronJobTemplate();
        job.job.cronJob.template.spec = new CronJobSpecBuilder().withSchedule("0/30 * * * *")
                .withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
                .addNewContainer().withName("algorithm").endContainer().withRestartPolicy("OnFailure")
                .endSpec().endTemplate().endSpec().endJobTemplate().build();
        job.resultSource = new PortraitAlgorithm.ResultSource();
        job.resultSource.type = "ConfigMap";
        p.algorithm.externalJob = job;
        return p;
    }
}
