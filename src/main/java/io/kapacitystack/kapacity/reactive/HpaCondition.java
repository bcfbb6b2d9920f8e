package io.kapacitystack.kapacity.reactive;

/**
 * One HPA-style condition ({@code AbleToScale}, {@code ScalingActive}, {@code ScalingLimited}) with the reason the
 * Kubernetes HPA controller would give, so {@code kubectl describe hp} explains why it is or is not scaling.
 */
public record HpaCondition(String type, boolean status, String reason, String message) {
    public static final String ABLE_TO_SCALE = "AbleToScale";
    public static final String SCALING_ACTIVE = "ScalingActive";
    public static final String SCALING_LIMITED = "ScalingLimited";
}
