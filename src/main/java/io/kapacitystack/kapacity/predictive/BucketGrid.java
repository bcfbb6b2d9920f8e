package io.kapacitystack.kapacity.predictive;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.Arrays;

/**
 * Buckets of {@code --scaling-freq} aligned to the wall clock of a time zone: a bucket starts where the local time is a
 * multiple of the bucket length (with UTC, exactly pandas' default origin that Kapacity's job uses; with
 * Asia/Kolkata and one-hour buckets, at :30 UTC). Across a DST change the local alignment is kept, so a local day has
 * 23 or 25 hourly buckets. Buckets are labelled by their start, in epoch seconds.
 */
public final class BucketGrid {

    /** The most buckets one grid call may produce (bounds memory for absurd ranges). */
    static final int MAX_BUCKETS = 1_000_000;

    private final long seconds;
    private final ZoneRules rules;
    private final ZoneId zone;

    public BucketGrid(Duration bucket, ZoneId zone) {
        if (bucket.getSeconds() < 1 || bucket.getNano() != 0) {
            throw new IllegalArgumentException("bucket length must be a whole number of seconds, got " + bucket);
        }
        this.seconds = bucket.getSeconds();
        this.zone = zone;
        this.rules = zone.getRules();
    }

    public long bucketSeconds() {
        return seconds;
    }

    public ZoneId zone() {
        return zone;
    }

    /** UTC offset in seconds at an instant. */
    int offsetAt(long epochSecond) {
        return rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
    }

    /** Start of the bucket holding {@code epochSecond}. */
    public long startOf(long epochSecond) {
        int off = offsetAt(epochSecond);
        return Math.floorDiv(epochSecond + off, seconds) * seconds - off;
    }

    /** Start of the bucket after the one starting at {@code start}. */
    public long next(long start) {
        long n = startOf(start + seconds);
        return n > start ? n : start + seconds;
    }

    /** Starts of the buckets from the one holding {@code from} up to those starting before {@code toExclusive}. */
    public long[] starts(long from, long toExclusive) {
        long[] out = new long[64];
        int n = 0;
        for (long s = startOf(from); s < toExclusive; s = next(s)) {
            if (n == MAX_BUCKETS) {
                throw new IllegalArgumentException("more than " + MAX_BUCKETS + " buckets of " + seconds + "s");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = s;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Resamples points (epoch seconds ascending, values) by maximum into the buckets {@code starts}: a point belongs
     * to the last bucket starting at or before it; points before the first bucket or at/after {@code endExclusive} are
     * ignored. A bucket without a (non-NaN) point is NaN.
     */
    public static double[] resampleMax(long[] times, double[] values, long[] starts, long endExclusive) {
        double[] out = new double[starts.length];
        Arrays.fill(out, Double.NaN);
        int b = 0;
        for (int i = 0; i < times.length; i++) {
            long t = times[i];
            if (starts.length == 0 || t < starts[0] || t >= endExclusive || Double.isNaN(values[i])) {
                continue;
            }
            if (b < starts.length - 1 && t >= starts[b + 1]) {
                int found = Arrays.binarySearch(starts, t);
                b = found >= 0 ? found : -found - 2;
            } else if (t < starts[b]) {
                int found = Arrays.binarySearch(starts, t);
                b = found >= 0 ? found : -found - 2;
            }
            if (Double.isNaN(out[b]) || values[i] > out[b]) {
                out[b] = values[i];
            }
        }
        return out;
    }
}
