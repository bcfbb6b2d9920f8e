package io.kapacitystack.kapacity.backtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The chart of a backtest: the demand in replicas' capacity (demand / capacity per replica, grey area) and each
 * policy's ready replicas (lines) over time. Drawn by hand as SVG, or with Java2D into a PNG. Each series is reduced
 * to one point per column of pixels (the demand's maximum in that column, a policy's minimum ready pods: what was
 * missed stays visible).
 */
public final class Plot {

    static final int WIDTH = 1200;
    static final int HEIGHT = 420;
    static final int LEFT = 60;
    static final int RIGHT = 170;
    static final int TOP = 20;
    static final int BOTTOM = 40;
    private static final String[] COLORS = {"#000000", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};

    private Plot() {
    }

    /** A series reduced to the plot's columns: x in pixels, y in replicas. */
    record Line(String name, String color, double[] values) {
    }

    record Chart(long start, long end, double yMax, double[] demand, List<Line> lines) {
    }

    static Chart chart(Backtest.Result r) {
        Trace t = r.trace();
        int columns = WIDTH - LEFT - RIGHT;
        long start = t.start();
        long end = t.end();
        double span = end - start;
        double[] demand = new double[columns];
        Arrays.fill(demand, Double.NaN);
        for (int i = 0; i < t.size(); i++) {
            int a = (int) Math.floor((t.time(i) - start) / span * columns);
            int b = (int) Math.ceil((t.holdEnd(i) - start) / span * columns);
            double v = t.value(i) / r.workload().capacityPerReplica();
            for (int c = Math.max(0, a); c < Math.min(columns, Math.max(b, a + 1)); c++) {
                demand[c] = Double.isNaN(demand[c]) ? v : Math.max(demand[c], v);
            }
        }
        double yMax = 1;
        for (double d : demand) {
            if (!Double.isNaN(d)) {
                yMax = Math.max(yMax, d);
            }
        }
        List<Line> lines = new ArrayList<>();
        int k = 0;
        for (PolicyRun p : r.runs()) {
            double[] v = new double[columns];
            for (int c = 0; c < columns; c++) {
                long from = start + (long) Math.floor(c * span / columns);
                long to = start + (long) Math.floor((c + 1) * span / columns);
                int min = p.readyAt(from);
                StepSeries s = p.ready;
                for (int i = 0; i < s.size(); i++) {
                    if (s.time(i) > from && s.time(i) < to) {
                        min = Math.min(min, s.value(i));
                    }
                }
                v[c] = min;
                yMax = Math.max(yMax, min);
            }
            lines.add(new Line(p.policy(), COLORS[k++ % COLORS.length], v));
        }
        return new Chart(start, end, yMax * 1.05, demand, lines);
    }

