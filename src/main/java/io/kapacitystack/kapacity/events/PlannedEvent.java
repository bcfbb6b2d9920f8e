package io.kapacitystack.kapacity.events;

/** A Kubernetes Event a planner decided on; the reconciler records it once the write it describes succeeded. */
public final class PlannedEvent {
    public enum Type { Normal, Warning }

    private final Type type;
    private final String reason;
    private final String message;

    public PlannedEvent(Type type, String reason, String message) {
        this.type = type;
        this.reason = reason;
        this.message = message;
    }

    public static PlannedEvent normal(String reason, String message) {
        return new PlannedEvent(Type.Normal, reason, message);
    }

    public static PlannedEvent warning(String reason, String message) {
        return new PlannedEvent(Type.Warning, reason, message);
    }

    public Type type() {
        return type;
    }

    public String reason() {
        return reason;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return type + " " + reason + " " + message;
    }
}
