package io.kapacitystack.kapacity.stream;

import java.time.Instant;
import java.util.Map;

/**
 * One record of the stream as a reader sees it (the {@code events} command, the console's history): the CloudEvents
 * attributes and the JSON data.
 */
public record StreamRecord(String id, String type, String source, String subject, Instant time, String kind,
                           String namespace, String name, Map<String, Object> data) {

    /** The type without {@link ScalingFact#TYPE_PREFIX}, e.g. {@code replicaprofile.changed}. */
    public String shortType() {
        return type != null && type.startsWith(ScalingFact.TYPE_PREFIX) ? type.substring(ScalingFact.TYPE_PREFIX.length()) : type;
    }
}