    private static double y(Chart c, double v) {
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - v / c.yMax());
    }

    public static String svg(Backtest.Result r) {
        Chart c = chart(r);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        // demand area, broken at gaps
        StringBuilder path = new StringBuilder();
        boolean open = false;
        double base = y(c, 0);
        for (int x = 0; x < c.demand().length; x++) {
            double v = c.demand()[x];
            if (Double.isNaN(v)) {
                if (open) {
                    path.append(String.format(Locale.ROOT, "L%d %.1f Z ", LEFT + x, base));
                    open = false;
                }
                continue;
            }
            if (!open) {
                path.append(String.format(Locale.ROOT, "M%d %.1f ", LEFT + x, base));
                open = true;
            }
            path.append(String.format(Locale.ROOT, "L%d %.1f L%d %.1f ", LEFT + x, y(c, v), LEFT + x + 1, y(c, v)));
        }
        if (open) {
            path.append(String.format(Locale.ROOT, "L%d %.1f Z", LEFT + c.demand().length, base));
        }
        b.append("<path d=\"").append(path).append("\" fill=\"#cccccc\" stroke=\"none\"/>\n");
        for (Line l : c.lines()) {
            StringBuilder pts = new StringBuilder();
            for (int x = 0; x < l.values().length; x++) {
                pts.append(String.format(Locale.ROOT, "%d,%.1f %d,%.1f ", LEFT + x, y(c, l.values()[x]), LEFT + x + 1,
                        y(c, l.values()[x])));
            }
            b.append("<polyline fill=\"none\" stroke-width=\"1.2\" stroke=\"").append(l.color()).append("\" points=\"")
                    .append(pts.toString().strip()).append("\"/>\n");
        }
        axes(c, new SvgText(b));
        b.append("</svg>\n");
        return b.toString();
    }

    public static void png(Backtest.Result r, OutputStream out) throws IOException {
        Chart c = chart(r);
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(new Color(0xcc, 0xcc, 0xcc));
            for (int x = 0; x < c.demand().length; x++) {
                double v = c.demand()[x];
                if (!Double.isNaN(v)) {
                    int top = (int) Math.round(y(c, v));
                    g.fillRect(LEFT + x, top, 1, (int) Math.round(y(c, 0)) - top);
                }
            }
            g.setStroke(new BasicStroke(1.2f));
            for (Line l : c.lines()) {
                g.setColor(Color.decode(l.color()));
                Path2D.Double p = new Path2D.Double();
                for (int x = 0; x < l.values().length; x++) {
                    double yy = y(c, l.values()[x]);
                    if (x == 0) {
                        p.moveTo(LEFT, yy);
                    } else {
                        p.lineTo(LEFT + x, yy);
                    }
                    p.lineTo(LEFT + x + 1, yy);
                }
                g.draw(p);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            axes(c, new Java2dText(g));
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", out);
    }

    /** Text and straight lines, the same on both surfaces. */
    private interface Surface {
        void line(double x1, double y1, double x2, double y2, String color);

        void text(double x, double y, String text, String color, boolean end);
    }

    private static void axes(Chart c, Surface s) {
        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        double y0 = y(c, 0);
        s.line(x0, TOP, x0, y0, "#000000");
        s.line(x0, y0, x1, y0, "#000000");
        int ticks = 5;
        for (int i = 0; i <= ticks; i++) {
            double v = c.yMax() / 1.05 * i / ticks;
            s.line(x0 - 4, y(c, v), x0, y(c, v), "#000000");
            s.text(x0 - 6, y(c, v) + 4, String.format(Locale.ROOT, "%.0f", v), "#000000", true);
        }
        for (int i = 0; i <= 4; i++) {
            long at = c.start() + (c.end() - c.start()) * i / 4;
            double x = x0 + (x1 - x0) * i / 4.0;
            s.line(x, y0, x, y0 + 4, "#000000");
            String label = Instant.ofEpochSecond(at).toString().replace("T", " ").replace("Z", "");
            s.text(i == 4 ? x : x - 50, y0 + 18, label, "#000000", i == 4);
        }
        s.text(x0 - 50, TOP - 6, "replicas", "#000000", false);
        double ly = TOP + 10;
        s.line(x1 + 10, ly, x1 + 30, ly, "#aaaaaa");
        s.text(x1 + 35, ly + 4, "demand / capacity", "#000000", false);
        for (Line l : c.lines()) {
            ly += 18;
            s.line(x1 + 10, ly, x1 + 30, ly, l.color());
            s.text(x1 + 35, ly + 4, l.name() + " ready", "#000000", false);
        }
    }

    private record SvgText(StringBuilder b) implements Surface {
        @Override
        public void line(double x1, double y1, double x2, double y2, String color) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"/>%n",
                    x1, y1, x2, y2, color, y1 == y2 && x2 - x1 == 20 ? "3" : "1"));
        }

        @Override
        public void text(double x, double y, String text, String color, boolean end) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\"%s>%s</text>%n", x, y, color,
                    end ? " text-anchor=\"end\"" : "", xml(text)));
        }
    }

    private record Java2dText(Graphics2D g) implements Surface {
        @Override
        public void line(double x1, double y1, double x2, double y2, String color) {
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke(y1 == y2 && x2 - x1 == 20 ? 3f : 1f));
            g.drawLine((int) Math.round(x1), (int) Math.round(y1), (int) Math.round(x2), (int) Math.round(y2));
        }

        @Override
        public void text(double x, double y, String text, String color, boolean end) {
            g.setColor(Color.decode(color));
            int w = end ? g.getFontMetrics().stringWidth(text) : 0;
            g.drawString(text, (int) Math.round(x) - w, (int) Math.round(y));
        }
    }

    /** Escapes text for SVG (XML): policy names come from the user. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch < 0x20 ? ' ' : ch);
            }
        }
        return b.toString();
    }

    static byte[] svgBytes(Backtest.Result r) {
        return svg(r).getBytes(StandardCharsets.UTF_8);
    }
}
