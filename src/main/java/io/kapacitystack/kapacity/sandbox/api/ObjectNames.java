package io.kapacitystack.kapacity.sandbox.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The object names kube-apiserver accepts, per resource, with its messages
 * (staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go, pkg/apis/core/validation/validation.go):
 * every name is a valid path segment (not {@code .} or {@code ..}, no {@code /} or {@code %}); namespaces are
 * RFC 1123 labels, services RFC 1035 labels, RBAC objects path segments only ({@code system:controller:x}), and all
 * others (pods, workloads, config maps, custom resources, ...) RFC 1123 subdomains.
 */
final class ObjectNames {

    static final int SUBDOMAIN_MAX = 253;
    static final int LABEL_MAX = 63;

    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    private static final Set<String> PATH_SEGMENT_ONLY_GROUPS = Set.of("rbac.authorization.k8s.io");

    private ObjectNames() {
    }

    /** The field errors of {@code name} for an object of {@code path}'s resource (empty: valid). */
    static List<ApiStatus.FieldError> validate(ApiPath path, String name) {
        List<ApiStatus.FieldError> errors = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            errors.add(new ApiStatus.FieldError("metadata.name", "FieldValueRequired",
                    "Required value: name or generateName is required"));
            return errors;
        }
        for (String why : pathSegmentErrors(name)) {
            errors.add(ApiStatus.FieldError.invalid("metadata.name", name, why));
        }
        if (!errors.isEmpty() || PATH_SEGMENT_ONLY_GROUPS.contains(path.group())) {
            return errors;
        }
        boolean core = path.group().isEmpty();
        List<String> whys;
        if (core && "namespaces".equals(path.resource())) {
            whys = label1123(name);
        } else if (core && "services".equals(path.resource())) {
            whys = label1035(name);
        } else {
            whys = subdomain(name);
        }
        whys.forEach(why -> errors.add(ApiStatus.FieldError.invalid("metadata.name", name, why)));
        return errors;
    }

    private static List<String> pathSegmentErrors(String name) {
        if (".".equals(name) || "..".equals(name)) {
            return List.of("may not be '" + name + "'");
        }
        List<String> out = new ArrayList<>();
        for (String illegal : List.of("/", "%")) {
            if (name.contains(illegal)) {
                out.add("may not contain '" + illegal + "'");
            }
        }
        return out;
    }

    private static List<String> subdomain(String name) {
        return check(name, SUBDOMAIN_MAX, SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case "
                + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                + "'example.com', regex used for validation is '" + SUBDOMAIN.pattern() + "')");
    }

    private static List<String> label1123(String name) {
        return check(name, LABEL_MAX, LABEL_1123, "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                + "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                + "'123-abc', regex used for validation is '" + LABEL_1123.pattern() + "')");
    }

    private static List<String> label1035(String name) {
        return check(name, LABEL_MAX, LABEL_1035, "a DNS-1035 label must consist of lower case alphanumeric characters "
                + "or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
                + "'my-name',  or 'abc-123', regex used for validation is '" + LABEL_1035.pattern() + "')");
    }

    /** apimachinery's validation messages for a name: too long, and not of the format (both can apply). */
    private static List<String> check(String name, int maxLength, Pattern format, String formatMessage) {
        List<String> out = new ArrayList<>();
        if (name.length() > maxLength) {
            out.add("must be no more than " + maxLength + " characters");
        }
        if (!format.matcher(name).matches()) {
            out.add(formatMessage);
        }
        return out;
    }
}
