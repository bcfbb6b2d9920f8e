package io.kapacitystack.kapacity.gocompat;

import java.time.Duration;

/**
 * Go's {@code time.ParseDuration} (flags, CRD fields, cron's {@code @every <duration>}) and Duration.String(). Java's {@link Duration#parse} speaks
 * ISO-8601 ({@code PT1H30M}); users write Go durations ({@code 1h30m}, {@code 1.5h}, {@code 90s}) because that is
 * what upstream documents, so the same strings must be accepted and rejected here. Error texts are Go's.
 */
public final class GoDuration {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** 2^63 as an unsigned 64-bit value: Go's overflow bound in its uint64 accumulator. */
    private static final long TWO_63 = Long.MIN_VALUE;

    private GoDuration() {
    }

    /** A Go duration ("1h30m", "15s", "500ms", "1.5h") of a flag or CRD field, surrounding blanks ignored. */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("time: invalid duration \"\"");
        }
        return Duration.ofNanos(parseNanos(text.trim()));
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

    /** Returns the duration in nanoseconds (may be negative or zero, as in Go). */
    public static long parseNanos(String orig) {
        String s = orig;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw invalid(orig);
        }
        long d = 0; // unsigned
        while (!s.isEmpty()) {
            char c0 = s.charAt(0);
            if (!(c0 == '.' || (c0 >= '0' && c0 <= '9'))) {
                throw invalid(orig);
            }
            Digits integer = leadingInt(s, orig);
            long v = integer.value();
            int i = integer.length();
            boolean pre = i > 0;
            s = s.substring(i);
            long f = 0;
            double scale = 1;
            boolean post = false;
            if (!s.isEmpty() && s.charAt(0) == '.') {
                Digits fraction = leadingFraction(s.substring(1));
                f = fraction.value();
                scale = fraction.scale();
                post = fraction.length() > 0;
                s = s.substring(1 + fraction.length());
            }
            if (!pre && !post) {
                throw invalid(orig);
            }
            int u = 0;
            while (u < s.length() && !(s.charAt(u) == '.' || (s.charAt(u) >= '0' && s.charAt(u) <= '9'))) {
                u++;
            }
            if (u == 0) {
                throw new IllegalArgumentException("time: missing unit in duration " + GoStrings.quote(orig));
            }
            String unitName = s.substring(0, u);
            s = s.substring(u);
            long unit = unitNanos(unitName);
            if (unit == 0) {
                throw new IllegalArgumentException("time: unknown unit " + GoStrings.quote(unitName)
                        + " in duration " + GoStrings.quote(orig));
            }
            if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, unit)) > 0) {
                throw invalid(orig);
            }
            v *= unit;
            if (f != 0) {
                v += (long) (unsignedToDouble(f) * ((double) unit / scale));
                if (Long.compareUnsigned(v, TWO_63) > 0) {
                    throw invalid(orig);
                }
            }
            long sum = d + v;
            // Go's uint64 would silently wrap at 2^64 here; reject instead (only reachable by absurd input)
            if (Long.compareUnsigned(sum, d) < 0 || Long.compareUnsigned(sum, TWO_63) > 0) {
                throw invalid(orig);
            }
            d = sum;
        }
        if (neg) {
            return -d; // 2^63 negates to Long.MIN_VALUE, exactly Go's -int64(1<<63)
        }
        if (d < 0) {
            throw invalid(orig);
        }
        return d;
    }

    /** A run of digits: its value (unsigned), the power of ten it was scaled by (fractions) and its length. */
    private record Digits(long value, double scale, int length) {
    }

    /** Go's {@code leadingInt}: the digits at the start of {@code s}; more than 2^63 is an invalid duration. */
    private static Digits leadingInt(String s, String orig) {
        int i = 0;
        long v = 0; // unsigned
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, 10)) > 0) {
                throw invalid(orig);
            }
            v = v * 10 + (s.charAt(i) - '0');
            if (Long.compareUnsigned(v, TWO_63) > 0) {
                throw invalid(orig);
            }
            i++;
        }
        return new Digits(v, 1, i);
    }

    /**
     * Go's {@code leadingFraction}: the digits after a decimal point; digits beyond what fits are consumed but
     * ignored, as Go does.
     */
    private static Digits leadingFraction(String s) {
        long f = 0;
        double scale = 1;
        int j = 0;
        boolean overflow = false;
        while (j < s.length() && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
            if (!overflow) {
                if (Long.compareUnsigned(f, Long.MAX_VALUE / 10) > 0) {
                    overflow = true;
                } else {
                    long y = f * 10 + (s.charAt(j) - '0');
                    if (Long.compareUnsigned(y, TWO_63) > 0) {
                        overflow = true;
                    } else {
                        f = y;
                        scale *= 10;
                    }
                }
            }
            j++;
        }
        return new Digits(f, scale, j);
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> NANOS_PER_SECOND;
            case "m" -> 60 * NANOS_PER_SECOND;
            case "h" -> 3600 * NANOS_PER_SECOND;
            default -> 0L;
        };
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? (double) v : 0x1.0p63 + (double) (v & Long.MAX_VALUE);
    }

    private static IllegalArgumentException invalid(String orig) {
        return new IllegalArgumentException("time: invalid duration " + GoStrings.quote(orig));
    }
}
