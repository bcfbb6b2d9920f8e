package io.kapacitystack.kapacity.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
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
}
