package io.kapacitystack.kapacity.sandbox.traffic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests per second a simulated workload receives as a function of (simulated) time, parsed from the
 * {@code sandbox.kapacitystack.io/traffic} annotation. Cycles are aligned to the Unix epoch, so "periodic .../24h"
 * is lowest at 00:00 UTC and "vshape" follows the minute of the hour.
 * <ul>
 *   <li>{@code constant 300} — always 300 requests/s;</li>
 *   <li>{@code periodic 50..500/1h} — a cosine wave from 50 (start of each period) to 500 (middle);</li>
 *   <li>{@code steps 100@10m,600@5m} — 100 for 10 minutes, then 600 for 5 minutes, repeated;</li>
 *   <li>{@code vshape 100} — Kapacity's quick-start periodic client: at minute m of the hour
 *       {@code 100*|m-30|+1} requests spread over that minute, i.e. {@code (100*|m-30|+1)/60} requests/s;</li>
 *   <li>{@code csv <name>} — lines {@code <offset>,<requests/s>} (offset like {@code 0s}, {@code 10m}), held until
 *       the next line and repeated after the last offset plus the previous step; read from the classpath
 *       {@code sandbox/traffic/<name>.csv} or a file path.</li>
 * </ul>
 */
public interface TrafficProfile {

    double requestsPerSecond(Instant t);

    /** The annotation text this profile was parsed from. */
    String describe();

    TrafficProfile NONE = new Constant(0);

