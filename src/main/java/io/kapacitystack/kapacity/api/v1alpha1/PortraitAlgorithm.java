package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.Map;


/** The algorithm of a dynamic portrait: KubeHPA (in process) or ExternalJob (a CronJob writing a result). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortraitAlgorithm {
    /** KubeHPA or ExternalJob (free string). */
    @Required
    public String type;
    @JsonProperty("kubeHPA")
    public KubeHPA kubeHPA;
    public ExternalJob externalJob;
    /** Configuration for external generators; not read by the controller. */
    @PreserveUnknownFields
    public Object config;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KubeHPA {
        @Default("15s")
        public String syncPeriod;
        @Default("0.1")
        public String tolerance;
        @Default("5m")
        public String cpuInitializationPeriod;
        @Default("30s")
        public String initialReadinessDelay;
        /**
         * Extension: autoscaling/v2 scale-up/scale-down behavior (policies, selectPolicy, stabilization windows)
         * applied to the reactive recommendation. Absent = Kapacity's behavior (the raw calculator result).
         */
        public HorizontalPodAutoscalerBehavior behavior;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ExternalJob {
        @Required
        public Job job;
        @Required
        public ResultSource resultSource;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Job {
        /** CronJob. */
        @Required
        public String type;
        public CronJobHolder cronJob;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CronJobHolder {
        @Required
        public CronJobTemplate template;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CronJobTemplate {
        /** Kept whole (upstream's schema pruned it, losing labels and annotations). */
        @PreserveUnknownFields
        public ObjectMeta metadata;
        public CronJobSpec spec;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ResultSource {
        /** ConfigMap. */
        @Required
        public String type;
        public Map<String, String> configMap;
    }
}
