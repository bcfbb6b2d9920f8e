package io.kapacitystack.kapacity.backtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a trace CSV: the header {@code timestamp,value}, then one sample per line. Timestamps are ISO-8601 (with an
 * offset or {@code Z}; without one, UTC), {@code YYYY-MM-DD HH:MM:SS} in UTC, or epoch seconds; fractions of a second
 * are dropped. Values are finite numbers >= 0. Blank lines are skipped. Every refusal names the line and the reason.
 */
public final class TraceCsv {

    /** Rows accepted at most (a year of 10-second samples). */
    public static final int MAX_ROWS = 3_200_000;
    /** Characters of one line accepted at most. */
    public static final int MAX_LINE = 200;

    private static final DateTimeFormatter SPACED = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

    private TraceCsv() {
    }

    public static Trace read(Reader in) throws IOException, TraceException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        long[] times = new long[1024];
        double[] values = new double[1024];
        int n = 0;
        int lineNo = 0;
        boolean header = false;
        String line;
        while ((line = readBounded(r, lineNo + 1)) != null) {
            lineNo++;
            String text = line.strip();
            if (lineNo == 1 && text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            if (text.isEmpty()) {
                continue;
            }
            if (!header) {
                if (!text.toLowerCase(Locale.ROOT).replace(" ", "").equals("timestamp,value")) {
                    throw new TraceException(lineNo, "expected the header \"timestamp,value\", got \"" + shorten(text) + "\"");
                }
                header = true;
                continue;
            }
            int comma = text.indexOf(',');
            if (comma < 0 || text.indexOf(',', comma + 1) >= 0) {
                throw new TraceException(lineNo, "expected two columns \"timestamp,value\", got \"" + shorten(text) + "\"");
            }
            long t = timestamp(text.substring(0, comma).strip(), lineNo);
            double v = value(text.substring(comma + 1).strip(), lineNo);
            if (n > 0 && t <= times[n - 1]) {
                throw new TraceException(lineNo, "timestamps must increase: " + Instant.ofEpochSecond(t)
                        + (t == times[n - 1] ? " repeats the previous row's" : " is before the previous row's ")
                        + (t == times[n - 1] ? "" : Instant.ofEpochSecond(times[n - 1]).toString()));
            }
            if (n == MAX_ROWS) {
                throw new TraceException(lineNo, "more than " + MAX_ROWS + " rows");
            }
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
                values = Arrays.copyOf(values, n * 2);
            }
            times[n] = t;
            values[n] = v;
            n++;
        }
        if (!header) {
            throw new TraceException(0, "the trace is empty: expected the header \"timestamp,value\" and at least two rows");
        }
        if (n < 2) {
            throw new TraceException(lineNo, "a trace needs at least two rows, found " + n);
        }
        return new Trace(Arrays.copyOf(times, n), Arrays.copyOf(values, n));
    }

    private static String readBounded(BufferedReader r, int lineNo) throws IOException, TraceException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = r.read()) >= 0) {
            if (c == '\n') {
                return b.toString();
            }
            if (c != '\r') {
                if (b.length() == MAX_LINE) {
                    throw new TraceException(lineNo, "line longer than " + MAX_LINE + " characters");
                }
                b.append((char) c);
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** A timestamp given on the command line, in any of the trace's forms. */
    public static long parseTimestamp(String s, String flag) {
        try {
            return timestamp(s.strip(), 0);
        } catch (TraceException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    /** Samples from elsewhere (a range query), checked as rows are; {@code what} names a sample in messages. */
    public static Trace fromSamples(long[] times, double[] values, String what) throws TraceException {
        for (int i = 0; i < times.length; i++) {
            String at = what + " at " + Instant.ofEpochSecond(times[i]);
            if (!Double.isFinite(values[i])) {
                throw new TraceException(0, at + ": the value must be a finite number, got " + values[i]);
            }
            if (values[i] < 0) {
                throw new TraceException(0, at + ": the value must not be negative, got " + values[i]);
            }
            if (i > 0 && times[i] <= times[i - 1]) {
                throw new TraceException(0, at + ": timestamps must increase");
            }
        }
        if (times.length < 2) {
            throw new TraceException(0, "a trace needs at least two samples, got " + times.length);
        }
        return new Trace(times, values);
    }

    static long timestamp(String s, int lineNo) throws TraceException {
        if (s.isEmpty()) {
            throw new TraceException(lineNo, "the timestamp is empty");
        }
        if (s.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch == '.')) {
            try {
                return new java.math.BigDecimal(s).longValueExact();
            } catch (ArithmeticException e) {
                try {
                    return new java.math.BigDecimal(s).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
                } catch (ArithmeticException | NumberFormatException e2) {
                    throw new TraceException(lineNo, "unparsable timestamp \"" + shorten(s) + "\"");
                }
            } catch (NumberFormatException e) {
                throw new TraceException(lineNo, "unparsable timestamp \"" + shorten(s) + "\"");
            }
        }
        try {
            return OffsetDateTime.parse(s).toEpochSecond();
        } catch (DateTimeException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(s).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(s, SPACED).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            throw new TraceException(lineNo, "unparsable timestamp \"" + shorten(s)
                    + "\": expected ISO-8601, YYYY-MM-DD HH:MM:SS (UTC) or epoch seconds");
        }
    }

    static double value(String s, int lineNo) throws TraceException {
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.contains("nan") || lower.contains("inf")) {
            throw new TraceException(lineNo, "the value must be a finite number, got " + shorten(s));
        }
        double v;
        try {
            if (s.isEmpty() || s.matches(".*[dDfFxX].*")) {
                throw new NumberFormatException(s);
            }
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new TraceException(lineNo, "unparsable value \"" + shorten(s) + "\"");
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new TraceException(lineNo, "the value must be a finite number, got " + shorten(s));
        }
        if (v < 0) {
            throw new TraceException(lineNo, "the value must not be negative, got " + shorten(s));
        }
        return v;
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
