package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;

import java.time.Instant;

/**
 * What one portrait provider says now: a value (or none), or an error; and when it may say something different
 * (a cron boundary, a data point, an expiry), so the controller wakes exactly then instead of polling.
 */
public record ProviderOutcome(HorizontalPortraitValue value, String error, Instant changesAt) {

    public static ProviderOutcome value(HorizontalPortraitValue value, Instant changesAt) {
        return new ProviderOutcome(value, null, changesAt);
    }

    public static ProviderOutcome none(Instant changesAt) {
        return new ProviderOutcome(null, null, changesAt);
    }

    public static ProviderOutcome error(String error) {
        return new ProviderOutcome(null, error, null);
    }

    @Override
    public String toString() {
        return error != null ? "error: " + error : value == null ? "no value" : value.toString();
    }
}
