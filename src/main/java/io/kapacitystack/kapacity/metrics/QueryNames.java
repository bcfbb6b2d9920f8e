package io.kapacitystack.kapacity.metrics;

import java.util.regex.Pattern;

/**
 * Checks of the Kubernetes names a metrics query carries (namespaces, pods, workloads, containers, objects) before
 * they reach a PromQL query or an API path, with errors (INVALID_ARGUMENT) that never repeat more than
 * {@link #MAX_ECHO} characters of the bad value. The rules are Kubernetes' own
 * (k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain; path segment names
 * of apimachinery/pkg/api/validation/path).
 */
public final class QueryNames {

    /** How much of a rejected value an error message repeats. */
    public static final int MAX_ECHO = 64;
    public static final int MAX_LABEL_NAME_LENGTH = 63;
    public static final int MAX_SUBDOMAIN_LENGTH = 253;

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private QueryNames() {
    }

    /** A namespace or container name: a DNS-1123 label; {@code ""} only if {@code optional}. */
    public static String dnsLabel(String name, String what, boolean optional) {
        if (name.isEmpty() && optional) {
            return name;
        }
        if (name.length() > MAX_LABEL_NAME_LENGTH || !DNS_LABEL.matcher(name).matches()) {
            throw MetricsException.invalid("invalid %s %s: must be a DNS-1123 label (lower-case letters, digits "
                    + "and '-', at most %d characters)", what, echo(name), MAX_LABEL_NAME_LENGTH);
        }
        return name;
    }

    /** A workload or pod name: a DNS-1123 subdomain. */
    public static String dnsSubdomain(String name, String what) {
        if (name.length() > MAX_SUBDOMAIN_LENGTH || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw MetricsException.invalid("invalid %s %s: must be a DNS-1123 subdomain (lower-case letters, digits, "
                    + "'-' and '.', at most %d characters)", what, echo(name), MAX_SUBDOMAIN_LENGTH);
        }
        return name;
    }

    /**
     * The name of any other object (a path segment, as the API server allows for custom resources): not empty,
     * at most 253 characters, no {@code /}, {@code %} or control characters, not {@code .} or {@code ..}.
     */
    public static String objectName(String name, String what) {
        boolean ok = !name.isEmpty() && name.length() <= MAX_SUBDOMAIN_LENGTH && !name.equals(".")
                && !name.equals("..") && name.chars().noneMatch(c -> c == '/' || c == '%' || c < 0x20 || c == 0x7f)
                && name.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF); // a lone surrogate is no UTF-8
        if (!ok) {
            throw MetricsException.invalid("invalid %s %s: must be an object name (at most %d characters, no '/', "
                    + "'%%', control characters or invalid UTF-16)", what, echo(name), MAX_SUBDOMAIN_LENGTH);
        }
        return name;
    }

    /** {@code value} quoted for an error message, cut to {@link #MAX_ECHO} characters. */
    public static String echo(String value) {
        if (value == null) {
            return "null";
        }
        String cut = value.length() <= MAX_ECHO ? value
                : value.substring(0, MAX_ECHO) + "... (" + value.length() + " characters)";
        StringBuilder out = new StringBuilder(cut.length() + 2).append('"');
        cut.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
    }
}
