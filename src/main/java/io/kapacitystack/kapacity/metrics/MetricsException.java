package io.kapacitystack.kapacity.metrics;

/** A typed metrics failure; the kind decides the gRPC status the {@code ProviderService} answers with. */
public class MetricsException extends RuntimeException {

    public enum Kind {
        /** The query is malformed or asks for something the provider can never answer (gRPC INVALID_ARGUMENT). */
        INVALID_ARGUMENT,
        /** The object or metric asked for does not exist (gRPC NOT_FOUND). */
        NOT_FOUND,
        /** The provider does not support this kind of query (gRPC UNIMPLEMENTED). */
        UNSUPPORTED,
        /** The backend cannot be reached right now; retrying may help (gRPC UNAVAILABLE). */
        UNAVAILABLE,
        /** The query took longer than allowed (gRPC DEADLINE_EXCEEDED). */
        DEADLINE_EXCEEDED,
        /** The answer would be larger than allowed, or too many large queries are running (gRPC RESOURCE_EXHAUSTED). */
        RESOURCE_EXHAUSTED,
        /** Anything else, e.g. a backend error (gRPC UNKNOWN, as Kapacity answers every error). */
        INTERNAL
    }

    private final Kind kind;

    public MetricsException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public MetricsException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static MetricsException invalid(String format, Object... args) {
        return new MetricsException(Kind.INVALID_ARGUMENT, String.format(format, args));
    }

    public static MetricsException notFound(String format, Object... args) {
        return new MetricsException(Kind.NOT_FOUND, String.format(format, args));
    }

    public static MetricsException unsupported(String format, Object... args) {
        return new MetricsException(Kind.UNSUPPORTED, String.format(format, args));
    }

    /** The same failure with {@code prefix} in front of its message (Kapacity's error wrapping). */
    public MetricsException wrap(String prefix) {
        return new MetricsException(kind, prefix + getMessage(), this);
    }

    /** {@code t} as a MetricsException (INTERNAL unless it already is one). */
    public static MetricsException of(Throwable t) {
        if (t instanceof MetricsException m) {
            return m;
        }
        // never the exception's class name (it reaches gRPC clients): "internal error" when there is no message
        return new MetricsException(Kind.INTERNAL, t.getMessage() != null ? t.getMessage() : "internal error", t);
    }
}
