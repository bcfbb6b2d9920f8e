package io.kapacitystack.kapacity.sandbox.api;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.OffsetDateTime;

/** Kubernetes' RFC 3339 timestamps with second precision ({@code 2024-01-01T10:00:00Z}). */
public final class Timestamps {

    private Timestamps() {
    }

    public static String format(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    public static Instant parse(String s) {
        return s == null || s.isEmpty() ? null : OffsetDateTime.parse(s).toInstant();
    }
}
