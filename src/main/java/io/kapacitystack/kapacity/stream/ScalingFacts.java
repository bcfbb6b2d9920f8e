package io.kapacitystack.kapacity.stream;

import io.fabric8.kubernetes.api.model.Condition;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.events.RecordedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Which scaling facts a write amounts to: pure functions of before and after (no I/O, no clock). */
public final class ScalingFacts {

    public static final String IHPA_KIND = "IntelligentHorizontalPodAutoscaler";

    private ScalingFacts() {
    }

    /** Facts of one IHPA status write: portrait value, gray progress and condition changes, in that order. */
    public static List<ScalingFact> ofStatus(IntelligentHorizontalPodAutoscaler ihpa, IntelligentHorizontalPodAutoscalerStatus before,
                                             IntelligentHorizontalPodAutoscalerStatus after, ReplicaProfileSpec plannedProfile,
                                             Instant now, long decidedNanos) {
        String ns = ihpa.getMetadata().getNamespace();
        String name = ihpa.getMetadata().getName();
        List<ScalingFact> facts = new ArrayList<>();
        HorizontalPortraitValue oldValue = before == null ? null : before.currentPortraitValue;
        HorizontalPortraitValue newValue = after == null ? null : after.currentPortraitValue;
        if (!Objects.equals(oldValue, newValue)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("provider", newValue != null ? newValue.provider : oldValue.provider);
            data.put("before", portraitValue(oldValue));
            data.put("after", portraitValue(newValue));
            facts.add(new ScalingFact(ScalingFact.PORTRAIT_CHANGED, IHPA_KIND, ns, name, now, data, decidedNanos));
        }
        Integer oldPercent = before == null || before.gray == null ? null : before.gray.grayPercent;
        Integer newPercent = after == null || after.gray == null ? null : after.gray.grayPercent;
        if (!Objects.equals(oldPercent, newPercent)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("stage", grayStage(oldPercent, newPercent));
            data.put("percentBefore", oldPercent);
            data.put("percentAfter", newPercent);
            GrayStrategy strategy = grayStrategy(ihpa);
            data.put("grayState", strategy == null || strategy.grayState == null ? null : strategy.grayState.name());
            if (plannedProfile != null) {
                // the pods this step parks: what the ReplicaProfile written next holds outside Online
                data.put("pods", plannedProfile.cutoff() + plannedProfile.standby());
                data.put("onlineReplicas", plannedProfile.online());
            }
            facts.add(new ScalingFact(ScalingFact.GRAY_STEP, IHPA_KIND, ns, name, now, data, decidedNanos));
        }
        List<Condition> oldConditions = before == null ? List.of() : before.conditions;
        List<Condition> newConditions = after == null ? List.of() : after.conditions;
        for (Condition c : newConditions) {
            Condition old = find(oldConditions, c.getType());
            // a new message alone (numbers in it change on every sync) is not a change of state
            if (old == null || !Objects.equals(old.getStatus(), c.getStatus()) || !Objects.equals(old.getReason(), c.getReason())) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("conditionType", c.getType());
                data.put("statusBefore", old == null ? null : old.getStatus());
                data.put("status", c.getStatus());
                data.put("reason", c.getReason());
                data.put("message", c.getMessage());
                facts.add(new ScalingFact(ScalingFact.CONDITION_CHANGED, IHPA_KIND, ns, name, now, data, decidedNanos));
            }
        }
        return facts;
    }

    /** The fact of one ReplicaProfile spec write, or none when its numbers did not change. */
    public static List<ScalingFact> ofReplicaProfile(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfileSpec before,
                                                     ReplicaProfileSpec after, Instant now, long decidedNanos) {
        if (after == null || before != null && before.sameNumbers(after)) {
            return List.of();
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("online", change(before == null ? null : before.online(), after.online()));
        data.put("cutoff", change(before == null ? null : before.cutoff(), after.cutoff()));
        data.put("standby", change(before == null ? null : before.standby(), after.standby()));
        // the profile has the IHPA's name: its records share the IHPA's key and stay in order with them
        return List.of(new ScalingFact(ScalingFact.REPLICA_PROFILE_CHANGED, "ReplicaProfile",
                ihpa.getMetadata().getNamespace(), ihpa.getMetadata().getName(), now, data, decidedNanos));
    }

    /**
     * An algorithm job's TimeSeries result as written to a HorizontalPortrait's status: how many points, their span
     * and replica range, the expiry, the same summary of the data it replaced, and the job's report as it wrote it
     * (our predict job: model, periods, backtestMAPE, naiveMAPE, underForecastRate, message; bounded by
     * horizontalportrait/AlgorithmResult). The points themselves stay in the status: a record stays small.
     */
    public static ScalingFact ofPrediction(String namespace, String name, HorizontalPortraitStatus.PortraitData before,
                                           HorizontalPortraitStatus.PortraitData after, Map<String, String> report,
                                           Instant now, long decidedNanos) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("before", seriesSummary(before));
        data.put("after", seriesSummary(after));
        data.put("report", new LinkedHashMap<>(report == null ? Map.of() : new TreeMap<>(report)));
        return new ScalingFact(ScalingFact.PREDICTION_CHANGED, "HorizontalPortrait", namespace, name, now, data, decidedNanos);
    }

    private static Map<String, Object> seriesSummary(HorizontalPortraitStatus.PortraitData d) {
        if (d == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", d.type == null ? null : d.type.name());
        List<HorizontalPortraitStatus.TimeSeriesPoint> points = d.timeSeries == null || d.timeSeries.timeSeries == null
                ? List.of() : d.timeSeries.timeSeries;
        m.put("points", points.size());
        Long from = null;
        Long until = null;
        Integer min = null;
        Integer max = null;
        for (HorizontalPortraitStatus.TimeSeriesPoint p : points) {
            if (p.timestamp != null) {
                from = from == null ? p.timestamp : Math.min(from, p.timestamp);
                until = until == null ? p.timestamp : Math.max(until, p.timestamp);
            }
            if (p.replicas != null) {
                min = min == null ? p.replicas : Math.min(min, p.replicas);
                max = max == null ? p.replicas : Math.max(max, p.replicas);
            }
        }
        m.put("from", from == null ? null : Instant.ofEpochSecond(from).toString());
        m.put("until", until == null ? null : Instant.ofEpochSecond(until).toString());
        m.put("minReplicas", min);
        m.put("maxReplicas", max);
        m.put("expireTime", d.expireTime);
        return m;
    }

    /** A recorded Kubernetes Event. */
    public static ScalingFact ofEvent(RecordedEvent e, long decidedNanos) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", e.type());
        data.put("reason", e.reason());
        data.put("message", e.message());
        data.put("component", e.component());
        return new ScalingFact(ScalingFact.EVENT_RECORDED, e.kind(), e.namespace(), e.name(), e.time(), data, decidedNanos);
    }

    /**
     * The planner keeps {@code status.gray} once made and restarts it at 0 % when the portrait value changes
     * (autoscaler/IhpaPlanner): 0 % is a start, 100 % the last step, anything between a step.
     */
    static String grayStage(Integer before, Integer after) {
        if (after == null) {
            return "cleared";
        }
        if (before == null || after == 0) {
            return "started";
        }
        return after >= 100 ? "completed" : "step";
    }

    private static Map<String, Object> change(Integer before, int after) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("before", before);
        m.put("after", after);
        return m;
    }

    private static Map<String, Object> portraitValue(HorizontalPortraitValue v) {
        if (v == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", v.provider);
        m.put("replicas", v.replicas);
        m.put("expireTime", v.expireTime);
        return m;
    }

    private static GrayStrategy grayStrategy(IntelligentHorizontalPodAutoscaler ihpa) {
        var spec = ihpa.getSpec();
        if (spec == null || spec.behavior == null) {
            return null;
        }
        GrayStrategy down = spec.behavior.scaleDown == null ? null : spec.behavior.scaleDown.grayStrategy;
        return down != null ? down : spec.behavior.scaleUp == null ? null : spec.behavior.scaleUp.grayStrategy;
    }

    private static Condition find(List<Condition> conditions, String type) {
        for (Condition c : conditions) {
            if (Objects.equals(c.getType(), type)) {
                return c;
            }
        }
        return null;
    }
}
