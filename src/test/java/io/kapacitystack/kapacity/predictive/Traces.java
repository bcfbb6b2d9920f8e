package io.kapacitystack.kapacity.predictive;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated traffic for the forecaster's tests and benchmarks: a base level, a daily shape peaking at 13:00 local
 * time, a weekend dip, an hourly ripple, a linear trend, Gaussian noise, spikes and gaps, each optional. The shape is
 * defined on the local wall clock of {@code zone}, as real traffic follows its users' clock across DST changes.
 */
public final class Traces {

    double base = 100;
    double daily = 0;
    double weekendFactor = 1;
    double hourly = 0;
    double trendPerDay = 0;
    double noise = 0;
    int spikes = 0;
    double spikeHeight = 0;
    final List<long[]> gaps = new ArrayList<>();
    ZoneId zone = ZoneOffset.UTC;
    long seed = 42;

    static Traces flat(double level) {
        Traces t = new Traces();
        t.base = level;
        return t;
    }

    Traces daily(double amplitude) {
        this.daily = amplitude;
        return this;
    }

    Traces weekend(double factor) {
        this.weekendFactor = factor;
        return this;
    }

    Traces hourly(double amplitude) {
        this.hourly = amplitude;
        return this;
    }

    Traces trend(double perDay) {
        this.trendPerDay = perDay;
        return this;
    }

    Traces noise(double sd) {
        this.noise = sd;
        return this;
    }

    Traces spikes(int count, double height) {
        this.spikes = count;
        this.spikeHeight = height;
        return this;
    }

    Traces gap(long fromEpoch, long toEpoch) {
        gaps.add(new long[]{fromEpoch, toEpoch});
        return this;
    }

    Traces zone(ZoneId z) {
        this.zone = z;
        return this;
    }

    Traces seed(long s) {
        this.seed = s;
        return this;
    }

    /** The noise-free value at an instant ({@code origin}: where the trend starts). */
    double truth(long t, long origin) {
        LocalDateTime local = LocalDateTime.ofInstant(java.time.Instant.ofEpochSecond(t), zone);
        double hour = local.toLocalTime().toSecondOfDay() / 3600.0;
        double dayShape = Math.exp(-Math.pow(hour - 13, 2) / (2 * 3.5 * 3.5));
        boolean weekend = local.getDayOfWeek().getValue() >= 6;
        double v = base + daily * dayShape * (weekend ? weekendFactor : 1);
        v += hourly * (0.5 + 0.5 * Math.sin(2 * Math.PI * (local.getMinute() + local.getSecond() / 60.0) / 60));
        v += trendPerDay * (t - origin) / 86_400.0;
        return Math.max(0, v);
    }

    /** One sample per {@code step} seconds over [from, to): times and values (NaN-free; gaps have no sample). */
    Predictor.History sample(long from, long to, long step) {
        Random rnd = new Random(seed);
        int n = (int) ((to - from) / step);
        long[] times = new long[n];
        double[] values = new double[n];
        int k = 0;
        java.util.Set<Integer> spikeAt = new java.util.HashSet<>();
        for (int i = 0; i < spikes; i++) {
            spikeAt.add(rnd.nextInt(Math.max(1, n)));
        }
        for (int i = 0; i < n; i++) {
            long t = from + i * step;
            double noiseDraw = rnd.nextGaussian();
            boolean inGap = false;
            for (long[] g : gaps) {
                if (t >= g[0] && t < g[1]) {
                    inGap = true;
                }
            }
            if (inGap) {
                continue;
            }
            double v = truth(t, from) + noise * noiseDraw;
            if (spikeAt.contains(i)) {
                v += spikeHeight;
            }
            times[k] = t;
            values[k++] = Math.max(0, v);
        }
        return new Predictor.History(java.util.Arrays.copyOf(times, k), java.util.Arrays.copyOf(values, k));
    }
}
