package io.kapacitystack.kapacity.stream;

import java.util.Map;

/** One record as a line a person reads (the {@code events} command), in the words of the Events Kapacity records. */
public final class StreamText {

    private StreamText() {
    }

    /** The kubectl-events-like TYPE column: an Event's own type, Normal for the other facts. */
    public static String type(StreamRecord r) {
        Object t = r.data().get("type");
        return ScalingFact.EVENT_RECORDED.equals(r.type()) && t != null ? t.toString() : "Normal";
    }

    /** The REASON column: an Event's reason, else the fact's short type. */
    public static String reason(StreamRecord r) {
        Object reason = r.data().get("reason");
        return ScalingFact.EVENT_RECORDED.equals(r.type()) && reason != null ? reason.toString() : r.shortType();
    }

    public static String message(StreamRecord r) {
        Map<String, Object> d = r.data();
        if (r.type() == null) {
            return "";
        }
        switch (r.type()) {
            case ScalingFact.EVENT_RECORDED:
                return String.valueOf(d.get("message"));
            case ScalingFact.REPLICA_PROFILE_CHANGED:
                return "online " + change(d.get("online")) + ", cutoff " + change(d.get("cutoff")) + ", standby " + change(d.get("standby"));
            case ScalingFact.PORTRAIT_CHANGED:
                return "portrait " + value(d.get("before")) + " -> " + value(d.get("after"));
            case ScalingFact.GRAY_STEP:
                return "gray " + d.get("stage") + ": " + percent(d.get("percentBefore")) + " -> " + percent(d.get("percentAfter"))
                        + (d.get("grayState") != null ? " " + d.get("grayState") : "")
                        + (d.get("pods") != null ? ", " + d.get("pods") + " pods" : "");
            case ScalingFact.CONDITION_CHANGED:
                return d.get("conditionType") + " " + (d.get("statusBefore") == null ? "" : d.get("statusBefore") + " -> ")
                        + d.get("status") + " " + d.get("reason") + (d.get("message") != null ? ": " + d.get("message") : "");
            case ScalingFact.PREDICTION_CHANGED:
                return "prediction " + series(d.get("before")) + " -> " + series(d.get("after"))
                        + (d.get("report") instanceof Map<?, ?> report && report.get("model") != null ? ", model " + report.get("model") : "")
                        + (d.get("report") instanceof Map<?, ?> report && report.get("backtestMAPE") != null
                        ? ", backtest MAPE " + report.get("backtestMAPE") : "");
            default:
                return d.toString();
        }
    }

    private static String change(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return "?";
        }
        return (m.get("before") == null ? "none" : m.get("before")) + " -> " + m.get("after");
    }

    private static String value(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return "none";
        }
        return m.get("replicas") + " (" + m.get("provider") + (m.get("expireTime") != null ? " until " + m.get("expireTime") : "") + ")";
    }

    private static String series(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return "none";
        }
        return m.get("points") + " points " + m.get("minReplicas") + "-" + m.get("maxReplicas") + " replicas until " + m.get("until");
    }

    private static String percent(Object o) {
        return o == null ? "-" : o + "%";
    }
}
