package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

/** Identifies the scale target: kind, name and (optionally) apiVersion, as in autoscaling/v2. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CrossVersionObjectReference {
    @Required
    public String kind;
    @Required
    public String name;
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

    @Override
    public String toString() {
        return (apiVersion == null ? "" : apiVersion + "/") + kind + "/" + name;
    }
}
