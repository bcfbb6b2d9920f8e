package io.kapacitystack.kapacity.backtest;

import java.util.Arrays;

/**
 * A demand trace: strictly increasing whole-second timestamps and finite, non-negative values. Each sample holds
 * until the next one, unless the next comes more than twice the trace's usual step later (its median step): then the
 * sample holds for one usual step and the rest is a gap, where the demand is unknown. The last sample holds for one
 * usual step. Gaps are neither seen by the policies nor scored.
 */
public final class Trace {

    private final long[] times;
    private final double[] values;
    private final long step;

    /** @throws IllegalArgumentException when the samples break the rules above (the CSV reader says which line) */
    public Trace(long[] times, double[] values) {
        if (times.length != values.length) {
            throw new IllegalArgumentException("times and values differ in length");
        }
        if (times.length < 2) {
            throw new IllegalArgumentException("a trace needs at least two samples, got " + times.length);
        }
        for (int i = 0; i < times.length; i++) {
            if (!Double.isFinite(values[i]) || values[i] < 0) {
                throw new IllegalArgumentException("sample " + i + ": the value must be a finite number >= 0, got " + values[i]);
            }
            if (i > 0 && times[i] <= times[i - 1]) {
                throw new IllegalArgumentException("sample " + i + ": timestamps must increase");
            }
        }
        this.times = times.clone();
        this.values = values.clone();
        long[] diffs = new long[times.length - 1];
        for (int i = 1; i < times.length; i++) {
            diffs[i - 1] = times[i] - times[i - 1];
        }
        Arrays.sort(diffs);
        this.step = diffs[(diffs.length - 1) / 2];
    }

    public int size() {
        return times.length;
    }

    public long time(int i) {
        return times[i];
    }

    public double value(int i) {
        return values[i];
    }

    /** The usual step: the median (lower middle) of the steps between samples, in seconds. */
    public long step() {
        return step;
    }

    public long start() {
        return times[0];
    }

    /** Where the last sample's hold ends: the end of the trace. */
    public long end() {
        return holdEnd(times.length - 1);
    }

    /** Where sample {@code i}'s value stops holding (the next sample, or the start of a gap). */
    public long holdEnd(int i) {
        if (i + 1 < times.length && times[i + 1] - times[i] <= 2 * step) {
            return times[i + 1];
        }
        return times[i] + step;
    }

    /** Number of samples taken strictly before {@code t} (what a policy deciding at {@code t} may have seen). */
    public int countBefore(long t) {
        int i = Arrays.binarySearch(times, t);
        return i >= 0 ? i : -i - 1;
    }

    /** The first {@code n} samples (a trace of its own: the causality test compares a trace with its truncation). */
    public Trace prefix(int n) {
        return new Trace(Arrays.copyOf(times, n), Arrays.copyOf(values, n));
    }

    long[] timesUntil(int from, int to) {
        return Arrays.copyOfRange(times, from, to);
    }

    double[] valuesUntil(int from, int to) {
        return Arrays.copyOfRange(values, from, to);
    }
}
