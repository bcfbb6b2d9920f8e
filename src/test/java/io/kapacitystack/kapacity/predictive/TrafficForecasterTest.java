package io.kapacitystack.kapacity.predictive;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forecaster on generated 1-minute traffic resampled to 10-minute peaks: it must find the periods, beat the naive
 * baseline both in its own backtest and on the hours that really follow the history, and refuse what cannot be
 * forecast.
 */
class TrafficForecasterTest {

    static final long T0 = SeasonalityTest.T0;
    static final Duration TEN_MINUTES = Duration.ofMinutes(10);
    static final Duration ONE_DAY = Duration.ofDays(1);

    /** Forecast of the {@code hours} after {@code days} of history, with the truth that followed. */
    record Run(TrafficForecaster.Forecast forecast, double[] actual, double mape, double naiveMape, long[] future) {
    }

    static Run run(Traces trace, long from, int days, int hours, Duration bucket, ZoneId zone) {
        return run(trace, from, days, hours, bucket, zone, ONE_DAY);
    }

    static Run run(Traces trace, long from, int days, int hours, Duration bucket, ZoneId zone, Duration testWindow) {
        long end = from + days * 86_400L;
        BucketGrid grid = new BucketGrid(bucket, zone);
        Predictor.History all = trace.sample(from, end + hours * 3600L, 60);
        long[] starts = grid.starts(from, end);
        BucketSeries history = new BucketSeries(grid, starts, BucketGrid.resampleMax(all.times(), all.values(), starts, end));
        long[] future = grid.starts(end, end + hours * 3600L);
        double[] actual = BucketGrid.resampleMax(all.times(), all.values(), future, end + hours * 3600L);
        TrafficForecaster.Forecast f = new TrafficForecaster().forecast("qps", history, future, testWindow);
        double[] naive = new NaiveModel().forecast(history, history.size(), future, List.of());
        return new Run(f, actual, mape(f.values(), actual), mape(naive, actual), future);
    }

