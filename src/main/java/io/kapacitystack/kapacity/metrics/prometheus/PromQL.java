package io.kapacitystack.kapacity.metrics.prometheus;

import io.kapacitystack.kapacity.metrics.QueryNames;
import io.kapacitystack.kapacity.metrics.MetricsException;

import java.util.regex.Pattern;

/**
 * Quoting and validation of everything that goes into a PromQL query from outside the config: label values are
 * always written as escaped PromQL strings (and, inside a regex matcher, as escaped regex literals first), label
 * and metric names must be Prometheus names (Kubernetes names are checked by {@link QueryNames}). Every failure is
 * INVALID_ARGUMENT and never echoes more than {@link QueryNames#MAX_ECHO} characters of the bad value.
 *
 * <p>The escapes are those of Prometheus's lexer (promql/parser/lex.go: {@code \\}, {@code \"}, {@code \n} and
 * {@code \xNN} inside double quotes) and of RE2's {@code regexp.QuoteMeta}.
 */
public final class PromQL {


    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final String REGEX_META = "\\.+*?()|[]{}^$";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PromQL() {
    }

    /** {@code value} as a double-quoted PromQL string literal that reads back as exactly {@code value}. */
    public static String quote(String value) {
        return "\"" + escape(value) + "\"";
    }

    /**
     * The inside of a double-quoted PromQL string (no quotes) for {@code value}: for templates that write
     * {@code "<<index .LabelValuesByName "pod">>"} themselves. Control characters become {@code \xNN}; a lone
     * UTF-16 surrogate (not encodable as UTF-8) becomes U+FFFD, which no Kubernetes name contains.
     */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '"') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c < 0x20 || c == 0x7f) {
                out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code literal} as an RE2 regex matching exactly that text (Go's {@code regexp.QuoteMeta}). */
    public static String regexLiteral(String literal) {
        StringBuilder out = new StringBuilder(literal.length() + 8);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (REGEX_META.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    public static boolean isLabelName(String s) {
        return s != null && LABEL_NAME.matcher(s).matches();
    }

    public static boolean isMetricName(String s) {
        return s != null && METRIC_NAME.matcher(s).matches();
    }

    /** @throws MetricsException INVALID_ARGUMENT unless {@code name} is a Prometheus label name */
    public static String labelName(String name, String what) {
        if (!isLabelName(name)) {
            throw MetricsException.invalid("invalid %s %s: not a Prometheus label name", what, QueryNames.echo(name));
        }
        return name;
    }

    /** @throws MetricsException INVALID_ARGUMENT unless {@code name} is a Prometheus metric name */
    public static String metricName(String name, String what) {
        if (!isMetricName(name)) {
            throw MetricsException.invalid("invalid %s %s: not a Prometheus metric name", what, QueryNames.echo(name));
        }
        return name;
    }
}
