package io.kapacitystack.kapacity.portrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

    /**
     * A portrait's data is written by a job or by hand: an expireTime that is no time is the portrait's error (the
     * IHPA's condition names it), not an exception in the planner (found by {@code AcceptedIhpaPropertyTest}).
     */
    @Test
    void anExpireTimeThatIsNoTimeIsThePortraitsError() {
        HorizontalPortraitStatus.PortraitData data = new HorizontalPortraitStatus.PortraitData();
        data.type = HorizontalPortraitStatus.PortraitData.Type.Static;
        data._static = new PortraitProvider.Static(3);
        data.expireTime = "garbage";
        ProviderOutcome outcome = DynamicPortraitProviderEvaluator.valueOfData("Dynamic-Predictive", "web", data,
                Instant.parse("2026-12-08T00:00:00Z"));
        assertNull(outcome.value());
        assertEquals("failed to build portrait value from data of HorizontalPortrait \"web\": expireTime \"garbage\" is not an RFC 3339 time",
                outcome.error());
    }
}
