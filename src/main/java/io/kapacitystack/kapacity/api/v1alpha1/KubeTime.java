package io.kapacitystack.kapacity.api.v1alpha1;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.OffsetDateTime;

/**
 * metav1.Time as the API stores it: RFC 3339 at whole seconds. Everything the controller writes goes through
 * {@link #format}, so that a value read back compares equal to the value written.
 */
public final class KubeTime {

    private KubeTime() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Parses RFC 3339 (offsets and fractions accepted); null or blank gives null. */
    public static Instant parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.parse(text);
        }
    }

    /** The instant at whole seconds, or the raw text if it does not parse, so that equality stays total. */
    static Object normalize(String text) {
        try {
            Instant i = parse(text);
            return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            return text;
        }
    }
}