    static double mape(double[] forecast, double[] actual) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Double.isNaN(actual[i]) && actual[i] > 0) {
                sum += Math.abs(forecast[i] - actual[i]) / actual[i];
                n++;
            }
        }
        return sum / n;
    }

    private static void assertBeatsNaive(Run r, double maxMape) {
        assertTrue(r.forecast().chosen().mape() < r.forecast().naive().mape(), "backtest: " + r.forecast());
        assertTrue(r.mape() <= maxMape, "MAPE on the following hours " + r.mape() + " > " + maxMape);
        assertTrue(r.mape() < r.naiveMape(), "forecast " + r.mape() + " vs naive " + r.naiveMape());
    }

    static double underForecastRate(double[] forecast, double[] actual) {
        int under = 0;
        int n = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Double.isNaN(actual[i])) {
                n++;
                if (forecast[i] < actual[i]) {
                    under++;
                }
            }
        }
        return (double) under / n;
    }

    /**
     * A forecast of the typical peak falls below about half of the actual peaks (the models fit a median or a least
     * squares curve through them); the safety margin learnt from the backtest's residuals must keep most of the next
     * day's buckets covered, without inflating the forecast beyond a few percent.
     */
    @Test
    void perBucketPeaksAreRarelyUnderForecast() {
        List<Run> runs = List.of(
                run(Traces.flat(200).daily(1500).noise(30), T0, 7, 24, TEN_MINUTES, ZoneOffset.UTC),
                run(Traces.flat(100).daily(400).hourly(150).noise(5), T0, 7, 24, TEN_MINUTES, ZoneOffset.UTC),
                run(Traces.flat(100).daily(300).trend(40).noise(8), T0, 10, 24, TEN_MINUTES, ZoneOffset.UTC),
                run(Traces.flat(100).daily(400).noise(10).spikes(30, 3000), T0, 7, 24, TEN_MINUTES, ZoneOffset.UTC),
                run(Traces.flat(50).hourly(450).noise(5), T0, 1, 2, TEN_MINUTES, ZoneOffset.UTC, Duration.ofHours(1)));
        for (Run r : runs) {
            double under = underForecastRate(r.forecast().values(), r.actual());
            String what = r.forecast().model() + " " + r.forecast().periods() + ", margin " + r.forecast().margin()
                    + ", under-forecast " + under + ", MAPE " + r.mape() + " vs naive " + r.naiveMape();
            assertTrue(under <= 0.2, what);
            assertTrue(r.forecast().withMargin().underForecastRate() <= 0.1 + 1e-9, what);
            assertTrue(r.forecast().margin() > 0 && r.forecast().margin() < 0.1, what);
            assertTrue(r.mape() < 0.1 && r.mape() < r.naiveMape(), what);
        }
    }

    @Test
    void dailyTrafficIsForecastFromItsDailyShape() {
        Run r = run(Traces.flat(100).daily(400).noise(10), T0, 7, 24, TEN_MINUTES, ZoneOffset.UTC);
        assertEquals(List.of(Period.DAY), r.forecast().periods());
        assertBeatsNaive(r, 0.08);
    }

    @Test
    void hourlyRippleIsForecast() {
        Run r = run(Traces.flat(200).hourly(200).noise(5), T0, 3, 6, Duration.ofMinutes(5), ZoneOffset.UTC);
        assertTrue(r.forecast().periods().contains(Period.HOUR), r.forecast().periods().toString());
        assertBeatsNaive(r, 0.08);
    }

    @Test
    void theQuickStartsDayOfHourlyTrafficIsEnoughForItsHourlyPeriod() {
        // Kapacity's quick start: --re-history-len=24H, --re-test-dataset-size-in-seconds=3600, --scaling-freq=10min
        Run r = run(Traces.flat(50).hourly(450).noise(5), T0, 1, 2, TEN_MINUTES, ZoneOffset.UTC, Duration.ofHours(1));
        assertEquals(List.of(Period.HOUR), r.forecast().periods());
        assertBeatsNaive(r, 0.10);
    }

    @Test
    void aDayOfDailyTrafficIsStillTooShort() {
        Refusal e = assertThrows(Refusal.class, () -> run(Traces.flat(100).daily(400).noise(10), T0, 1, 2, TEN_MINUTES,
                ZoneOffset.UTC, Duration.ofHours(1)));
        assertEquals(Refusal.Kind.TOO_SHORT, e.kind());
        assertTrue(e.getMessage().contains("history of 1d is too short: at least 49h is needed"), e.getMessage());
    }

    @Test
    void theWeekendIsForecastFromAWeeklyPeriod() {
        // 26 days from a Monday: the forecast covers Saturday, where the daily peak is 30% of a weekday's.
        Run r = run(Traces.flat(100).daily(400).weekend(0.3).noise(10), T0, 26, 24, TEN_MINUTES, ZoneOffset.UTC);
        assertEquals(List.of(Period.DAY, Period.WEEK), r.forecast().periods());
        assertBeatsNaive(r, 0.10);
        double peak = Arrays.stream(r.forecast().values()).max().orElseThrow();
        assertTrue(peak < 100 + 0.3 * 400 + 60, "Saturday's forecast peak " + peak + " must follow the weekend dip");
    }

    @Test
    void aWeekendDipSeenForUnderThreeWeeksPoolsNeighbouringPositions() {
        Run r = run(Traces.flat(100).daily(400).weekend(0.3).noise(10), T0, 19, 24, TEN_MINUTES, ZoneOffset.UTC);
        assertEquals(List.of(Period.DAY, Period.WEEK), r.forecast().periods());
        assertBeatsNaive(r, 0.12);
    }

    @Test
    void aTrendIsFollowed() {
        Run r = run(Traces.flat(100).daily(300).trend(40).noise(8), T0, 10, 24, TEN_MINUTES, ZoneOffset.UTC);
        assertBeatsNaive(r, 0.08);
    }

    @Test
    void spikesAndGapsDoNotBendTheForecast() {
        Traces t = Traces.flat(100).daily(400).noise(10).spikes(30, 3000)
                .gap(T0 + 2 * 86_400L, T0 + 2 * 86_400L + 8 * 3600L).gap(T0 + 5 * 86_400L + 3600L, T0 + 5 * 86_400L + 7200L);
        Run r = run(t, T0, 7, 24, TEN_MINUTES, ZoneOffset.UTC);
        assertEquals(List.of(Period.DAY), r.forecast().periods());
        assertBeatsNaive(r, 0.10);
    }

    @Test
    void flatTrafficIsRefused() {
        Refusal e = assertThrows(Refusal.class, () -> run(Traces.flat(250), T0, 7, 6, TEN_MINUTES, ZoneOffset.UTC));
        assertEquals(Refusal.Kind.FLAT, e.kind());
        assertTrue(e.getMessage().contains("flat"), e.getMessage());
    }

    @Test
    void zeroTrafficIsRefused() {
        Refusal e = assertThrows(Refusal.class, () -> run(Traces.flat(0), T0, 7, 6, TEN_MINUTES, ZoneOffset.UTC));
        assertEquals(Refusal.Kind.ZERO, e.kind());
    }

    @Test
    void aHistoryShorterThanTwoDaysPlusTheBacktestIsRefused() {
        Refusal e = assertThrows(Refusal.class,
                () -> run(Traces.flat(100).daily(400).noise(10), T0, 2, 6, TEN_MINUTES, ZoneOffset.UTC));
        assertEquals(Refusal.Kind.TOO_SHORT, e.kind());
        assertTrue(e.getMessage().contains("history of 2d is too short: at least 3d is needed"), e.getMessage());
    }

    @Test
    void aHistoryTooShortForTheWeeklyPeriodFoundIsRefused() {
        Refusal e = assertThrows(Refusal.class,
                () -> run(Traces.flat(100).daily(400).weekend(0.2).noise(10), T0, 12, 6, TEN_MINUTES, ZoneOffset.UTC));
        assertEquals(Refusal.Kind.TOO_SHORT, e.kind());
        assertTrue(e.getMessage().contains("history of 12d is too short for the period 1w found: at least 14d (two periods) is needed"), e.getMessage());
    }

    @Test
    void mostlyMissingHistoryIsRefused() {
        Traces t = Traces.flat(100).daily(400).noise(10).gap(T0, T0 + 5 * 86_400L);
        Refusal e = assertThrows(Refusal.class, () -> run(t, T0, 7, 6, TEN_MINUTES, ZoneOffset.UTC));
        assertEquals(Refusal.Kind.GAPS, e.kind());
    }

    @Test
    void theDailyShapeFollowsTheLocalClockAcrossADstChange() {
        // Two weeks of New York traffic peaking at 13:00 local, 12 days of them before the switch to daylight time
        // on 2026-03-08: the forecast for 2026-03-11 must still peak at 13:00 local (17:00 UTC, no longer 18:00).
        ZoneId ny = ZoneId.of("America/New_York");
        long from = ZonedDateTime.of(2026, 2, 25, 0, 0, 0, 0, ny).toEpochSecond();
        Traces trace = Traces.flat(100).daily(400).noise(5).zone(ny);
        Run local = run(trace, from, 14, 24, TEN_MINUTES, ny);
        int argmax = argmax(local.forecast().values());
        LocalDateTime peakAt = LocalDateTime.ofInstant(Instant.ofEpochSecond(local.future()[argmax]), ny);
        assertTrue(Math.abs(peakAt.getHour() * 60 + peakAt.getMinute() - 13 * 60) <= 20, "forecast peak at " + peakAt);
        assertBeatsNaive(local, 0.08);
        // The same daily profile laid on the UTC clock is an hour late after the change.
        long end = from + 14 * 86_400L;
        BucketGrid utcGrid = new BucketGrid(TEN_MINUTES, ZoneOffset.UTC);
        Predictor.History h = trace.sample(from, end, 60);
        long[] starts = utcGrid.starts(from, end);
        BucketSeries utcHistory = new BucketSeries(utcGrid, starts, BucketGrid.resampleMax(h.times(), h.values(), starts, end));
        double utcMape = mape(new SeasonalProfileModel().forecast(utcHistory, starts.length, local.future(),
                List.of(Period.DAY)), local.actual());
        assertTrue(local.mape() * 2 < utcMape, "the local-clock forecast (" + local.mape()
                + ") must be far better than a profile on UTC (" + utcMape + ") after the DST change");
    }

    @Test
    void aHalfHourOffsetZoneGetsBucketsAndPeakOnItsClock() {
        ZoneId kolkata = ZoneId.of("Asia/Kolkata");
        Traces trace = Traces.flat(100).daily(400).noise(5).zone(kolkata);
        Run r = run(trace, T0 - 19_800, 7, 24, Duration.ofHours(1), kolkata);
        for (long s : r.future()) {
            assertEquals(30 * 60, Math.floorMod(s, 3600), "hourly buckets of +05:30 start at :30 UTC");
        }
        LocalDateTime peakAt = LocalDateTime.ofInstant(Instant.ofEpochSecond(r.future()[argmax(r.forecast().values())]), kolkata);
        assertEquals(13, peakAt.getHour(), "bucket 13:00-14:00 local holds the peak; got " + peakAt);
        assertBeatsNaive(r, 0.08);
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
