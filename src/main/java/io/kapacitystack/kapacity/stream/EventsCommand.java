package io.kapacitystack.kapacity.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.core.message.Encoding;
import io.kapacitystack.kapacity.gocompat.Flags;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code kapacity.jar events --bootstrap-servers … [--follow] [--namespace NS] [--since 1h] [-o json]}: the scaling
 * stream, readably, like {@code kubectl get events -w}.
 */
public final class EventsCommand {

    static final String HEADER = String.format("%-24s %-20s %-48s %-8s %-26s %s", "TIME", "NAMESPACE", "OBJECT", "TYPE", "REASON", "MESSAGE");
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventsCommand() {
    }

    public static Flags flags() {
        return new Flags()
                .define("bootstrap-servers", "", "Kafka brokers (host:port,...).")
                .define("topic", KafkaSettings.DEFAULT_TOPIC, "Topic of the scaling events.")
                .define("client-properties", "", "Java properties file of Kafka client settings (TLS, SASL ...).")
                .define("namespace", "", "Only this namespace.")
                .define("since", "1h", "Start this long ago.")
                .defineBool("follow", false, "Keep printing new records (Ctrl-C to stop).")
                .define("o", "", "Output: empty for a table, json for one CloudEvent per line.");
    }

    public static int run(String[] args, PrintStream out, PrintStream err, Supplier<Instant> clock, AtomicBoolean stop) {
        Flags f;
        KafkaSettings settings;
        Duration since;
        String output;
        try {
            f = flags().parse(args);
            if (f.get("bootstrap-servers").isBlank()) {
                throw new IllegalArgumentException("--bootstrap-servers is required");
            }
            since = f.getDuration("since");
            output = f.get("o");
            if (!output.isEmpty() && !output.equals("json")) {
                throw new IllegalArgumentException("-o must be json or empty");
            }
            settings = new KafkaSettings(f.get("bootstrap-servers"), f.get("topic"),
                    KafkaSettings.readClientProperties(f.get("client-properties")), 1, Encoding.BINARY);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("Usage: kapacity.jar events [flags]\n" + flags().usage());
            return 2;
        }
        String namespace = f.get("namespace");
        boolean json = output.equals("json");
        if (!json) {
            out.println(HEADER);
        }
        Consumer<StreamRecord> print = r -> {
            if (namespace.isEmpty() || namespace.equals(r.namespace())) {
                out.println(json ? json(r) : line(r));
                out.flush();
            }
        };
        Instant from = clock.get().minus(since);
        try (StreamReader reader = new StreamReader(settings)) {
            if (f.getBool("follow")) {
                Thread hook = new Thread(reader::wakeup);
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    reader.follow(from, Duration.ofSeconds(30), print, stop::get);
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    return 0;
                }
            } else {
                reader.readSince(from, Duration.ofSeconds(30)).forEach(print);
            }
            return 0;
        } catch (RuntimeException e) {
            err.println("cannot read " + settings.topic() + " from " + settings.bootstrapServers() + ": " + e.getMessage());
            return 1;
        }
    }

    static String line(StreamRecord r) {
        return String.format("%-24s %-20s %-48s %-8s %-26s %s", r.time(), r.namespace(),
                (r.kind() == null ? "" : r.kind().toLowerCase(Locale.ROOT)) + "/" + r.name(),
                StreamText.type(r), StreamText.reason(r), StreamText.message(r));
    }

    static String json(StreamRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("specversion", "1.0");
        m.put("id", r.id());
        m.put("type", r.type());
        m.put("source", r.source());
        m.put("subject", r.subject());
        m.put("time", r.time() == null ? null : r.time().toString());
        m.put("data", r.data());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
