package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.grpc.ProtoMapping;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;
import io.kapacitystack.kapacity.predictive.HistoryQueries;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.metric.Metric;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The forecast chart of one predictive portrait ({@code GET /ihpa/{ns}/{name}/forecast/{portrait}}, loaded by the
 * IHPA page with htmx): the portrait's TimeSeries against the ready replicas and the traffic that were actually
 * there, read from the controllers' metrics provider with the same queries the predictive job makes
 * ({@code predictive.HistoryQueries}: metrics[1] the ready pods, metrics[2..] the traffic). Without a metrics
 * provider, or when a query fails, the forecast is drawn alone with a note saying why.
 */
final class ForecastFragment {

    /** The chart looks back at least this far, so the actual traffic before the forecast shows. */
    static final Duration MIN_LOOKBACK = Duration.ofHours(1);
    /** ... and at most this far in all: the window (and every query) is bounded whatever the portrait holds. */
    static final Duration MAX_WINDOW = Duration.ofDays(3);
    /** A query asks for at most this many points per series. */
    static final int MAX_QUERY_POINTS = 500;

    private final ConsoleModel model;

    ForecastFragment(ConsoleModel model) {
        this.model = model;
    }

    /** The fragment's HTML, or a failed future with a {@link ConsoleLogin.Refusal} (404) for an unknown portrait. */
    Future<String> render(ObjectKey ihpaKey, String portraitName) {
        HorizontalPortrait hp;
        try {
            IntelligentHorizontalPodAutoscaler ihpa = model.ihpa(ihpaKey);
            if (ihpa == null || !portraitNames(ihpa).contains(portraitName)) {
                return Future.failedFuture(new ConsoleLogin.Refusal(404, "No predictive portrait " + portraitName
                        + " of IHPA " + ihpaKey.namespace() + "/" + ihpaKey.name() + "."));
            }
            hp = model.portrait(new ObjectKey(ihpaKey.namespace(), portraitName));
        } catch (KubeObjects.InvalidObjectException e) {
            return Future.succeededFuture("<p class=\"bad\">" + Html.esc(e.getMessage()) + "</p>");
        }
        HorizontalPortraitStatus.PortraitData data = hp == null || hp.getStatus() == null ? null : hp.getStatus().portraitData;
        if (data == null || data.type != HorizontalPortraitStatus.PortraitData.Type.TimeSeries || data.timeSeries == null
                || data.timeSeries.timeSeries == null || data.timeSeries.timeSeries.isEmpty()) {
            return Future.succeededFuture("<p class=\"muted no-forecast\">No forecast yet: the portrait holds no TimeSeries.</p>");
        }
        Window w = window(data, model.now());
        MetricsProvider metrics = model.metrics();
        if (metrics == null) {
            return Future.succeededFuture(html(w.chart(List.of(), List.of()),
                    "Actual replicas and traffic are not shown: the manager has no metrics provider."));
        }
        HistoryQueries.Queries queries;
        try {
            queries = HistoryQueries.of(hp.getMetadata().getNamespace(), hp.getSpec().scaleTargetRef, hp.getSpec().metrics);
        } catch (RuntimeException e) {
            return Future.succeededFuture(html(w.chart(List.of(), List.of()),
                    "Actual replicas and traffic are not shown: " + KubeObjects.shortMessage(e)));
        }
        return actual(metrics, queries, w);
    }

    private Future<String> actual(MetricsProvider metrics, HistoryQueries.Queries queries, Window w) {
        List<String> notes = new ArrayList<>();
        Future<List<ForecastChart.Sample>> replicas = query(metrics, queries.readyPods(), w, "ready pods", notes);
        List<String> names = new ArrayList<>(queries.traffic().keySet());
        List<Future<List<ForecastChart.Sample>>> traffic = new ArrayList<>();
        for (String name : names.subList(0, Math.min(names.size(), ForecastChart.MAX_TRAFFIC))) {
            traffic.add(query(metrics, queries.traffic().get(name), w, "traffic " + name, notes));
        }
        List<Future<?>> all = new ArrayList<>(traffic);
        all.add(replicas);
        return Future.join(all).transform(ignored -> {
            List<ForecastChart.Traffic> series = new ArrayList<>();
            for (int i = 0; i < traffic.size(); i++) {
                series.add(new ForecastChart.Traffic(names.get(i), traffic.get(i).result()));
            }
            for (int i = traffic.size(); i < names.size(); i++) {
                series.add(new ForecastChart.Traffic(names.get(i), List.of()));
            }
            return Future.succeededFuture(html(w.chart(replicas.result(), series), String.join(" ", notes)));
        });
    }

