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
@ShortNames("rp")
@AdditionalPrinterColumn(name = "Online", jsonPath = ".spec.onlineReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Cutoff", jsonPath = ".spec.cutoffReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Standby", jsonPath = ".spec.standbyReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Current-Online", jsonPath = ".status.onlineReplicas", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".spec.paused", type = AdditionalPrinterColumn.Type.BOOLEAN, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ReplicaProfile extends CustomResource<ReplicaProfileSpec, ReplicaProfileStatus> implements Namespaced {

    public static final String KIND = "ReplicaProfile";
    /** The resource for the generic client and the caches, which hold profiles unconverted. */
    public static final ResourceDefinitionContext RP_CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(Constants.GROUP).withVersion(Constants.VERSION).withKind(KIND)
            .withPlural("replicaprofiles").withNamespaced(true).build();

    /**
     * The reasons of the profile's conditions and events, as Kapacity spells them (upstream
     * controllers/autoscaling/replicaprofile_controller.go) plus this version's own.
     */
    public static final class Reasons {
        public static final String INVALID_SPEC = Conditions.INVALID_SPEC;
        public static final String REPLICA_PROFILE_PAUSED = "ReplicaProfilePaused";
        public static final String REPLICA_PROFILE_ENSURED = "ReplicaProfileEnsured";
        public static final String REPLICA_NUMBER_NOT_SATISFIED = "ReplicaNumberNotSatisfied";
        public static final String REPLICA_PROFILE_APPLIED = "ReplicaProfileApplied";
        public static final String UNSUPPORTED_POD_BEHAVIOR = "UnsupportedPodBehavior";
        public static final String STATE_CHANGE_SKIPPED = "StateChangeSkipped";
        public static final String UPDATE_SCALE = "UpdateScale";
        public static final String ONLINE_PODS = "OnlinePods";
        public static final String CUTOFF_PODS = "CutoffPods";
        public static final String STANDBY_PODS = "StandbyPods";
        public static final String SELECT_PODS_TO_DELETE = "SelectPodsToDelete";
        public static final String FAILED_GET_SCALE = "FailedGetScale";
        public static final String INVALID_SELECTOR = "InvalidSelector";
        public static final String FAILED_UPDATE_SCALE = "FailedUpdateScale";
        public static final String FAILED_ONLINE_PODS = "FailedOnlinePods";
        public static final String FAILED_CUTOFF_PODS = "FailedCutoffPods";
        public static final String FAILED_STANDBY_PODS = "FailedStandbyPods";
        public static final String FAILED_SELECT_PODS_TO_DELETE = "FailedSelectPodsToDelete";
        /** A Standby pod keeps its resources: the cluster cannot resize it in place (an extension). */
        public static final String STANDBY_RESIZE_UNAVAILABLE = "StandbyResizeUnavailable";

        private Reasons() {
        }
    }
}
