package io.kapacitystack.kapacity.predictive;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** The seasonal periods the forecaster looks for, with the position inside the period on the local wall clock. */
public enum Period {
    HOUR(3600, "1h"), DAY(86_400, "1d"), WEEK(604_800, "1w");

    public final long seconds;
    public final String label;

    Period(long seconds, String label) {
        this.seconds = seconds;
        this.label = label;
    }

    /** Seconds since the local start of the period (hour, midnight, Monday midnight) holding {@code epochSecond}. */
    public long secondsInto(long epochSecond, int offsetSeconds) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.ofTotalSeconds(offsetSeconds));
        long ofDay = t.toLocalTime().toSecondOfDay();
        switch (this) {
            case HOUR: return ofDay % 3600;
            case DAY: return ofDay;
            default: return (t.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue()) * 86_400L + ofDay;
        }
    }
}
