package io.kapacitystack.kapacity.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A predictive portrait's forecast drawn against what happened, as a server-rendered SVG: the forecast replicas (a
 * step line, each point holding until the next, the last until the data expires), the ready replicas that were
 * actually there, and each traffic series on its own right-hand scale, with a line at "now". Pure: values in, markup
 * out. No inline style (the console's Content-Security-Policy forbids it): colours come from console.css by class.
 * Every series is cut to the chart's window and thinned to at most {@link #MAX_POINTS} points by keeping each
 * slot's maximum (a forecast of peaks stays a forecast of peaks).
 */
final class ForecastChart {

    static final int WIDTH = 900;
    static final int HEIGHT = 280;
    static final int MAX_POINTS = 600;
    /** At most this many traffic series are drawn (the predictive job accepts 16; a chart of 16 lines reads as none). */
    static final int MAX_TRAFFIC = 4;
    private static final int LEFT = 48;
    private static final int RIGHT = 64;
    private static final int TOP = 26;
    private static final int BOTTOM = 28;
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

    /** One value at one instant (seconds since the epoch). */
    record Sample(long time, double value) {
    }

    /** A named traffic series. */
    record Traffic(String name, List<Sample> samples) {
    }

    /**
     * What the chart shows over {@code [from, to]}.
     *
     * @param forecast the portrait's points (replicas), time ordered; the last holds until {@code to}
     * @param replicas the ready replicas there were (may be empty)
     * @param traffic  the traffic series (may be empty)
     */
    record Data(long from, long to, long now, List<Sample> forecast, List<Sample> replicas, List<Traffic> traffic) {
    }

    private ForecastChart() {
    }

    static String svg(Data d) {
        long from = d.from();
        long to = Math.max(d.to(), from + 1);
        List<Sample> forecast = thin(window(d.forecast(), from, to, true), from, to);
        List<Sample> replicas = thin(window(d.replicas(), from, to, false), from, to);
        double maxReplicas = Math.max(1, Math.max(max(forecast), max(replicas)));
        double yTop = Math.ceil(maxReplicas + 1);
        List<Traffic> traffic = new ArrayList<>();
        double maxTraffic = 0;
        for (Traffic t : d.traffic().subList(0, Math.min(MAX_TRAFFIC, d.traffic().size()))) {
            List<Sample> s = thin(window(t.samples(), from, to, false), from, to);
            traffic.add(new Traffic(t.name(), s));
            maxTraffic = Math.max(maxTraffic, max(s));
        }
        double trafficTop = niceCeiling(maxTraffic);
        Scale x = new Scale(from, to, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(0, yTop, HEIGHT - BOTTOM, TOP);
        Scale yTraffic = new Scale(0, trafficTop, HEIGHT - BOTTOM, TOP);

        StringBuilder b = new StringBuilder(8192);
        b.append("<svg class=\"forecast-chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"forecast replicas against ready replicas and traffic\">");
        axes(b, x, y, yTraffic, from, to, yTop, trafficTop, !traffic.isEmpty());
        for (int i = 0; i < traffic.size(); i++) {
            line(b, "traffic traffic-" + i, traffic.get(i).samples(), x, yTraffic, false, to);
        }
        line(b, "actual", replicas, x, y, true, Math.min(to, d.now()));
        line(b, "forecast", forecast, x, y, true, to);
        if (d.now() >= from && d.now() <= to) {
            double nx = x.at(d.now());
            b.append("<line class=\"now\" x1=\"").append(num(nx)).append("\" x2=\"").append(num(nx)).append("\" y1=\"")
                    .append(TOP).append("\" y2=\"").append(HEIGHT - BOTTOM).append("\"/>");
            b.append("<text class=\"now-label\" x=\"").append(num(nx + 3)).append("\" y=\"").append(TOP + 10)
                    .append("\">now</text>");
        }
        b.append("</svg>");
        return b.toString();
    }

    /** The legend under the chart, one item per drawn line (names escaped). */
    static String legend(Data d) {
        StringBuilder b = new StringBuilder("<ul class=\"chart-legend\">");
        b.append("<li><span class=\"swatch forecast\"></span>forecast replicas (portrait)</li>");
        b.append("<li><span class=\"swatch actual\"></span>ready replicas</li>");
        for (int i = 0; i < Math.min(MAX_TRAFFIC, d.traffic().size()); i++) {
            b.append("<li><span class=\"swatch traffic-").append(i).append("\"></span>traffic ")
                    .append(Html.esc(d.traffic().get(i).name())).append(" (right axis)</li>");
        }
        if (d.traffic().size() > MAX_TRAFFIC) {
            b.append("<li class=\"muted\">").append(d.traffic().size() - MAX_TRAFFIC).append(" more traffic series not drawn</li>");
        }
        return b.append("</ul>").toString();
    }

    private static void axes(StringBuilder b, Scale x, Scale y, Scale yTraffic, long from, long to, double yTop,
                             double trafficTop, boolean withTraffic) {
        b.append("<g class=\"axes\">");
        b.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(HEIGHT - BOTTOM)
                .append("\" y2=\"").append(HEIGHT - BOTTOM).append("\"/>");
        int yStep = (int) Math.max(1, Math.ceil(yTop / 5));
        for (int v = 0; v <= yTop; v += yStep) {
            double py = y.at(v);
            b.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                    .append(num(py)).append("\" y2=\"").append(num(py)).append("\"/>");
            b.append("<text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(num(py + 4))
                    .append("\" text-anchor=\"end\">").append(v).append("</text>");
        }
        if (withTraffic) {
            for (int i = 0; i <= 4; i++) {
                double v = trafficTop * i / 4;
                b.append("<text class=\"tick traffic-tick\" x=\"").append(WIDTH - RIGHT + 6).append("\" y=\"")
                        .append(num(yTraffic.at(v) + 4)).append("\">").append(Html.esc(shortNumber(v))).append("</text>");
            }
        }
        long span = to - from;
        for (int i = 0; i <= 4; i++) {
            long t = from + span * i / 4;
            b.append("<text class=\"tick\" x=\"").append(num(x.at(t))).append("\" y=\"").append(HEIGHT - 8)
                    .append("\" text-anchor=\"middle\"><title>").append(Html.esc(Instant.ofEpochSecond(t))).append("</title>")
                    .append(Html.esc(HOUR.format(Instant.ofEpochSecond(t)))).append("</text>");
        }
        b.append("<text class=\"axis-label\" x=\"4\" y=\"12\">replicas</text>");
        if (withTraffic) {
            b.append("<text class=\"axis-label\" x=\"").append(WIDTH - 4).append("\" y=\"12\" text-anchor=\"end\">traffic</text>");
        }
        b.append("</g>");
    }

    /** A polyline of the samples; {@code stepped}: each value holds until the next, the last until {@code end}. */
    private static void line(StringBuilder b, String cls, List<Sample> samples, Scale x, Scale y, boolean stepped, long end) {
        if (samples.isEmpty()) {
            return;
        }
        b.append("<polyline class=\"").append(cls).append("\" points=\"");
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (stepped && i > 0) {
                point(b, x.at(s.time()), y.at(samples.get(i - 1).value()));
            }
            point(b, x.at(s.time()), y.at(s.value()));
        }
        Sample last = samples.get(samples.size() - 1);
        if (stepped && end > last.time()) {
            point(b, x.at(end), y.at(last.value()));
        }
        b.setLength(b.length() - 1);
        b.append("\"/>");
    }

    private static void point(StringBuilder b, double px, double py) {
        b.append(num(px)).append(',').append(num(py)).append(' ');
    }

    /**
     * The samples inside {@code [from, to]}, finite and non-negative; for a step series ({@code holds}) the last
     * sample before {@code from} is moved to {@code from}, since its value still holds there.
     */
    static List<Sample> window(List<Sample> samples, long from, long to, boolean holds) {
        List<Sample> out = new ArrayList<>();
        Sample before = null;
        for (Sample s : samples) {
            if (!Double.isFinite(s.value()) || s.value() < 0) {
                continue;
            }
            if (s.time() < from) {
                before = s;
            } else if (s.time() <= to) {
                if (holds && before != null && out.isEmpty() && s.time() > from) {
                    out.add(new Sample(from, before.value()));
                }
                out.add(s);
            }
        }
        if (holds && out.isEmpty() && before != null) {
            out.add(new Sample(from, before.value()));
        }
        return out;
    }

    /** At most {@link #MAX_POINTS}: the window cut into equal slots, each slot's maximum at the slot's first time. */
    static List<Sample> thin(List<Sample> samples, long from, long to) {
        if (samples.size() <= MAX_POINTS) {
            return samples;
        }
        double slot = (double) (to - from + 1) / MAX_POINTS;
        List<Sample> out = new ArrayList<>(MAX_POINTS);
        int current = -1;
        for (Sample s : samples) {
            int k = (int) Math.min(MAX_POINTS - 1, Math.floor((s.time() - from) / slot));
            if (k != current) {
                out.add(s);
                current = k;
            } else if (s.value() > out.get(out.size() - 1).value()) {
                out.set(out.size() - 1, new Sample(out.get(out.size() - 1).time(), s.value()));
            }
        }
        return out;
    }

    private static double max(List<Sample> samples) {
        double m = 0;
        for (Sample s : samples) {
            m = Math.max(m, s.value());
        }
        return m;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v} (a readable top of the traffic axis). */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String shortNumber(double v) {
        if (v >= 1_000_000) {
            return trim(v / 1_000_000) + "M";
        }
        if (v >= 1_000) {
            return trim(v / 1_000) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A linear map from values {@code [lo, hi]} to pixels {@code [p0, p1]}. */
    private record Scale(double lo, double hi, double p0, double p1) {
        double at(double v) {
            double f = hi == lo ? 0 : (v - lo) / (hi - lo);
            return p0 + Math.max(0, Math.min(1, f)) * (p1 - p0);
        }
    }
}
