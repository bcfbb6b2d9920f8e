package io.kapacitystack.kapacity.stream;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;

import java.util.Locale;

/**
 * Why Kafka is unavailable to the {@link ScalingEventPublisher}, as a user can alert on it
 * ({@code kapacity_kafka_unavailable{cause=...}}) and as the log names it. An outage is logged once, and again only
 * when its cause changes: the text of one cause varies (record ids, the client's wording), so comparing texts would
 * log every retry (docs/kafka.md).
 */
public enum KafkaOutageCause {
    /** No connection to any bootstrap server (down, wrong address, firewall). */
    UNREACHABLE,
    /** Connected, but the topic is not in the broker's metadata: it does not exist and is not auto-created. */
    TOPIC_NOT_FOUND,
    /** The broker's authorizer refuses this principal the topic (or the cluster permission idempotence needs). */
    NOT_AUTHORIZED,
    /** SASL or TLS authentication failed (wrong password, untrusted certificate). */
    AUTHENTICATION,
    /** The broker refused an accepted record for good (too large, invalid). */
    RECORD_REJECTED,
    /** Records in flight and no acknowledgement for {@code ScalingEventPublisher.ACK_OVERDUE}. */
    NO_ACKNOWLEDGEMENT,
    OTHER;

    /** The metric label and the log's name: the constant's name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The cause of a producer's failure. {@code connected}: whether the producer has an open connection; the client
     * says "not present in metadata" both for a topic that does not exist and when it never reached a broker.
     */
    static KafkaOutageCause of(Throwable e, boolean connected) {
        if (e instanceof AuthorizationException) {
            return NOT_AUTHORIZED;
        }
        if (e instanceof AuthenticationException) {
            return AUTHENTICATION;
        }
        if (e instanceof TimeoutException && e.getMessage() != null && e.getMessage().contains("not present in metadata")) {
            return connected ? TOPIC_NOT_FOUND : UNREACHABLE;
        }
        if (e instanceof TimeoutException) {
            return connected ? OTHER : UNREACHABLE;
        }
        return OTHER;
    }

    /** The text for the log, the Warning event and the listeners. */
    String describe(Throwable e, KafkaSettings settings) {
        return switch (this) {
            case TOPIC_NOT_FOUND -> "topic \"" + settings.topic() + "\" not found on " + settings.bootstrapServers()
                    + " (create it, or let this client describe it): " + e.getMessage();
            case UNREACHABLE -> "no connection to " + settings.bootstrapServers() + ": " + e.getMessage();
            case NOT_AUTHORIZED -> "not authorized to write topic \"" + settings.topic() + "\": " + e.getMessage();
            case AUTHENTICATION -> "authentication to " + settings.bootstrapServers() + " failed: " + e.getMessage();
            default -> e.getClass().getSimpleName() + ": " + e.getMessage();
        };
    }
}
