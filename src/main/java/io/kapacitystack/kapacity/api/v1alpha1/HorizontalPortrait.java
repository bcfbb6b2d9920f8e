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
@ShortNames("hp")
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.portraitType", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Algorithm", jsonPath = ".spec.algorithm.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Data", jsonPath = ".status.portraitData.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".status.portraitData.static.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HorizontalPortrait extends CustomResource<HorizontalPortraitSpec, HorizontalPortraitStatus>
        implements Namespaced {

    public static final String KIND = "HorizontalPortrait";
    /** The resource for the generic client and the caches, which hold portraits unconverted. */
    public static final ResourceDefinitionContext HP_CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(Constants.GROUP).withVersion(Constants.VERSION).withKind(KIND)
            .withPlural("horizontalportraits").withNamespaced(true).build();

    /**
     * The reasons of the portrait's conditions and events, as Kapacity spells them (upstream
     * controllers/autoscaling/horizontalportrait_controller.go) plus this version's own.
     */
    public static final class Reasons {
        public static final String INVALID_SPEC = Conditions.INVALID_SPEC;
        public static final String SUCCEEDED_GENERATE_PORTRAIT = "SucceededGeneratePortrait";
        public static final String FAILED_GENERATE_PORTRAIT = "FailedGeneratePortrait";
        public static final String FAILED_GET_PORTRAIT_GENERATOR = "FailedGetPortraitGenerator";
        public static final String FAILED_GET_SCALE = "FailedGetScale";
        public static final String FAILED_RECONCILE_EXTERNAL_ALGORITHM_JOB = "FailedReconcileExternalAlgorithmJob";
        public static final String FAILED_FETCH_EXTERNAL_ALGORITHM_JOB_RESULT = "FailedFetchExternalAlgorithmJobResult";
        public static final String FAILED_CLEANUP_EXTERNAL_ALGORITHM_JOB = "FailedCleanupExternalAlgorithmJob";

        private Reasons() {
        }
    }
}
