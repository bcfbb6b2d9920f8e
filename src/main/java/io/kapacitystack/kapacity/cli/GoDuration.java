package io.kapacitystack.kapacity.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go's time.ParseDuration syntax ("1h30m", "15s", "500ms", "1.5h"), used by Kapacity's flags and CRD fields. */
public final class GoDuration {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

    private GoDuration() {
    }

    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("time: invalid duration \"\"");
        }
        String s = text.trim();
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        double nanos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
            }
            double value = Double.parseDouble(m.group(1));
            nanos += value * unitNanos(m.group(2));
            pos = m.end();
        }
        Duration d = Duration.ofNanos(Math.round(nanos));
        return negative ? d.negated() : d;
    }

    private static double unitNanos(String unit) {
        switch (unit) {
            case "ns": return 1;
            case "us": case "µs": case "μs": return 1e3;
            case "ms": return 1e6;
            case "s": return 1e9;
            case "m": return 60e9;
            case "h": return 3600e9;
            default: throw new IllegalArgumentException("time: unknown unit " + unit);
        }
    }

    /** Formats like Go's Duration.String() for whole seconds: "1h30m0s", "15s". */
    public static String format(Duration d) {
        long s = d.getSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (s >= 3600) {
            sb.append(s / 3600).append('h');
            s %= 3600;
            sb.append(s / 60).append('m');
            s %= 60;
        } else if (s >= 60) {
            sb.append(s / 60).append('m');
            s %= 60;
        }
        sb.append(s).append('s');
        return sb.toString();
    }
}
