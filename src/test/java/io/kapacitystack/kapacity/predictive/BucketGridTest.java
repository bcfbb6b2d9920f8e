package io.kapacitystack.kapacity.predictive;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BucketGridTest {

    private static long at(String iso) {
        return Instant.parse(iso).getEpochSecond();
    }

    @Test
    void utcBucketsAreLabelledByTheirStart() {
        BucketGrid grid = new BucketGrid(Duration.ofMinutes(10), ZoneOffset.UTC);
        assertEquals(at("2023-09-21T10:10:00Z"), grid.startOf(at("2023-09-21T10:16:05Z")));
        assertEquals(at("2023-09-21T10:10:00Z"), grid.startOf(at("2023-09-21T10:10:00Z")));
        assertEquals(at("2023-09-21T10:00:00Z"), grid.startOf(at("2023-09-21T10:09:59Z")));
        assertArrayEquals(new long[]{at("2023-09-21T10:00:00Z"), at("2023-09-21T10:10:00Z"), at("2023-09-21T10:20:00Z")},
                grid.starts(at("2023-09-21T10:05:00Z"), at("2023-09-21T10:20:01Z")));
    }

    @Test
    void resamplingTakesTheMaximumOfEachBucket() {
        BucketGrid grid = new BucketGrid(Duration.ofMinutes(10), ZoneOffset.UTC);
        long[] starts = grid.starts(at("2023-09-21T10:00:00Z"), at("2023-09-21T10:40:00Z"));
        long[] times = {at("2023-09-21T09:59:00Z"), at("2023-09-21T10:00:30Z"), at("2023-09-21T10:05:00Z"),
                at("2023-09-21T10:09:59Z"), at("2023-09-21T10:10:00Z"), at("2023-09-21T10:25:00Z"),
                at("2023-09-21T10:40:00Z")};
        double[] values = {100, 5, 9, 7, 2, 4, 100};
        double[] peaks = BucketGrid.resampleMax(times, values, starts, at("2023-09-21T10:40:00Z"));
        assertEquals(4, peaks.length);
        assertEquals(9, peaks[0]);
        assertEquals(2, peaks[1]);
        assertEquals(4, peaks[2]);
        assertTrue(Double.isNaN(peaks[3]), "a bucket without samples is a gap, not zero");
    }

    @Test
    void halfHourAndQuarterHourOffsetsAlignBucketsToTheLocalClock() {
        BucketGrid kolkata = new BucketGrid(Duration.ofHours(1), ZoneId.of("Asia/Kolkata"));
        assertEquals(at("2026-03-02T10:30:00Z"), kolkata.startOf(at("2026-03-02T10:45:00Z")));
        assertEquals(at("2026-03-02T09:30:00Z"), kolkata.startOf(at("2026-03-02T10:29:59Z")));
        BucketGrid kathmandu = new BucketGrid(Duration.ofHours(1), ZoneId.of("Asia/Kathmandu"));
        assertEquals(at("2026-03-02T10:15:00Z"), kathmandu.startOf(at("2026-03-02T10:45:00Z")));
        for (long s : kolkata.starts(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"))) {
            assertEquals(0, LocalDateTime.ofInstant(Instant.ofEpochSecond(s), ZoneId.of("Asia/Kolkata")).getMinute());
        }
    }

    @Test
    void aDstDayHas23Or25HourlyBucketsOnTheLocalClock() {
        ZoneId ny = ZoneId.of("America/New_York");
        BucketGrid grid = new BucketGrid(Duration.ofHours(1), ny);
        long springDay = ZonedDateTime.of(2026, 3, 8, 0, 0, 0, 0, ny).toEpochSecond();
        long springNext = ZonedDateTime.of(2026, 3, 9, 0, 0, 0, 0, ny).toEpochSecond();
        long[] spring = grid.starts(springDay, springNext);
        assertEquals(23, spring.length);
        long fallDay = ZonedDateTime.of(2026, 11, 1, 0, 0, 0, 0, ny).toEpochSecond();
        long fallNext = ZonedDateTime.of(2026, 11, 2, 0, 0, 0, 0, ny).toEpochSecond();
        long[] fall = grid.starts(fallDay, fallNext);
        assertEquals(25, fall.length);
        for (long[] day : new long[][]{spring, fall}) {
            for (int i = 1; i < day.length; i++) {
                assertEquals(3600, day[i] - day[i - 1], "consecutive hourly buckets are an hour apart");
                assertEquals(0, LocalDateTime.ofInstant(Instant.ofEpochSecond(day[i]), ny).getMinute());
            }
        }
    }

    @Test
    void tenMinuteBucketsStayContiguousAcrossBerlinsDstChanges() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        BucketGrid grid = new BucketGrid(Duration.ofMinutes(10), berlin);
        long[] starts = grid.starts(at("2026-03-28T23:00:00Z"), at("2026-03-29T03:00:00Z"));
        assertEquals(24, starts.length);
        for (int i = 1; i < starts.length; i++) {
            assertEquals(600, starts[i] - starts[i - 1]);
        }
    }
}
