package io.kapacitystack.kapacity.kube;

import java.util.regex.Pattern;

/**
 * The formats the API server gives names (k8s.io/apimachinery/pkg/util/validation): every string from a user that
 * becomes a segment of an API path is checked against one of these first. None of them admits '/', '%', '?', '#',
 * '.' or '..' as a whole segment, or any character a URL would need to escape.
 */
public final class KubeNames {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern KIND = Pattern.compile("[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?");

    public static final int LABEL_MAX_LENGTH = 63;
    public static final int SUBDOMAIN_MAX_LENGTH = 253;
    /** How much of a refused value an error message quotes. */
    private static final int QUOTE_MAX_LENGTH = 64;

    private KubeNames() {
    }

    /** A namespace name (RFC 1123 label). */
    public static boolean isNamespace(String s) {
        return isDnsLabel(s);
    }

    public static boolean isDnsLabel(String s) {
        return s != null && s.length() <= LABEL_MAX_LENGTH && DNS_LABEL.matcher(s).matches();
    }

    /** A version ("v1", "v1beta1"): an RFC 1035 label. */
    public static boolean isVersion(String s) {
        return s != null && s.length() <= LABEL_MAX_LENGTH && DNS_1035_LABEL.matcher(s).matches();
    }

    /** The name of a namespaced object, and an API group. */
    public static boolean isDnsSubdomain(String s) {
        return s != null && s.length() <= SUBDOMAIN_MAX_LENGTH && DNS_SUBDOMAIN.matcher(s).matches();
    }

    public static boolean isKind(String s) {
        return s != null && s.length() <= LABEL_MAX_LENGTH && KIND.matcher(s).matches();
    }

    /** {@code version} or {@code group/version}. */
    public static boolean isApiVersion(String s) {
        if (s == null) {
            return false;
        }
        int slash = s.indexOf('/');
        return slash < 0 ? isVersion(s) : isDnsSubdomain(s.substring(0, slash)) && isVersion(s.substring(slash + 1));
    }

    /**
     * A refused value for an error message: quoted, at most 64 characters, control and non-ASCII characters escaped,
     * so a hostile value can neither flood a condition or event nor forge a line of a log.
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), QUOTE_MAX_LENGTH);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
        if (s.length() > QUOTE_MAX_LENGTH) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
