package io.kapacitystack.kapacity.predictive;

import org.hipparchus.complex.Complex;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.hipparchus.stat.descriptive.rank.Median;
import org.hipparchus.stat.regression.SimpleRegression;
import org.hipparchus.transform.DftNormalization;
import org.hipparchus.transform.FastFourierTransformer;
import org.hipparchus.transform.TransformType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds which of the hourly, daily and weekly periods a series has, from two independent signs: the share of the
 * spectrum's power at the period's harmonics (excluding those a shorter period already explains, so a daily shape
 * does not make a "weekly" period) and the autocorrelation at the period's lag. Both must agree.
 */
public final class Seasonality {

    /** Share of the detrended series' spectral power a period's own harmonics must hold. */
    static final double MIN_POWER_SHARE = 0.10;
    /** Autocorrelation at the period's lag a period must show. */
    static final double MIN_AUTOCORRELATION = 0.30;
    /**
     * How much higher the autocorrelation at a period's lag must be than at the longest shorter period found: a
     * daily shape repeats at a week's lag too, but only a weekly pattern repeats better there.
     */
    static final double MIN_AUTOCORRELATION_GAIN = 0.02;
    /** A period is examined only when the series holds this many cycles of it (enough overlap for the lag). */
    static final double MIN_CYCLES_TO_EXAMINE = 1.5;
    /** Harmonics of a period counted in its spectral share. */
    static final int MAX_HARMONICS = 12;
    /** Buckets a period must span to be told apart from noise. */
    static final int MIN_BUCKETS_PER_PERIOD = 4;
    /** Robust deviations (MAD × 1.4826) beyond which a value is clipped before the spectrum is taken. */
    static final double CLIP_MADS = 4.0;

    /** One examined period and the evidence for it. */
    public record Candidate(Period period, double powerShare, double autocorrelation, boolean found) {
    }

    /** The examined candidates (shortest first) and those found. */
    public record Report(List<Candidate> candidates) {
        public List<Period> found() {
            List<Period> out = new ArrayList<>();
            for (Candidate c : candidates) {
                if (c.found) {
                    out.add(c.period);
                }
            }
            return out;
        }
    }

    private Seasonality() {
    }

    /** Examines {@code series} (gaps allowed) over its first {@code length} buckets. */
    public static Report detect(BucketSeries series, int length) {
        double[] x = clipped(detrended(filled(onLocalClock(series, length), -1)));
        int n = x.length;
        List<Candidate> out = new ArrayList<>();
        if (n < 2 * MIN_BUCKETS_PER_PERIOD) {
            return new Report(out);
        }
        double[] power = powerSpectrum(x);
        int fftSize = (power.length - 1) * 2;
        double total = 0;
        for (int k = 1; k < power.length; k++) {
            total += power[k];
        }
        // The Hann window's main lobe spans two bins of the unpadded series on each side: power that close to a
        // shorter period's harmonic belongs to that period, not to this one.
        double lobe = 2.0 * fftSize / n;
        List<Integer> shorter = new ArrayList<>();
        double shorterAcf = Double.NEGATIVE_INFINITY;
        for (Period p : Period.values()) {
            if (p.seconds % series.grid().bucketSeconds() != 0) {
                continue;
            }
            int len = (int) (p.seconds / series.grid().bucketSeconds());
            if (len < MIN_BUCKETS_PER_PERIOD || n < MIN_CYCLES_TO_EXAMINE * len) {
                continue;
            }
            List<Double> taken = new ArrayList<>();
            for (int s : shorter) {
                for (double f = (double) fftSize / s; f < power.length + lobe; f += (double) fftSize / s) {
                    taken.add(f);
                }
            }
            double own = 0;
            boolean[] counted = new boolean[power.length];
            int radius = (int) Math.ceil(lobe / 2);
            for (int h = 1; h <= Math.min(MAX_HARMONICS, len / 2); h++) {
                double center = (double) h * fftSize / len;
                if (taken.stream().anyMatch(f -> Math.abs(f - center) <= lobe + radius)) {
                    continue;
                }
                int bin = (int) Math.round(center);
                for (int k = Math.max(1, bin - radius); k <= Math.min(power.length - 1, bin + radius); k++) {
                    if (!counted[k]) {
                        counted[k] = true;
                        own += power[k];
                    }
                }
            }
            double share = total > 0 ? own / total : 0;
            double acf = new PearsonsCorrelation().correlation(Arrays.copyOfRange(x, 0, n - len),
                    Arrays.copyOfRange(x, len, n));
            if (Double.isNaN(acf)) {
                acf = 0;
            }
            boolean found = share >= MIN_POWER_SHARE && acf >= MIN_AUTOCORRELATION
                    && acf >= shorterAcf + MIN_AUTOCORRELATION_GAIN;
            out.add(new Candidate(p, share, acf, found));
            if (found) {
                shorter.add(len);
                shorterAcf = acf;
            }
        }
        return new Report(out);
    }

