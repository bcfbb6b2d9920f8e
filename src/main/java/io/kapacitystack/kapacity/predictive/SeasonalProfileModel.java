package io.kapacitystack.kapacity.predictive;

import org.hipparchus.stat.descriptive.rank.Median;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A robust seasonal profile: for each position in the longest period found (in local wall-clock time), the median of
 * the peaks seen there, so spikes and gaps do not bend it; shifted by the median deviation of the most recent day
 * from it, so a level change is followed. With few cycles (a weekly period seen for two weeks) the neighbouring
 * positions are pooled in until each median rests on about {@link #MIN_SAMPLES_PER_PHASE} peaks.
 */
public final class SeasonalProfileModel implements ForecastModel {

    public static final String NAME = "seasonal-profile";
    /** Peaks each position's median should rest on: with fewer cycles, neighbouring positions are pooled in. */
    static final double MIN_SAMPLES_PER_PHASE = 5;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] forecast(BucketSeries s, int end, long[] future, List<Period> periods) {
        if (periods.isEmpty() || end == 0) {
            return null;
        }
        Period longest = periods.get(periods.size() - 1);
        int perPeriod = s.bucketsPer(longest);
        double cycles = (double) end / perPeriod;
        int pool = (int) Math.max(0, Math.ceil((MIN_SAMPLES_PER_PHASE / Math.max(1, Math.floor(cycles)) - 1) / 2));
        Map<Integer, List<Double>> byPhase = new HashMap<>();
        List<Double> all = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            double y = s.peaks()[i];
            if (Double.isNaN(y)) {
                continue;
            }
            int phase = s.phase(longest, s.starts()[i]);
            for (int d = -pool; d <= pool; d++) {
                byPhase.computeIfAbsent(Math.floorMod(phase + d, perPeriod), k -> new ArrayList<>()).add(y);
            }
            all.add(y);
        }
        if (all.isEmpty()) {
            return null;
        }
        Map<Integer, Double> profile = new HashMap<>();
        byPhase.forEach((k, v) -> profile.put(k, median(v)));
        double overall = median(all);
        double[] fitted = new double[end];
        for (int i = 0; i < end; i++) {
            fitted[i] = profile.getOrDefault(s.phase(longest, s.starts()[i]), overall);
        }
        double level = recentLevel(s, end, fitted);
        double[] out = new double[future.length];
        for (int i = 0; i < future.length; i++) {
            out[i] = Math.max(0, profile.getOrDefault(s.phase(longest, future[i]), overall) + level);
        }
        return out;
    }

    /** Median deviation of the last day's observed peaks (or fewer, if the history is shorter) from the fit. */
    private static double recentLevel(BucketSeries s, int end, double[] fitted) {
        int from = Math.max(0, end - s.bucketsPer(Period.DAY));
        List<Double> d = new ArrayList<>();
        for (int i = from; i < end; i++) {
            if (!Double.isNaN(s.peaks()[i])) {
                d.add(s.peaks()[i] - fitted[i]);
            }
        }
        return d.isEmpty() ? 0 : median(d);
    }

    static double median(List<Double> values) {
        double[] a = new double[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        return new Median().evaluate(a);
    }
}
