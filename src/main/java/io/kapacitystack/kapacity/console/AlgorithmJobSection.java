package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.predictive.ResultData;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ExternalJob portrait's algorithm job on the IHPA page: its last run (when, how long, outcome) from the CronJob
 * the controller keeps in the algorithm-job namespace, what the job reported beside its result (the HorizontalPortrait's
 * {@code status.jobReport}: the built-in {@code predict} job's chosen model, periods and backtest error, see
 * docs/predictive.md), and a placeholder the forecast chart is loaded into ({@link ForecastFragment}: its traffic
 * comes from the metrics provider, which is I/O, so not from this synchronous render).
 */
final class AlgorithmJobSection {

    /** A report value longer than this is cut (the controller bounds them too; the page does not trust that). */
    static final int MAX_VALUE = 256;
    static final int MAX_OTHER_KEYS = 16;
    /** Keys shown in their own rows; any other key of the report is listed under "Other report keys". */
    private static final Set<String> KNOWN = Set.of(ResultData.MODEL, ResultData.PERIODS, ResultData.BACKTEST_MAPE,
            ResultData.NAIVE_MAPE, ResultData.UNDER_FORECAST_RATE, ResultData.REPLICA_MODEL, ResultData.MESSAGE,
            ResultData.REFUSED, ResultData.GENERATED_AT);

    private final ConsoleModel model;

    AlgorithmJobSection(ConsoleModel model) {
        this.model = model;
    }

    /** How the last scheduled run went, from the CronJob's status. */
    record LastRun(Instant scheduled, Duration took, Outcome outcome) {
    }

    enum Outcome { NOT_RUN, RUNNING, SUCCEEDED, NOT_SUCCEEDED }

    /**
     * The last run from a CronJob's status: running while it has active Jobs; succeeded, and in how long, when the
     * last success is at or after the last schedule; otherwise it did not succeed (the Job failed or was removed).
     */
    static LastRun lastRun(CronJobStatus status) {
        Instant scheduled = status == null ? null : instant(status.getLastScheduleTime());
        if (scheduled == null) {
            return new LastRun(null, null, Outcome.NOT_RUN);
        }
        if (status.getActive() != null && !status.getActive().isEmpty()) {
            return new LastRun(scheduled, null, Outcome.RUNNING);
        }
        Instant succeeded = instant(status.getLastSuccessfulTime());
        if (succeeded != null && !succeeded.isBefore(scheduled)) {
            return new LastRun(scheduled, Duration.between(scheduled, succeeded), Outcome.SUCCEEDED);
        }
        return new LastRun(scheduled, null, Outcome.NOT_SUCCEEDED);
    }

    void render(StringBuilder b, ObjectKey ihpa, ObjectKey portrait, HorizontalPortrait hp, Instant now) {
        b.append("<div class=\"algorithm-job\"><h3>Algorithm job</h3><dl class=\"job-run\">");
        cronJob(b, model.algorithmCronJob(portrait));
        Map<String, String> report = hp.getStatus() == null ? null : hp.getStatus().jobReport;
        report(b, report == null ? Map.of() : report, generated(hp));
        b.append("</dl>");
        forecastPlaceholder(b, ihpa, portrait);
        b.append("</div>");
    }

    private static void cronJob(StringBuilder b, CronJob job) {
        b.append("<dt>CronJob</dt><dd>");
        if (job == null) {
            b.append("<span class=\"muted\">not readable here (no algorithm-job namespace, or not created yet)</span></dd>");
            return;
        }
        b.append("<code>").append(Html.esc(job.getMetadata().getNamespace())).append('/')
                .append(Html.esc(job.getMetadata().getName())).append("</code>");
        if (job.getSpec() != null && job.getSpec().getSchedule() != null) {
            b.append(", schedule <code>").append(Html.esc(job.getSpec().getSchedule())).append("</code>");
        }
        b.append("</dd><dt>Last run</dt><dd class=\"last-run\">");
        LastRun run = lastRun(job.getStatus());
        switch (run.outcome()) {
            case NOT_RUN -> b.append("<span class=\"muted\">not run yet</span>");
            case RUNNING -> b.append("started <time>").append(Html.time(run.scheduled()))
                    .append("</time> <span class=\"badge warn\">running</span>");
            case SUCCEEDED -> b.append("started <time>").append(Html.time(run.scheduled())).append("</time>, took ")
                    .append(Html.esc(seconds(run.took()))).append(" <span class=\"badge ok\">succeeded</span>");
            case NOT_SUCCEEDED -> b.append("started <time>").append(Html.time(run.scheduled()))
                    .append("</time> <span class=\"badge bad\">did not succeed</span> <span class=\"muted\">(the Job's status says why: kubectl get jobs -n ")
                    .append(Html.esc(job.getMetadata().getNamespace())).append(")</span>");
        }
        b.append("</dd>");
    }

