package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;

import java.time.Instant;

/**
 * What one portrait provider says now: a value (or none), or an error; and when it may say something different
 * (a cron boundary, a data point, an expiry), so the controller wakes exactly then instead of polling.
 */
public final class ProviderOutcome {
    private final HorizontalPortraitValue value;
    private final String error;
    private final Instant changesAt;

    private ProviderOutcome(HorizontalPortraitValue value, String error, Instant changesAt) {
        this.value = value;
        this.error = error;
        this.changesAt = changesAt;
    }

    public static ProviderOutcome value(HorizontalPortraitValue value, Instant changesAt) {
        return new ProviderOutcome(value, null, changesAt);
    }

    public static ProviderOutcome none(Instant changesAt) {
        return new ProviderOutcome(null, null, changesAt);
    }

    public static ProviderOutcome error(String error) {
        return new ProviderOutcome(null, error, null);
    }

    public HorizontalPortraitValue value() {
        return value;
    }

    public String error() {
        return error;
    }

    public Instant changesAt() {
        return changesAt;
    }

    @Override
    public String toString() {
        return error != null ? "error: " + error : value == null ? "no value" : value.toString();
    }
}
