package io.kapacitystack.kapacity.stream;

import java.time.Instant;
import java.util.Map;

/**
 * One scaling fact, as it becomes one record of the stream (docs/kafka.md): {@code type} is the CloudEvents type,
 * {@code kind/namespace/name} the object it is about, {@code time} the controller's clock at the decision,
 * {@code data} the JSON payload. {@code decidedNanos} is {@link System#nanoTime()} at the decision, for the publish
 * latency metric only (0: unknown).
 */
public record ScalingFact(String type, String kind, String namespace, String name, Instant time,
                          Map<String, Object> data, long decidedNanos) {

    public static final String TYPE_PREFIX = "io.kapacitystack.";
    /** The winning portrait value (provider, replicas, expiry) changed. */
    public static final String PORTRAIT_CHANGED = TYPE_PREFIX + "portrait.changed";
    /** The ReplicaProfile's online/cutoff/standby numbers changed. */
    public static final String REPLICA_PROFILE_CHANGED = TYPE_PREFIX + "replicaprofile.changed";
    /** A gray scale-down started, took a step, or finished. */
    public static final String GRAY_STEP = TYPE_PREFIX + "gray.step";
    /** A status condition changed its status or reason. */
    public static final String CONDITION_CHANGED = TYPE_PREFIX + "condition.changed";
    /**
     * An algorithm job's result changed a HorizontalPortrait's TimeSeries data or its report (model, backtest error):
     * a summary of the series, not its points.
     */
    public static final String PREDICTION_CHANGED = TYPE_PREFIX + "prediction.changed";
    /** A Kubernetes Event was recorded (what {@code kubectl describe} shows). */
    public static final String EVENT_RECORDED = TYPE_PREFIX + "event.recorded";

    /** The record key: one object's records share a partition, so they stay in order. */
    public String key() {
        return namespace + "/" + name;
    }
}
