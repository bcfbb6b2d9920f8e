package io.kapacitystack.kapacity.cli;

import java.time.Duration;

/** Go durations ("1h30m", "15s", "500ms", "1.5h") for flags and CRD fields; parsing is the cron package's faithful Go parser. */
public final class GoDuration {

    private GoDuration() {
    }

    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("time: invalid duration \"\"");
        }
        return Duration.ofNanos(io.kapacitystack.kapacity.portrait.cron.GoDuration.parseNanos(text.trim()));
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
