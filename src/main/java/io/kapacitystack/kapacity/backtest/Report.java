package io.kapacitystack.kapacity.backtest;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The backtest's outputs: the summary table, the same as JSON, and the per-step CSV series. */
public final class Report {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Report() {
    }

    /** Ratio, or NaN when the reference is zero. */
    static double ratio(double value, double reference) {
        return reference == 0 ? Double.NaN : value / reference;
    }

    public static String table(Backtest.Result r) {
        PolicyRun oracle = r.run(BacktestEngine.ORACLE);
        PolicyRun hpa = r.run(Backtest.HPA);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "trace %s .. %s, %d samples (step %ds), scored from %s: %.0f min%n",
                Instant.ofEpochSecond(r.trace().start()), Instant.ofEpochSecond(r.trace().end()), r.trace().size(),
                r.trace().step(), Instant.ofEpochSecond(r.scoredFrom()),
                r.runs().isEmpty() ? 0 : r.runs().get(0).scores().scoredMinutes()));
        b.append(String.format(Locale.ROOT, "%-16s %12s %9s %9s %11s %8s %9s %9s %7s%n", "policy", "replica-h",
                "vs oracle", "vs hpa", "under-min", "under%", "unserved%", "mean-util", "changes"));
        for (PolicyRun p : r.runs()) {
            Scores s = p.scores();
            b.append(String.format(Locale.ROOT, "%-16s %12.2f %9s %9s %11.1f %7.2f%% %8.3f%% %8.1f%% %7d%n",
                    p.policy(), s.replicaHours(),
                    times(oracle == null ? Double.NaN : ratio(s.replicaHours(), oracle.scores().replicaHours())),
                    times(hpa == null ? Double.NaN : ratio(s.replicaHours(), hpa.scores().replicaHours())),
                    s.underProvisionedMinutes(), 100 * s.underProvisionedShare(), 100 * s.unservedShare(),
                    100 * s.meanUtilization(), s.scaleChanges()));
        }
        for (PolicyRun p : r.runs()) {
            if (p.note() != null) {
                b.append(p.policy()).append(": ").append(p.note()).append('\n');
            }
        }
        if (hpa != null) {
            b.append("under-provisioned minutes vs hpa:");
            for (PolicyRun p : r.runs()) {
                b.append(' ').append(p.policy()).append(' ')
                        .append(times(ratio(p.scores().underProvisionedMinutes(), hpa.scores().underProvisionedMinutes())));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String times(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.3fx", ratio);
    }

    public static String json(Backtest.Result r) {
        PolicyRun oracle = r.run(BacktestEngine.ORACLE);
        PolicyRun hpa = r.run(Backtest.HPA);
        ObjectNode root = JSON.createObjectNode();
        ObjectNode trace = root.putObject("trace");
        trace.put("start", Instant.ofEpochSecond(r.trace().start()).toString());
        trace.put("end", Instant.ofEpochSecond(r.trace().end()).toString());
        trace.put("samples", r.trace().size());
        trace.put("stepSeconds", r.trace().step());
        trace.put("scoredFrom", Instant.ofEpochSecond(r.scoredFrom()).toString());
        ObjectNode w = root.putObject("workload");
        w.put("capacityPerReplica", r.workload().capacityPerReplica());
        w.put("targetUtilization", r.workload().targetUtilization());
        w.put("podStartupSeconds", r.workload().podStartup().toSeconds());
        w.put("minReplicas", r.workload().minReplicas());
        w.put("maxReplicas", r.workload().maxReplicas());
        w.put("initialReplicas", r.workload().initialReplicas());
        ArrayNode policies = root.putArray("policies");
        for (PolicyRun p : r.runs()) {
            Scores s = p.scores();
            ObjectNode n = policies.addObject();
            n.put("policy", p.policy());
            n.put("replicaHours", s.replicaHours());
            number(n, "replicaHoursVsOracle", oracle == null ? Double.NaN : ratio(s.replicaHours(), oracle.scores().replicaHours()));
            number(n, "replicaHoursVsHpa", hpa == null ? Double.NaN : ratio(s.replicaHours(), hpa.scores().replicaHours()));
            n.put("underProvisionedMinutes", s.underProvisionedMinutes());
            n.put("underProvisionedShare", s.underProvisionedShare());
            number(n, "underProvisionedMinutesVsHpa", hpa == null ? Double.NaN
                    : ratio(s.underProvisionedMinutes(), hpa.scores().underProvisionedMinutes()));
            n.put("unservedShare", s.unservedShare());
            number(n, "unservedVsHpa", hpa == null ? Double.NaN : ratio(s.unservedShare(), hpa.scores().unservedShare()));
            n.put("meanUtilization", s.meanUtilization());
            n.put("scaleChanges", s.scaleChanges());
            n.put("scoredMinutes", s.scoredMinutes());
            if (p.note() != null) {
                n.put("note", p.note());
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void number(ObjectNode n, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    /**
     * The per-step series: a row at every instant where the demand or any policy's replicas or ready pods change,
     * and a last row at the trace's end; each row's values hold until the next row. {@code demand} is empty in gaps
     * and on the last row.
     */
    public static void csv(Backtest.Result r, Writer out) throws IOException {
        Trace t = r.trace();
        TreeSet<Long> instants = new TreeSet<>();
        for (int i = 0; i < t.size(); i++) {
            instants.add(t.time(i));
            instants.add(t.holdEnd(i));
        }
        for (PolicyRun p : r.runs()) {
            for (StepSeries s : List.of(p.desired, p.ready)) {
                for (int i = 0; i < s.size(); i++) {
                    if (s.time(i) >= t.start() && s.time(i) <= t.end()) {
                        instants.add(s.time(i));
                    }
                }
            }
        }
        StringBuilder header = new StringBuilder("timestamp,demand");
        for (PolicyRun p : r.runs()) {
            header.append(',').append(p.policy()).append("_desired,").append(p.policy()).append("_ready");
        }
        out.write(header.append('\n').toString());
        int sample = 0;
        StringBuilder row = new StringBuilder();
        for (long at : instants) {
            while (sample + 1 < t.size() && t.time(sample + 1) <= at) {
                sample++;
            }
            row.setLength(0);
            row.append(Instant.ofEpochSecond(at)).append(',');
            if (at >= t.time(sample) && at < t.holdEnd(sample)) {
                row.append(number(t.value(sample)));
            }
            for (PolicyRun p : r.runs()) {
                row.append(',').append(p.desiredAt(at)).append(',').append(p.readyAt(at));
            }
            out.write(row.append('\n').toString());
        }
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
