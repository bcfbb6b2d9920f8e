package io.kapacitystack.kapacity.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
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
}
