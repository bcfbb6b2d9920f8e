package io.kapacitystack.kapacity.api.v1alpha1;

/** Names that are part of Kapacity's contract with users and with other tools. */
public final class Constants {
    public static final String GROUP = "autoscaling.kapacitystack.io";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;

    public static final String FINALIZER = "kapacitystack.io/finalizer";
    public static final String POD_STATE_LABEL = "kapacitystack.io/pod-state";
    public static final String READINESS_GATE_CONDITION = "kapacitystack.io/online";
    public static final String INJECT_READINESS_GATE_LABEL = "kapacitystack.io/inject-pod-readiness-gate";

    private Constants() {
    }
}
