package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

import java.util.Objects;

/** One provider's replica recommendation, valid until {@code expireTime} (absent: until replaced). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HorizontalPortraitValue {
    /** Static, Cron or Dynamic-&lt;PortraitType&gt;. */
    @Required
    public String provider;
    @Required
    @Min(0)
    public Integer replicas;
    /** RFC 3339 date-time. */
    public String expireTime;

    public HorizontalPortraitValue() {
    }

    public HorizontalPortraitValue(String provider, int replicas, String expireTime) {
        this.provider = provider;
        this.replicas = replicas;
        this.expireTime = expireTime;
    }

    /** A copy (null for null); a missing replica number becomes 0, as everywhere the value is used. */
    public static HorizontalPortraitValue copyOf(HorizontalPortraitValue v) {
        return v == null ? null : new HorizontalPortraitValue(v.provider, v.replicas == null ? 0 : v.replicas, v.expireTime);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HorizontalPortraitValue)) {
            return false;
        }
        HorizontalPortraitValue that = (HorizontalPortraitValue) o;
        return Objects.equals(provider, that.provider) && Objects.equals(replicas, that.replicas)
                && Objects.equals(KubeTime.normalize(expireTime), KubeTime.normalize(that.expireTime));
    }

    @Override
    public int hashCode() {
        return Objects.hash(provider, replicas, KubeTime.normalize(expireTime));
    }

    @Override
    public String toString() {
        return provider + ":" + replicas + (expireTime == null ? "" : " until " + expireTime);
    }
}
