package io.kapacitystack.kapacity.predictive;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SeasonalityTest {

    /** A Monday. */
    static final long T0 = Instant.parse("2026-03-02T00:00:00Z").getEpochSecond();

    static BucketSeries buckets(Traces trace, long from, long to, Duration bucket, ZoneId zone) {
        BucketGrid grid = new BucketGrid(bucket, zone);
        Predictor.History h = trace.sample(from, to, 60);
        long[] starts = grid.starts(from, to);
        return new BucketSeries(grid, starts, BucketGrid.resampleMax(h.times(), h.values(), starts, to));
    }

    static List<Period> found(Traces trace, int days) {
        BucketSeries s = buckets(trace, T0, T0 + days * 86_400L, Duration.ofMinutes(10), ZoneOffset.UTC);
        return Seasonality.detect(s, s.size()).found();
    }

    @Test
    void aDailyShapeIsADailyPeriodOnly() {
        assertEquals(List.of(Period.DAY), found(Traces.flat(100).daily(400).noise(10), 7));
    }

    @Test
    void aDailyShapeSeenForTwoWeeksIsNotAWeeklyPeriod() {
        // Two weeks put weekly harmonics two spectral bins apart, inside the daily harmonics' window lobes.
        assertEquals(List.of(Period.DAY), found(Traces.flat(100).daily(400).noise(5), 14));
    }

    @Test
    void anHourlyRippleIsFoundBesideTheDailyShape() {
        assertEquals(List.of(Period.HOUR, Period.DAY), found(Traces.flat(100).daily(400).hourly(150).noise(5), 7));
    }

    @Test
    void anHourlyRippleAloneIsAnHourlyPeriod() {
        assertEquals(List.of(Period.HOUR), found(Traces.flat(100).hourly(100).noise(5), 3));
    }

    @Test
    void aWeekendDipIsAWeeklyPeriod() {
        assertEquals(List.of(Period.DAY, Period.WEEK), found(Traces.flat(100).daily(400).weekend(0.3).noise(10), 21));
    }

    @Test
    void aTrendIsNotAPeriod() {
        assertEquals(List.of(Period.DAY), found(Traces.flat(100).daily(300).trend(50).noise(10), 7));
        assertEquals(List.of(), found(Traces.flat(100).trend(80).noise(10), 7));
    }

    @Test
    void noiseHasNoPeriod() {
        assertEquals(List.of(), found(Traces.flat(100).noise(20), 7));
    }

    @Test
    void spikesDoNotHideTheDailyPeriod() {
        assertEquals(List.of(Period.DAY), found(Traces.flat(100).daily(400).noise(10).spikes(20, 2000), 7));
    }
}
