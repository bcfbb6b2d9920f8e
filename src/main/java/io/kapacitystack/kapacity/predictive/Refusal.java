package io.kapacitystack.kapacity.predictive;

/**
 * The predictive job declines to publish a result, for a reason the user can act on (history too short, flat or zero
 * traffic, a fit that fails its validation, an unreachable target). The message is written to the result ConfigMap
 * (key {@code refused}) so the HorizontalPortrait's condition can show it; see docs/predictive.md.
 */
public final class Refusal extends RuntimeException {

    /** Why: lets the pipeline tell a flat series (dropped while others remain) from a fatal refusal. */
    public enum Kind { TOO_SHORT, GAPS, FLAT, ZERO, NO_MODEL, FIT_INVALID, UNREACHABLE, BAD_INPUT }

    private final Kind kind;

    public Refusal(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
