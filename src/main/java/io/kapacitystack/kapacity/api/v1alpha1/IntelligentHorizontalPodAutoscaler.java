package io.kapacitystack.kapacity.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

@Group(Constants.GROUP)
@Version(Constants.VERSION)
@ShortNames("ihpa")
// kubectl get hpa's order: name, reference, (targets,) min, max, replicas, age; the rest only with -o wide
@AdditionalPrinterColumn(name = "Target", jsonPath = ".spec.scaleTargetRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Min", jsonPath = ".spec.minReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Max", jsonPath = ".spec.maxReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".status.currentPortraitValue.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Portrait", jsonPath = ".status.currentPortraitValue.provider", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.scaleMode", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
public class IntelligentHorizontalPodAutoscaler
        extends CustomResource<IntelligentHorizontalPodAutoscalerSpec, IntelligentHorizontalPodAutoscalerStatus>
        implements Namespaced {

    public static final String KIND = "IntelligentHorizontalPodAutoscaler";
    /** The resource for the generic client and the caches, which hold IHPAs unconverted (a bad one breaks no watch). */
    public static final ResourceDefinitionContext IHPA_CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(Constants.GROUP).withVersion(Constants.VERSION).withKind(KIND)
            .withPlural("intelligenthorizontalpodautoscalers").withNamespaced(true).build();

    /**
     * The reasons of the IHPA's conditions and events, as Kapacity spells them (upstream
     * controllers/autoscaling/intelligenthorizontalpodautoscaler_controller.go) plus this version's own.
     */
    public static final class Reasons {
        public static final String SCALING_PAUSED = "ScalingPaused";
        public static final String INVALID_SPEC = Conditions.INVALID_SPEC;
        public static final String FAILED_UPDATE_AND_FETCH_PORTRAIT_VALUE = "FailedUpdateAndFetchPortraitValue";
        public static final String NO_VALID_PORTRAIT_VALUE = "NoValidPortraitValue";
        public static final String SUCCEEDED_AUTOSCALING = "SucceededAutoscaling";
        public static final String FAILED_GET_SCALE = "FailedGetScale";
        public static final String TOO_FEW_REPLICAS = "TooFewReplicas";
        public static final String TOO_MANY_REPLICAS = "TooManyReplicas";
        public static final String DESIRED_WITHIN_RANGE = "DesiredWithinRange";
        public static final String REPLICAS_MATCH_PORTRAIT = "ReplicasMatchPortrait";
        public static final String REPLICAS_NOT_MATCH_PORTRAIT = "ReplicasNotMatchPortrait";
        /** GrayProgressing=True while the pods of the current gray step are not yet Cutoff/Standby (an extension). */
        public static final String WAITING_FOR_GRAY_PODS = "WaitingForGrayPods";
        /** ScalingActive=False: another autoscaler scales the same workload (an extension). */
        public static final String AMBIGUOUS_SCALE_TARGET = "AmbiguousScaleTarget";
        /** ScalingActive=False: the ReplicaProfile cannot tell the target's pods (an extension, as the HPA's reason). */
        public static final String INVALID_SELECTOR = "InvalidSelector";
        public static final String CREATE_REPLICA_PROFILE = "CreateReplicaProfile";
        public static final String UPDATE_REPLICA_PROFILE = "UpdateReplicaProfile";
        public static final String FAILED_CREATE_REPLICA_PROFILE = "FailedCreateReplicaProfile";
        public static final String FAILED_UPDATE_REPLICA_PROFILE = "FailedUpdateReplicaProfile";
        public static final String FAILED_DELETE_REPLICA_PROFILE = "FailedDeleteReplicaProfile";
        public static final String STABILITY_CHECKERS_NOT_EVALUATED = "StabilityCheckersNotEvaluated";

        private Reasons() {
        }
    }
}