    /** @throws IllegalArgumentException with a message fit for an Event when the text is not a valid profile */
    static TrafficProfile parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty traffic annotation; expected e.g. \"constant 300\", "
                    + "\"periodic 50..500/1h\", \"steps 100@10m,600@5m\", \"vshape 100\" or \"csv <name>\"");
        }
        String trimmed = text.trim();
        String[] parts = trimmed.split("\\s+", 2);
        String kind = parts[0].toLowerCase(Locale.ROOT);
        String args = parts.length > 1 ? parts[1].trim() : "";
        return switch (kind) {
            case "constant" -> new Constant(nonNegative(args, "constant"));
            case "periodic" -> Periodic.parse(args);
            case "steps" -> Steps.parse(args);
            case "vshape" -> new VShape(nonNegative(args, "vshape"));
            case "csv" -> Steps.fromCsv(args);
            default -> throw new IllegalArgumentException("unknown traffic profile \"" + parts[0]
                    + "\"; expected one of constant, periodic, steps, vshape, csv");
        };
    }

    /** Parses {@code 30s}, {@code 10m}, {@code 1h}, {@code 24h}, {@code 1d}. */
    static Duration parseDuration(String text) {
        Matcher m = Pattern.compile("^(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)$").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\"; expected e.g. 30s, 10m, 1h, 1d");
        }
        double n = Double.parseDouble(m.group(1));
        double seconds = switch (m.group(2)) {
            case "ms" -> n / 1000;
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n * 86400;
        };
        if (seconds <= 0) {
            throw new IllegalArgumentException("duration must be positive: \"" + text + "\"");
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static double nonNegative(String text, String kind) {
        try {
            double v = Double.parseDouble(text);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(kind + " expects a non-negative number of requests/s, got \""
                    + text + "\"");
        }
    }

    /** Seconds since the start of the current cycle of length {@code period}. */
    private static double phaseSeconds(Instant t, Duration period) {
        double periodSeconds = period.toMillis() / 1000.0;
        double epochSeconds = t.getEpochSecond() + t.getNano() / 1e9;
        return ((epochSeconds % periodSeconds) + periodSeconds) % periodSeconds;
    }

    record Constant(double rps) implements TrafficProfile {
        @Override
        public double requestsPerSecond(Instant t) {
            return rps;
        }

        @Override
        public String describe() {
            return "constant " + rps;
        }
    }

    record Periodic(double min, double max, Duration period) implements TrafficProfile {
        private static final Pattern FORM = Pattern.compile("^(\\d+(?:\\.\\d+)?)\\.\\.(\\d+(?:\\.\\d+)?)/(\\S+)$");

        static Periodic parse(String args) {
            Matcher m = FORM.matcher(args.replace(" ", ""));
            if (!m.matches()) {
                throw new IllegalArgumentException("periodic expects <min>..<max>/<period>, e.g. "
                        + "\"periodic 50..500/1h\", got \"" + args + "\"");
            }
            double min = Double.parseDouble(m.group(1));
            double max = Double.parseDouble(m.group(2));
            if (max < min) {
                throw new IllegalArgumentException("periodic: max " + m.group(2) + " is below min " + m.group(1));
            }
            return new Periodic(min, max, parseDuration(m.group(3)));
        }

        @Override
        public double requestsPerSecond(Instant t) {
            double fraction = phaseSeconds(t, period) / (period.toMillis() / 1000.0);
            return min + (max - min) * (1 - Math.cos(2 * Math.PI * fraction)) / 2;
        }

        @Override
        public String describe() {
            return "periodic " + min + ".." + max + "/" + period;
        }
    }

    record Steps(List<Double> levels, List<Duration> durations, String source) implements TrafficProfile {

        static Steps parse(String args) {
            List<Double> levels = new ArrayList<>();
            List<Duration> durations = new ArrayList<>();
            for (String step : args.split(",")) {
                String[] lv = step.trim().split("@");
                if (lv.length != 2) {
                    throw new IllegalArgumentException("steps expects <rps>@<duration>,..., e.g. "
                            + "\"steps 100@10m,600@5m\", got \"" + args + "\"");
                }
                levels.add(nonNegative(lv[0].trim(), "steps"));
                durations.add(parseDuration(lv[1]));
            }
            return new Steps(levels, durations, "steps " + args);
        }

        static Steps fromCsv(String name) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("csv expects a name, e.g. \"csv weekly\"");
            }
            List<Duration> offsets = new ArrayList<>();
            List<Double> levels = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(open(name), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    line = line.trim();
                    if (line.isEmpty() || line.startsWith("#") || line.toLowerCase(Locale.ROOT).startsWith("offset")) {
                        continue;
                    }
                    String[] cells = line.split(",");
                    offsets.add(cells[0].trim().matches("0+[a-z]*") ? Duration.ZERO : parseDuration(cells[0]));
                    levels.add(nonNegative(cells[1].trim(), "csv"));
                }
            } catch (IOException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("csv traffic \"" + name + "\" cannot be read: " + e.getMessage());
            }
            if (levels.isEmpty()) {
                throw new IllegalArgumentException("csv traffic \"" + name + "\" has no rows");
            }
            List<Duration> durations = new ArrayList<>();
            for (int i = 0; i < offsets.size(); i++) {
                Duration next = i + 1 < offsets.size() ? offsets.get(i + 1)
                        : offsets.get(i).plus(i > 0 ? offsets.get(i).minus(offsets.get(i - 1)) : Duration.ofMinutes(1));
                Duration d = next.minus(offsets.get(i));
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("csv traffic \"" + name + "\": offsets must increase");
                }
                durations.add(d);
            }
            return new Steps(levels, durations, "csv " + name);
        }

        private static InputStream open(String name) throws IOException {
            InputStream in = TrafficProfile.class.getClassLoader().getResourceAsStream("sandbox/traffic/" + name + ".csv");
            if (in != null) {
                return in;
            }
            Path file = Path.of(name);
            if (Files.isRegularFile(file)) {
                return Files.newInputStream(file);
            }
            throw new IOException("no classpath resource sandbox/traffic/" + name + ".csv and no such file");
        }

        @Override
        public double requestsPerSecond(Instant t) {
            Duration cycle = durations.stream().reduce(Duration.ZERO, Duration::plus);
            double phase = phaseSeconds(t, cycle);
            double start = 0;
            for (int i = 0; i < levels.size(); i++) {
                double end = start + durations.get(i).toMillis() / 1000.0;
                if (phase < end) {
                    return levels.get(i);
                }
                start = end;
            }
            return levels.get(levels.size() - 1);
        }

        @Override
        public String describe() {
            return source;
        }
    }

    /** {@code (scale*|m-30|+1)} requests during minute m of the hour, spread evenly over that minute. */
    record VShape(double scale) implements TrafficProfile {
        @Override
        public double requestsPerSecond(Instant t) {
            long minuteOfHour = Math.floorMod(Math.floorDiv(t.getEpochSecond(), 60), 60);
            return (scale * Math.abs(minuteOfHour - 30) + 1) / 60.0;
        }

        @Override
        public String describe() {
            return "vshape " + scale;
        }
    }
}
