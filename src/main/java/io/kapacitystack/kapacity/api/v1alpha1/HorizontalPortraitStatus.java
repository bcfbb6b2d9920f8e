package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HorizontalPortraitStatus {
    public PortraitData portraitData;
    public List<Condition> conditions = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PortraitData {
        @Required
        public Type type;
        @JsonProperty("static")
        public PortraitProvider.Static _static;
        public PortraitProvider.Cron cron;
        public TimeSeriesData timeSeries;
        /** RFC 3339 date-time. */
        public String expireTime;

        public enum Type { Static, Cron, TimeSeries }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TimeSeriesData {
        /** Time ordered; each point applies until the next, the last until the data expires. */
        @Required
        @Size(min = 1)
        public List<TimeSeriesPoint> timeSeries;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TimeSeriesPoint {
        /** Unix seconds. */
        @Required
        @Min(0)
        public Long timestamp;
        @Required
        @Min(0)
        public Integer replicas;

        public TimeSeriesPoint() {
        }

        public TimeSeriesPoint(long timestamp, int replicas) {
            this.timestamp = timestamp;
            this.replicas = replicas;
        }
    }
}
