package io.kapacitystack.kapacity.backtest;

import io.kapacitystack.kapacity.predictive.PredictOptions;
import io.kapacitystack.kapacity.predictive.Predictor;

import java.time.Duration;

/** What the simulated predictive job is given: its schedule, the history it reads and the {@code predict} flags. */
public record PredictiveSettings(Duration interval, Duration historyLength, Predictor.Settings predictor) {

    public PredictiveSettings {
        if (interval.toSeconds() < 60 || interval.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("--job-interval must be between 1m and 168h, got " + interval);
        }
    }

    /** The job's next run after {@code t} (or at it when it is a run instant): multiples of the interval since the epoch. */
    long nextRunFrom(long t) {
        long every = interval.toSeconds();
        return Math.floorDiv(t + every - 1, every) * every;
    }

    /** The job's settings from the {@code predict} command's options. */
    public static PredictiveSettings of(Duration interval, PredictOptions o) {
        return new PredictiveSettings(interval, o.historyLength(), new Predictor.Settings(o.scalingFreq(), o.zone(),
                o.testWindow(), o.minCorrelation(), o.maxMse(), o.scaleUpAheadSeconds(), o.targetTolerance()));
    }
}
