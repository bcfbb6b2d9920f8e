package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HorizontalPortraitStatus {
    /** Condition type: whether the last generation succeeded (the HPA-style ones are the reactive generator's). */
    public static final String PORTRAIT_GENERATED = "PortraitGenerated";

    public PortraitData portraitData;
    public List<Condition> conditions = new ArrayList<>();
    /**
     * Extension: each metric's current value against its target at the last generation, as
     * {@code kubectl describe hpa} lists them (Reactive portraits only).
     */
    public List<CurrentMetric> currentMetrics;
    /**
     * Extension: what the external algorithm job reported beside its result (the keys of its result ConfigMap other
     * than type, timeSeries and expireTime; the built-in job's model, periods and backtest error, see
     * docs/predictive.md). ExternalJob portraits only.
     */
    public Map<String, String> jobReport;

    /** A deep copy (an empty status for null), so a planner can change it without touching the object it read. */
    public static HorizontalPortraitStatus copyOf(HorizontalPortraitStatus s) {
        HorizontalPortraitStatus c = new HorizontalPortraitStatus();
        if (s == null) {
            return c;
        }
        c.portraitData = PortraitData.copyOf(s.portraitData);
        c.conditions = Conditions.copy(s.conditions);
        c.currentMetrics = s.currentMetrics == null ? null
                : s.currentMetrics.stream().map(m -> new CurrentMetric(m.metric, m.current, m.target)).collect(Collectors.toCollection(ArrayList::new));
        c.jobReport = s.jobReport == null ? null : new LinkedHashMap<>(s.jobReport);
        return c;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CurrentMetric {
        @Override
        public boolean equals(Object o) {
            return o instanceof CurrentMetric c && Objects.equals(metric, c.metric)
                    && Objects.equals(current, c.current) && Objects.equals(target, c.target);
        }

        @Override
        public int hashCode() {
            return Objects.hash(metric, current, target);
        }

        /** What is measured, e.g. {@code cpu resource utilization (percentage of request)}. */
        public String metric;
        /** e.g. {@code 171% (171m)}, or {@code <unknown>} when it could not be read. */
        public String current;
        /** e.g. {@code 30%}. */
        public String target;

        public CurrentMetric() {
        }

        public CurrentMetric(String metric, String current, String target) {
            this.metric = metric;
            this.current = current;
            this.target = target;
        }
    }

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

        static PortraitData copyOf(PortraitData d) {
            if (d == null) {
                return null;
            }
            PortraitData c = new PortraitData();
            c.type = d.type;
            c._static = d._static == null ? null : new PortraitProvider.Static();
            if (c._static != null) {
                c._static.replicas = d._static.replicas;
            }
            c.cron = d.cron == null ? null : new PortraitProvider.Cron(
                    d.cron.crons == null ? null : d.cron.crons.stream().map(ReplicaCron::copyOf).collect(Collectors.toCollection(ArrayList::new)));
            if (d.timeSeries != null) {
                c.timeSeries = new TimeSeriesData();
                c.timeSeries.timeSeries = d.timeSeries.timeSeries == null ? null : d.timeSeries.timeSeries.stream()
                        .map(p -> {
                            TimeSeriesPoint point = new TimeSeriesPoint();
                            point.timestamp = p.timestamp;
                            point.replicas = p.replicas;
                            return point;
                        }).collect(Collectors.toCollection(ArrayList::new));
            }
            c.expireTime = d.expireTime;
            return c;
        }
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
