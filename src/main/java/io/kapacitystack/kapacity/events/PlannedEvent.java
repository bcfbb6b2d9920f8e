package io.kapacitystack.kapacity.events;

/** A Kubernetes Event a planner decided on; the reconciler records it once the write it describes succeeded. */
public record PlannedEvent(Type type, String reason, String message) {

    public enum Type { Normal, Warning }

    public static PlannedEvent normal(String reason, String message) {
        return new PlannedEvent(Type.Normal, reason, message);
    }

    public static PlannedEvent warning(String reason, String message) {
        return new PlannedEvent(Type.Warning, reason, message);
    }

    @Override
    public String toString() {
        return type + " " + reason + " " + message;
    }
}
