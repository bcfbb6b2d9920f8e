package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * Identifies the scale target: kind, name and (optionally) apiVersion, as in autoscaling/v2. The target is always
 * looked up in the namespace of the object that holds the reference.
 *
 * <p>The schema constrains each field to its Kubernetes format (autoscaling/v2 leaves them free; see
 * docs/compatibility.md): these strings become segments of an API path, so a value such as
 * {@code apps/v1/namespaces/other/...} must be refused when it is applied, not discovered by the controller.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CrossVersionObjectReference {

    /** A DNS subdomain (RFC 1123): what the API server accepts as the name of any namespaced object. */
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int NAME_MAX_LENGTH = 253;
    /** A kind: a DNS-1035 label once lowercased, as the API server requires of a CRD's kind. */
    public static final String KIND_PATTERN = "^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$";
    public static final int KIND_MAX_LENGTH = 63;
    /** {@code version} or {@code group/version}: group a DNS subdomain, version a DNS-1035 label. */
    public static final String API_VERSION_PATTERN =
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z]([-a-z0-9]*[a-z0-9])?$";
    public static final int GROUP_MAX_LENGTH = 253;
    public static final int VERSION_MAX_LENGTH = 63;
    public static final int API_VERSION_MAX_LENGTH = GROUP_MAX_LENGTH + 1 + VERSION_MAX_LENGTH;

    @Required
    @Pattern(KIND_PATTERN)
    @Size(min = 1, max = KIND_MAX_LENGTH)
    public String kind;
    @Required
    @Pattern(NAME_PATTERN)
    @Size(min = 1, max = NAME_MAX_LENGTH)
    public String name;
    @Pattern(API_VERSION_PATTERN)
    @Size(min = 1, max = API_VERSION_MAX_LENGTH)
    public String apiVersion;

    public CrossVersionObjectReference() {
    }

    public CrossVersionObjectReference(String apiVersion, String kind, String name) {
        this.apiVersion = apiVersion;
        this.kind = kind;
        this.name = name;
    }

    /** API group of {@link #apiVersion}: "" for the core group ("v1"), "apps" for "apps/v1". */
    public String group() {
        if (apiVersion == null || !apiVersion.contains("/")) {
            return "";
        }
        return apiVersion.substring(0, apiVersion.indexOf('/'));
    }

    /** Version of {@link #apiVersion}: "v1" for "apps/v1" and for an absent apiVersion (the core group's). */
    public String version() {
        if (apiVersion == null || apiVersion.isEmpty()) {
            return "v1";
        }
        return apiVersion.substring(apiVersion.indexOf('/') + 1);
    }

    @Override
    public String toString() {
        return (apiVersion == null ? "" : apiVersion + "/") + kind + "/" + name;
    }
}
