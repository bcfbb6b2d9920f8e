package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Series;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The predictive portrait's forecast chart (pure SVG), its window and query step, and the algorithm job's last run. */
class ForecastChartTest {

    private static final long T0 = 1_714_557_600L;

    private static List<ForecastChart.Sample> samples(long start, long step, double... values) {
        List<ForecastChart.Sample> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.add(new ForecastChart.Sample(start + i * step, values[i]));
        }
        return out;
    }

    private static int points(String svg, String cls) {
        Matcher m = Pattern.compile("<polyline class=\"" + cls + "\" points=\"([^\"]*)\"").matcher(svg);
        return m.find() ? m.group(1).trim().split(" ").length : 0;
    }

    @Test
    void theForecastIsASteppedLineHeldUntilTheEndAndTheActualSeriesAreDrawnBesideIt() {
        ForecastChart.Data d = new ForecastChart.Data(T0, T0 + 3600, T0 + 1200, samples(T0, 600, 1, 4, 3),
                samples(T0, 600, 1, 2, 4), List.of(new ForecastChart.Traffic("qps", samples(T0, 600, 10, 40, 30))));
        String svg = ForecastChart.svg(d);
        // 3 points, 2 risers and the hold to the end: 6 vertices
        assertEquals(6, points(svg, "forecast"), svg);
        // what was actually there is drawn up to now (its last sample), not held into the future
        assertEquals(5, points(svg, "actual"), svg);
        assertEquals(3, points(svg, "traffic traffic-0"), svg);
        assertTrue(svg.contains("class=\"now\""), svg);
        assertFalse(svg.contains("style="), "no inline style under the console's CSP");
    }

    @Test
    void aHostileTrafficNameIsEscapedInTheLegend() {
        ForecastChart.Data d = new ForecastChart.Data(T0, T0 + 600, T0, samples(T0, 600, 1), List.of(),
                List.of(new ForecastChart.Traffic("<script>alert(1)</script>", List.of())));
        String legend = ForecastChart.legend(d);
        assertFalse(legend.contains("<script>"), legend);
        assertTrue(legend.contains("&lt;script&gt;"), legend);
    }

    @Test
    void thinningKeepsEachSlotsPeakAndBoundsThePoints() {
        double[] values = new double[10_000];
        values[5_000] = 99;
        List<ForecastChart.Sample> thin = ForecastChart.thin(samples(T0, 60, values), T0, T0 + 60 * 10_000);
        assertTrue(thin.size() <= ForecastChart.MAX_POINTS, "points: " + thin.size());
        assertEquals(99, thin.stream().mapToDouble(ForecastChart.Sample::value).max().orElse(0));
    }

    @Test
    void theWindowCarriesTheValueHeldAtItsStartAndDropsNonFiniteAndNegativeValues() {
        List<ForecastChart.Sample> in = List.of(new ForecastChart.Sample(T0 - 600, 5), new ForecastChart.Sample(T0 + 600, Double.NaN),
                new ForecastChart.Sample(T0 + 1200, -1), new ForecastChart.Sample(T0 + 1800, 2));
        assertEquals(List.of(new ForecastChart.Sample(T0, 5), new ForecastChart.Sample(T0 + 1800, 2)),
                ForecastChart.window(in, T0, T0 + 3600, true));
        assertEquals(List.of(new ForecastChart.Sample(T0 + 1800, 2)), ForecastChart.window(in, T0, T0 + 3600, false));
    }

    private static HorizontalPortraitStatus.PortraitData timeSeries(String expireTime, long... starts) {
        HorizontalPortraitStatus.PortraitData d = new HorizontalPortraitStatus.PortraitData();
        d.type = HorizontalPortraitStatus.PortraitData.Type.TimeSeries;
        d.timeSeries = new HorizontalPortraitStatus.TimeSeriesData();
        d.timeSeries.timeSeries = new ArrayList<>();
        for (long s : starts) {
            d.timeSeries.timeSeries.add(new HorizontalPortraitStatus.TimeSeriesPoint(s, 2));
        }
        d.expireTime = expireTime;
        return d;
    }

    @Test
    void theWindowLooksBackAsFarAsTheForecastReachesAheadAndQueriesOnTheForecastsBuckets() {
        // points every 10 min from now for 2 h, expiring 2 h after now
        long now = T0;
        long[] starts = new long[12];
        for (int i = 0; i < 12; i++) {
            starts[i] = now + i * 600L;
        }
        ForecastFragment.Window w = ForecastFragment.window(timeSeries("2024-05-01T12:00:00Z", starts), Instant.ofEpochSecond(now));
        assertEquals(now + 7200, w.to());
        assertEquals(now - 7200, w.from());
        assertEquals(600, w.step());
        assertEquals(0, w.from() % w.step(), "aligned on the step");
    }

    @Test
    void aFarReachingForecastIsCutToTheMaximumWindowWithACoarserStep() {
        long[] starts = {T0, T0 + Duration.ofDays(30).getSeconds()};
        ForecastFragment.Window w = ForecastFragment.window(timeSeries(null, starts), Instant.ofEpochSecond(T0));
        assertTrue(w.to() - w.from() <= ForecastFragment.MAX_WINDOW.getSeconds() + w.step(), w.toString());
        assertTrue((w.to() - w.from()) / w.step() <= ForecastFragment.MAX_QUERY_POINTS + 1, w.toString());
    }

    @Test
    void seriesOfAQueryAreSummedPerInstant() {
        List<Series> series = List.of(new Series(List.of(new Point(1000_000, 1), new Point(1060_000, 2)), Map.of(), null),
                new Series(List.of(new Point(1000_000, 3), new Point(1060_000, Double.NaN)), Map.of(), null));
        assertEquals(List.of(new ForecastChart.Sample(1000, 4), new ForecastChart.Sample(1060, 2)), ForecastFragment.sum(series));
    }

    @Test
    void theLastRunIsReadFromTheCronJobsStatus() {
        assertEquals(AlgorithmJobSection.Outcome.NOT_RUN, AlgorithmJobSection.lastRun(null).outcome());
        CronJobStatus s = new CronJobStatus();
        s.setLastScheduleTime("2024-05-01T10:30:00Z");
        assertEquals(AlgorithmJobSection.Outcome.NOT_SUCCEEDED, AlgorithmJobSection.lastRun(s).outcome());
        s.setLastSuccessfulTime("2024-05-01T10:00:16Z");
        assertEquals(AlgorithmJobSection.Outcome.NOT_SUCCEEDED, AlgorithmJobSection.lastRun(s).outcome(),
                "a success before the last schedule is an earlier run's");
        s.setLastSuccessfulTime("2024-05-01T10:30:16Z");
        AlgorithmJobSection.LastRun run = AlgorithmJobSection.lastRun(s);
        assertEquals(AlgorithmJobSection.Outcome.SUCCEEDED, run.outcome());
        assertEquals(Duration.ofSeconds(16), run.took());
        s.setActive(List.of(new ObjectReference()));
        assertEquals(AlgorithmJobSection.Outcome.RUNNING, AlgorithmJobSection.lastRun(s).outcome());
        assertNull(AlgorithmJobSection.lastRun(s).took());
    }
}