    private static void report(StringBuilder b, Map<String, String> report, Condition generated) {
        b.append("<dt>Result</dt><dd class=\"job-result\">");
        String refused = report.get(ResultData.REFUSED);
        if (generated != null) {
            boolean ok = "True".equals(generated.getStatus());
            b.append("<span class=\"badge ").append(ok ? "ok" : "bad").append("\">PortraitGenerated=")
                    .append(Html.esc(generated.getStatus())).append(": ").append(Html.esc(generated.getReason())).append("</span> ");
        }
        if (refused != null) {
            b.append("refused: ").append(Html.esc(cut(refused)));
        } else if (generated != null && generated.getMessage() != null && !generated.getMessage().isEmpty()) {
            b.append(Html.esc(cut(generated.getMessage())));
        }
        String at = report.get(ResultData.GENERATED_AT);
        if (at != null) {
            b.append(" <span class=\"muted\">(written <time>").append(Html.esc(cut(at))).append("</time>)</span>");
        }
        b.append("</dd>");
        row(b, "Model", "job-model", report.get(ResultData.MODEL));
        row(b, "Periods", "job-periods", report.get(ResultData.PERIODS));
        String mape = report.get(ResultData.BACKTEST_MAPE);
        if (mape != null) {
            StringBuilder error = new StringBuilder("MAPE ").append(mape);
            if (report.get(ResultData.NAIVE_MAPE) != null) {
                error.append(" (naive baseline ").append(report.get(ResultData.NAIVE_MAPE)).append(')');
            }
            if (report.get(ResultData.UNDER_FORECAST_RATE) != null) {
                error.append(", under-forecast ").append(report.get(ResultData.UNDER_FORECAST_RATE));
            }
            row(b, "Backtest error", "job-backtest", error.toString());
        }
        row(b, "Replica model", "job-replica-model", report.get(ResultData.REPLICA_MODEL));
        row(b, "Summary", "job-message", report.get(ResultData.MESSAGE));
        otherKeys(b, report);
    }

    private static void otherKeys(StringBuilder b, Map<String, String> report) {
        List<String> other = report.keySet().stream().filter(k -> !KNOWN.contains(k)).sorted().limit(MAX_OTHER_KEYS).toList();
        if (other.isEmpty()) {
            return;
        }
        b.append("<dt>Other report keys</dt><dd><ul class=\"report\">");
        for (String k : other) {
            b.append("<li><code>").append(Html.esc(cut(k))).append("</code>: ").append(Html.esc(cut(report.get(k)))).append("</li>");
        }
        b.append("</ul></dd>");
    }

    private static void row(StringBuilder b, String label, String cls, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        b.append("<dt>").append(label).append("</dt><dd class=\"").append(cls).append("\">").append(Html.esc(cut(value))).append("</dd>");
    }

    private static void forecastPlaceholder(StringBuilder b, ObjectKey ihpa, ObjectKey portrait) {
        String url = "/ihpa/" + Html.segment(ihpa.namespace()) + "/" + Html.segment(ihpa.name()) + "/forecast/"
                + Html.segment(portrait.name());
        b.append("<div class=\"forecast\" hx-get=\"").append(Html.esc(url))
                .append("\" hx-trigger=\"load\" hx-swap=\"innerHTML\"><p class=\"muted\">Loading the forecast chart…</p></div>");
    }

    private static Condition generated(HorizontalPortrait hp) {
        if (hp.getStatus() == null || hp.getStatus().conditions == null) {
            return null;
        }
        return hp.getStatus().conditions.stream().filter(c -> "PortraitGenerated".equals(c.getType())).findFirst().orElse(null);
    }

    static String cut(String s) {
        return s.length() <= MAX_VALUE ? s : s.substring(0, MAX_VALUE) + "…";
    }

    static String seconds(Duration d) {
        long s = d.getSeconds();
        return s < 120 ? s + " s" : s < 7200 ? (s / 60) + " min " + (s % 60) + " s" : (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }

    private static Instant instant(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return null;
        }
        try {
            return KubeTime.parse(rfc3339);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
