package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.backtest.Backtest;
import io.kapacitystack.kapacity.backtest.Plot;
import io.kapacitystack.kapacity.backtest.PolicyRun;
import io.kapacitystack.kapacity.backtest.PredictiveSettings;
import io.kapacitystack.kapacity.backtest.Scores;
import io.kapacitystack.kapacity.backtest.Trace;
import io.kapacitystack.kapacity.backtest.TraceCsv;
import io.kapacitystack.kapacity.backtest.TraceException;
import io.kapacitystack.kapacity.backtest.Workload;
import io.kapacitystack.kapacity.grpc.ProtoMapping;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.predictive.HistoryQueries;
import io.kapacitystack.kapacity.predictive.PredictOptions;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.metric.Metric;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * "What if" ({@code GET /ihpa/{ns}/{name}/whatif?capacity=V&target=U}): the backtest (docs/scaling-quality.md) on
 * the workload's own last {@link #HISTORY} of traffic, read from the controllers' metrics provider with the predictive
 * job's query for the first traffic series (metrics[2] of the IHPA's first Dynamic provider that names one), for the
 * IHPA as written and for the alternatives. The backtest runs on a worker thread, one at a time per console.
 */
final class WhatIfPage {

    static final Duration HISTORY = Duration.ofDays(3);
    static final Duration STEP = Duration.ofMinutes(1);
    static final double MAX_CAPACITY = 1e12;

    private final ConsoleModel model;
    private final Vertx vertx;
    private final AtomicBoolean running = new AtomicBoolean();

    WhatIfPage(ConsoleModel model, Vertx vertx) {
        this.model = model;
        this.vertx = vertx;
    }

