package io.kapacitystack.kapacity.portrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A portrait whose data type the model does not know is reported with Kapacity's text
 * ({@code unknown horizontal portrait data type "…"}), not with the conversion error of the model's enum.
 */
class PortraitDataTypeTest {

    private static GenericKubernetesResource portrait(String type) {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: autoscaling.kapacitystack.io/v1alpha1
                kind: HorizontalPortrait
                metadata: {name: web-predictive, namespace: default}
                status:
                  portraitData: {type: %s, static: {replicas: 3}}
                """.formatted(type), GenericKubernetesResource.class);
    }

    @ParameterizedTest
    @CsvSource(value = {"Histogram, Histogram", "static, static", "Static, NULL", "Cron, NULL", "TimeSeries, NULL"},
            nullValues = "NULL")
    void unknownTypesAreNamed(String type, String unknown) {
        assertEquals(unknown, DynamicPortraitProviderEvaluator.unknownDataType(portrait(type)));
    }
}
