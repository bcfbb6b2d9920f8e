package io.kapacitystack.kapacity.backtest;

import java.util.Arrays;

/** A right-continuous step function of whole-second time: the value set at an instant holds until the next change. */
final class StepSeries {

    private long[] times = new long[64];
    private int[] values = new int[64];
    private int size;

    /** Sets the value from {@code t} on; {@code t} must not be before the last change. */
    void set(long t, int value) {
        if (size > 0) {
            if (t < times[size - 1]) {
                throw new IllegalStateException("step at " + t + " before " + times[size - 1]);
            }
            if (values[size - 1] == value) {
                return;
            }
            if (times[size - 1] == t) {
                size--;
                if (size > 0 && values[size - 1] == value) {
                    return;
                }
            }
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        times[size] = t;
        values[size] = value;
        size++;
    }

    /** The value at {@code t} (the first value before the first change). */
    int at(long t) {
        int i = Arrays.binarySearch(times, 0, size, t);
        int idx = i >= 0 ? i : -i - 2;
        return values[Math.max(0, idx)];
    }

    int size() {
        return size;
    }

    long time(int i) {
        return times[i];
    }

    int value(int i) {
        return values[i];
    }

    /** Number of value changes at instants in [{@code from}, {@code to}). */
    int changesWithin(long from, long to) {
        int n = 0;
        for (int i = 1; i < size; i++) {
            if (times[i] >= from && times[i] < to) {
                n++;
            }
        }
        return n;
    }
}