    /**
     * The first {@code length} peaks laid out by local wall-clock bucket, so a local daily shape stays exactly periodic
     * across a DST change: the hour skipped in spring is a gap, the hour repeated in autumn keeps its larger peak.
     */
    static double[] onLocalClock(BucketSeries s, int length) {
        if (length == 0) {
            return new double[0];
        }
        long b = s.grid().bucketSeconds();
        long first = Math.floorDiv(s.starts()[0] + s.grid().offsetAt(s.starts()[0]), b);
        long last = Math.floorDiv(s.starts()[length - 1] + s.grid().offsetAt(s.starts()[length - 1]), b);
        double[] out = new double[(int) Math.min(Integer.MAX_VALUE - 8, last - first + 1)];
        Arrays.fill(out, Double.NaN);
        for (int i = 0; i < length; i++) {
            long start = s.starts()[i];
            int at = (int) (Math.floorDiv(start + s.grid().offsetAt(start), b) - first);
            double v = s.peaks()[i];
            if (at >= 0 && at < out.length && !Double.isNaN(v) && (Double.isNaN(out[at]) || v > out[at])) {
                out[at] = v;
            }
        }
        return out;
    }

    /** Gaps filled with the previous value (leading gaps with the first); an all-gap series becomes zeros. */
    static double[] filled(double[] v, int length) {
        double[] out = length < 0 ? v.clone() : Arrays.copyOf(v, length);
        length = out.length;
        double last = Double.NaN;
        for (double d : out) {
            if (!Double.isNaN(d)) {
                last = d;
                break;
            }
        }
        if (Double.isNaN(last)) {
            return new double[length];
        }
        for (int i = 0; i < length; i++) {
            if (Double.isNaN(out[i])) {
                out[i] = last;
            } else {
                last = out[i];
            }
        }
        return out;
    }

    /** Values beyond {@link #CLIP_MADS} robust deviations of the median clipped to that bound, so spikes do not flood the spectrum. */
    static double[] clipped(double[] x) {
        if (x.length == 0) {
            return x;
        }
        Median median = new Median();
        double center = median.evaluate(x);
        double[] dev = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            dev[i] = Math.abs(x[i] - center);
        }
        double bound = CLIP_MADS * 1.4826 * median.evaluate(dev);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = bound > 0 ? Math.max(center - bound, Math.min(center + bound, x[i])) : x[i];
        }
        return out;
    }

    /** The series minus its least-squares line, so a trend does not pose as a long period. */
    static double[] detrended(double[] y) {
        SimpleRegression r = new SimpleRegression();
        for (int i = 0; i < y.length; i++) {
            r.addData(i, y[i]);
        }
        double a = r.getIntercept();
        double b = r.getSlope();
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = y[i] - (Double.isNaN(a) ? 0 : a + b * i);
        }
        return out;
    }

    /** |FFT|² of the Hann-windowed series zero-padded to a power of two; index k = k cycles per padded length. */
    static double[] powerSpectrum(double[] x) {
        int size = Integer.highestOneBit(Math.max(2, x.length - 1)) << 1;
        double[] padded = new double[size];
        int n = x.length;
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / Math.max(1, n - 1));
            padded[i] = x[i] * hann;
        }
        Complex[] f = new FastFourierTransformer(DftNormalization.STANDARD).transform(padded, TransformType.FORWARD);
        double[] power = new double[size / 2 + 1];
        for (int k = 0; k < power.length; k++) {
            double re = f[k].getReal();
            double im = f[k].getImaginary();
            power[k] = re * re + im * im;
        }
        return power;
    }
}
