package io.kapacitystack.kapacity.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;

/**
 * Scaling facts as CloudEvents 1.0 (docs/kafka.md): {@code source} is the object's API path, {@code subject}
 * namespace/name, {@code data} JSON. Jackson 2 here (CloudEvents' own), beside fabric8's Jackson 3.
 */
public final class CloudEventMapping {

    public static final String DATA_CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> PLURALS = Map.of(
            "IntelligentHorizontalPodAutoscaler", "intelligenthorizontalpodautoscalers",
            "ReplicaProfile", "replicaprofiles",
            "HorizontalPortrait", "horizontalportraits");

    private CloudEventMapping() {
    }

    public static CloudEvent toCloudEvent(ScalingFact fact, String id) {
        byte[] data;
        try {
            data = JSON.writeValueAsBytes(fact.data());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return CloudEventBuilder.v1()
                .withId(id)
                .withSource(source(fact.kind(), fact.namespace(), fact.name()))
                .withType(fact.type())
                .withSubject(fact.namespace() + "/" + fact.name())
                .withTime(fact.time().atOffset(ZoneOffset.UTC))
                .withData(DATA_CONTENT_TYPE, data)
                .build();
    }

    /** {@code /apis/autoscaling.kapacitystack.io/v1alpha1/namespaces/<ns>/<plural>/<name>}, each segment escaped. */
    static URI source(String kind, String namespace, String name) {
        String path = "/apis/" + Constants.GROUP + "/" + Constants.VERSION + "/namespaces/" + segment(namespace)
                + "/" + segment(plural(kind)) + "/" + segment(name);
        return URI.create(path);
    }

    static String plural(String kind) {
        String p = PLURALS.get(kind);
        return p != null ? p : kind == null ? "unknown" : kind.toLowerCase(Locale.ROOT) + "s";
    }

    private static String kindOf(String plural) {
        for (Map.Entry<String, String> e : PLURALS.entrySet()) {
            if (e.getValue().equals(plural)) {
                return e.getKey();
            }
        }
        return plural;
    }

    /** RFC 3986 percent-encoding of one path segment (everything but unreserved characters). */
    static String segment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : (s == null ? "" : s).getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** A record read back; a record that is not one of ours (no JSON object as data) keeps empty data. */
    public static StreamRecord fromCloudEvent(CloudEvent ce) {
        String subject = ce.getSubject() == null ? "" : ce.getSubject();
        int slash = subject.indexOf('/');
        String namespace = slash < 0 ? "" : subject.substring(0, slash);
        String name = slash < 0 ? subject : subject.substring(slash + 1);
        String kind = null;
        String[] path = ce.getSource() == null || ce.getSource().getPath() == null ? new String[0] : ce.getSource().getPath().split("/");
        if (path.length >= 2) {
            kind = kindOf(path[path.length - 2]);
        }
        Map<String, Object> data = Map.of();
        if (ce.getData() != null) {
            try {
                data = JSON.readValue(ce.getData().toBytes(), new TypeReference<Map<String, Object>>() { });
            } catch (IOException e) {
                data = Map.of();
            }
        }
        return new StreamRecord(ce.getId(), ce.getType(), ce.getSource() == null ? null : ce.getSource().toString(),
                subject, ce.getTime() == null ? null : ce.getTime().toInstant(), kind, namespace, name, data);
    }
}
