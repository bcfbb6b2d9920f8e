package io.kapacitystack.kapacity.predictive;

/**
 * Per-bucket peaks of one series on a {@link BucketGrid}: {@code starts[i]} is the bucket's start (epoch seconds),
 * {@code peaks[i]} its maximum (NaN where no sample fell in it).
 */
public record BucketSeries(BucketGrid grid, long[] starts, double[] peaks) {

    public BucketSeries {
        if (starts.length != peaks.length) {
            throw new IllegalArgumentException("starts and peaks differ in length");
        }
    }

    public int size() {
        return starts.length;
    }

    /** Position of bucket {@code i} inside {@code period}, in buckets, on the local wall clock. */
    int phase(Period period, long start) {
        return (int) (period.secondsInto(start, grid.offsetAt(start)) / grid.bucketSeconds());
    }

    /** Buckets per period (the period need not be a multiple of the bucket). */
    int bucketsPer(Period period) {
        return (int) Math.max(1, period.seconds / grid.bucketSeconds());
    }
}