    /** One series over the window, summed across the series the query selects; a failure is a note and no samples. */
    private static Future<List<ForecastChart.Sample>> query(MetricsProvider metrics, Metric.Query q, Window w, String what,
                                                            List<String> notes) {
        Future<List<Series>> answer;
        try {
            answer = metrics.query(ProtoMapping.toQuery(q), Instant.ofEpochSecond(w.from()),
                    Instant.ofEpochSecond(Math.max(w.from(), Math.min(w.now(), w.to()))), Duration.ofSeconds(w.step()));
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        return answer.map(ForecastFragment::sum).otherwise(e -> {
            synchronized (notes) {
                notes.add("Cannot read " + what + ": " + KubeObjects.shortMessage(e) + ".");
            }
            return List.of();
        });
    }

    static List<ForecastChart.Sample> sum(List<Series> series) {
        Map<Long, Double> byTime = new TreeMap<>();
        for (Series s : series) {
            for (Point p : s.points()) {
                if (Double.isFinite(p.value())) {
                    byTime.merge(p.timestamp() / 1000, p.value(), Double::sum);
                }
            }
        }
        List<ForecastChart.Sample> out = new ArrayList<>(byTime.size());
        byTime.forEach((t, v) -> out.add(new ForecastChart.Sample(t, v)));
        return out;
    }

    private static String html(ForecastChart.Data d, String note) {
        StringBuilder b = new StringBuilder(8192);
        b.append("<figure class=\"forecast-figure\">").append(ForecastChart.svg(d)).append("<figcaption>")
                .append(ForecastChart.legend(d)).append("<p class=\"muted\">From <time>").append(Html.time(Instant.ofEpochSecond(d.from())))
                .append("</time> to <time>").append(Html.time(Instant.ofEpochSecond(d.to()))).append("</time> (UTC); ")
                .append(d.forecast().size()).append(" forecast points.</p>");
        if (note != null && !note.isEmpty()) {
            b.append("<p class=\"muted forecast-note\">").append(Html.esc(note)).append("</p>");
        }
        return b.append("</figcaption></figure>").toString();
    }

    /** The names of the IHPA's Dynamic providers' HorizontalPortraits: the only portraits its page may chart. */
    private static List<String> portraitNames(IntelligentHorizontalPodAutoscaler ihpa) {
        List<String> names = new ArrayList<>();
        List<PortraitProvider> providers = ihpa.getSpec() == null || ihpa.getSpec().portraitProviders == null
                ? List.of() : ihpa.getSpec().portraitProviders;
        for (PortraitProvider p : providers) {
            if (p.type == PortraitProvider.Type.Dynamic && p.dynamic != null && p.dynamic.portraitType != null
                    && !p.dynamic.portraitType.isEmpty()) {
                names.add(DynamicPortraitProviderEvaluator.portraitName(ihpa, p.dynamic.portraitType));
            }
        }
        return names;
    }

    /** The chart's time window and the query step, in epoch seconds, with the forecast's points. */
    record Window(long from, long to, long now, long step, List<ForecastChart.Sample> forecast) {
        ForecastChart.Data chart(List<ForecastChart.Sample> replicas, List<ForecastChart.Traffic> traffic) {
            return new ForecastChart.Data(from, to, now, forecast, replicas, traffic);
        }
    }

    /**
     * From before the first point (at least {@link #MIN_LOOKBACK} before now, as far back as the forecast reaches
     * ahead) to the expiry (or one bucket after the last point); at most {@link #MAX_WINDOW}, cut on the past side.
     * The step is the forecast's bucket, raised so no query asks for more than {@link #MAX_QUERY_POINTS} points,
     * and {@code from} is a multiple of it (the metrics are aligned on {@code start + k·step}).
     */
    static Window window(HorizontalPortraitStatus.PortraitData data, Instant nowInstant) {
        List<HorizontalPortraitStatus.TimeSeriesPoint> points = data.timeSeries.timeSeries;
        List<ForecastChart.Sample> forecast = new ArrayList<>(points.size());
        long bucket = Long.MAX_VALUE;
        long previous = Long.MIN_VALUE;
        for (HorizontalPortraitStatus.TimeSeriesPoint p : points) {
            if (p.timestamp == null || p.replicas == null) {
                continue;
            }
            forecast.add(new ForecastChart.Sample(p.timestamp, p.replicas));
            if (previous != Long.MIN_VALUE && p.timestamp > previous) {
                bucket = Math.min(bucket, p.timestamp - previous);
            }
            previous = p.timestamp;
        }
        bucket = bucket == Long.MAX_VALUE ? 600 : Math.max(60, bucket);
        long now = nowInstant.getEpochSecond();
        long first = forecast.isEmpty() ? now : forecast.get(0).time();
        long last = forecast.isEmpty() ? now : forecast.get(forecast.size() - 1).time();
        long to = expiry(data.expireTime, last + bucket);
        long ahead = Math.max(0, to - Math.min(first, now));
        long from = Math.min(first, now - Math.max(MIN_LOOKBACK.getSeconds(), ahead));
        from = Math.max(from, to - MAX_WINDOW.getSeconds());
        long step = Math.max(bucket, (long) Math.ceil((double) (to - from) / MAX_QUERY_POINTS));
        from = Math.floorDiv(from, step) * step;
        return new Window(from, to, now, step, forecast);
    }

    private static long expiry(String expireTime, long fallback) {
        if (expireTime == null || expireTime.isEmpty()) {
            return fallback;
        }
        try {
            return KubeTime.parse(expireTime).getEpochSecond();
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }
}