    /** The page's HTML, or a failed future with a {@link ConsoleLogin.Refusal} (404, 400, 429). */
    Future<String> render(ObjectKey key, String capacityParam, String targetParam) {
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = model.ihpa(key);
        } catch (KubeObjects.InvalidObjectException e) {
            return Future.succeededFuture(page(key, "", "0.7", "<p class=\"bad\">" + Html.esc(e.getMessage()) + "</p>"));
        }
        if (ihpa == null || ihpa.getSpec() == null) {
            return Future.failedFuture(new ConsoleLogin.Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + "."));
        }
        String capacityText = capacityParam == null ? "" : capacityParam.strip();
        String targetText = targetParam == null || targetParam.isBlank() ? "0.7" : targetParam.strip();
        if (capacityText.isEmpty()) {
            return Future.succeededFuture(page(key, "", targetText, "<p class=\"muted\">Give the demand one replica serves "
                    + "at 100 % to replay the last " + HISTORY.toDays() + " days.</p>"));
        }
        double capacity;
        double target;
        try {
            capacity = Double.parseDouble(capacityText);
            target = Double.parseDouble(targetText);
        } catch (NumberFormatException e) {
            return Future.failedFuture(new ConsoleLogin.Refusal(400, "capacity and target must be numbers."));
        }
        if (!(capacity > 0 && capacity <= MAX_CAPACITY) || !(target > 0 && target <= 1)) {
            return Future.failedFuture(new ConsoleLogin.Refusal(400,
                    "capacity must be in (0, " + MAX_CAPACITY + "] and target in (0, 1]."));
        }
        MetricsProvider metrics = model.metrics();
        if (metrics == null) {
            return Future.succeededFuture(page(key, capacityText, targetText,
                    "<p class=\"muted\">The manager has no metrics provider: there is no history to replay.</p>"));
        }
        Metric.Query traffic = trafficQuery(ihpa);
        if (traffic == null) {
            return Future.succeededFuture(page(key, capacityText, targetText, "<p class=\"muted\">No traffic to replay: "
                    + "no Dynamic provider of this IHPA names a traffic series (metrics[2], the predictive convention).</p>"));
        }
        if (!running.compareAndSet(false, true)) {
            return Future.failedFuture(new ConsoleLogin.Refusal(429, "A What if is running; try again in a minute."));
        }
        Instant now = model.now();
        Instant from = now.minus(HISTORY);
        Future<String> result;
        try {
            result = metrics.query(ProtoMapping.toQuery(traffic), from, now, STEP)
                    .compose(series -> {
                        List<ForecastChart.Sample> sum = ForecastFragment.sum(series);
                        long[] times = new long[sum.size()];
                        double[] values = new double[sum.size()];
                        for (int i = 0; i < sum.size(); i++) {
                            times[i] = sum.get(i).time();
                            values[i] = sum.get(i).value();
                        }
                        return vertx.executeBlocking(() -> backtest(ihpa, times, values, capacity, target));
                    })
                    .map(body -> page(key, capacityText, targetText, body))
                    .otherwise(e -> page(key, capacityText, targetText, "<p class=\"bad\">"
                            + Html.esc("The backtest cannot run: " + KubeObjects.shortMessage(e)) + "</p>"));
        } catch (RuntimeException e) {
            result = Future.succeededFuture(page(key, capacityText, targetText, "<p class=\"bad\">"
                    + Html.esc("The backtest cannot run: " + KubeObjects.shortMessage(e)) + "</p>"));
        }
        return result.onComplete(ar -> running.set(false));
    }

    private static Metric.Query trafficQuery(IntelligentHorizontalPodAutoscaler ihpa) {
        if (ihpa.getSpec().portraitProviders == null) {
            return null;
        }
        for (PortraitProvider p : ihpa.getSpec().portraitProviders) {
            if (p != null && p.type == PortraitProvider.Type.Dynamic && p.dynamic != null && p.dynamic.metrics != null
                    && p.dynamic.metrics.size() > 2) {
                try {
                    Map<String, Metric.Query> traffic = HistoryQueries.of(ihpa.getMetadata().getNamespace(),
                            ihpa.getSpec().scaleTargetRef, p.dynamic.metrics).traffic();
                    if (!traffic.isEmpty()) {
                        return traffic.values().iterator().next();
                    }
                } catch (RuntimeException e) {
                    // a provider outside the convention names no traffic: try the next
                }
            }
        }
        return null;
    }

    /** Runs on a worker thread: the backtest of the IHPA as written ("this IHPA") and the alternatives. */
    static String backtest(IntelligentHorizontalPodAutoscaler ihpa, long[] times, double[] values, double capacity,
                           double target) throws TraceException {
        Trace trace = TraceCsv.fromSamples(times, values, "the traffic sample");
        int min = Math.max(1, ihpa.getSpec().minReplicas == null ? 1 : ihpa.getSpec().minReplicas);
        int max = Math.max(min, Math.min(Workload.MAX_REPLICAS, ihpa.getSpec().maxReplicas == null ? min : ihpa.getSpec().maxReplicas));
        Workload w = new Workload(capacity, target, Duration.ofSeconds(60), min, max, min);
        PredictOptions job = PredictOptions.parse(new String[]{"--re-history-len=3D",
                "--re-test-dataset-size-in-seconds=3600"}, Map.of("HP_NAMESPACE", "console", "HP_NAME", "whatif"));
        long span = trace.end() - trace.start();
        Duration warmup = Duration.ofSeconds(Math.min(Duration.ofDays(1).toSeconds(), span / 2));
        Backtest.Result r = Backtest.run(trace, w, new Backtest.Options(Backtest.POLICIES, null,
                PredictiveSettings.of(Duration.ofMinutes(30), job), ihpa, warmup));
        return table(r) + "<figure class=\"whatif-chart\">" + Plot.svg(r).replaceFirst("^<svg ", "<svg role=\"img\" ")
                + "</figure>";
    }

    static String table(Backtest.Result r) {
        PolicyRun oracle = r.run("oracle");
        PolicyRun hpa = r.run(Backtest.HPA);
        StringBuilder b = new StringBuilder("<table class=\"whatif\"><thead><tr><th>policy</th><th>replica-hours</th>"
                + "<th>vs oracle</th><th>vs hpa</th><th>under-provisioned minutes</th><th>unserved</th>"
                + "<th>mean utilization</th><th>scale changes</th></tr></thead><tbody>");
        for (PolicyRun p : r.runs()) {
            Scores s = p.scores();
            String name = p.policy().equals(Backtest.CRON) ? "this IHPA" : p.policy();
            b.append("<tr><td>").append(Html.esc(name)).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f", s.replicaHours())).append("</td><td>")
                    .append(ratio(s.replicaHours(), oracle.scores().replicaHours())).append("</td><td>")
                    .append(ratio(s.replicaHours(), hpa.scores().replicaHours())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f (%.2f %%)", s.underProvisionedMinutes(), 100 * s.underProvisionedShare()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.3f %%", 100 * s.unservedShare()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.1f %%", 100 * s.meanUtilization()))
                    .append("</td><td>").append(s.scaleChanges()).append("</td></tr>");
        }
        b.append("</tbody></table><p class=\"muted\">Scored from <time>").append(Html.time(Instant.ofEpochSecond(r.scoredFrom())))
                .append("</time> (the day before is history only); ").append(r.trace().size()).append(" samples.</p>");
        for (PolicyRun p : r.runs()) {
            if (p.note() != null) {
                b.append("<p class=\"muted\">").append(Html.esc(p.policy() + ": " + p.note())).append("</p>");
            }
        }
        return b.toString();
    }

    private static String ratio(double v, double ref) {
        return ref == 0 ? "-" : String.format(Locale.ROOT, "%.3f", v / ref);
    }

    private static String page(ObjectKey key, String capacity, String target, String body) {
        String name = key.namespace() + "/" + key.name();
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>What if: " + Html.esc(name)
                + "</title><link rel=\"stylesheet\" href=\"/console/console.css\"></head><body><main><h1>What if: "
                + Html.esc(name) + "</h1><p><a href=\"/ihpa/" + Html.segment(key.namespace()) + "/"
                + Html.segment(key.name()) + "\">Back to the IHPA</a></p>"
                + "<form method=\"get\"><label>Demand one replica serves at 100 % <input name=\"capacity\" value=\""
                + Html.esc(capacity) + "\" inputmode=\"decimal\" required></label> <label>Target utilization <input "
                + "name=\"target\" value=\"" + Html.esc(target) + "\" inputmode=\"decimal\"></label> <button>Replay</button>"
                + "</form>" + body + "</main></body></html>\n";
    }
}
