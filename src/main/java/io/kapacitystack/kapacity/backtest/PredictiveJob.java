package io.kapacitystack.kapacity.backtest;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmResult;
import io.kapacitystack.kapacity.predictive.Predictor;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The built-in predictive job on the simulated workload: every {@code interval} (at multiples of it since the epoch,
 * as a CronJob {@code *&#47;30 * * * *} runs) the {@link Predictor} is given the history before that instant only,
 * and its result is read into portrait data by {@link AlgorithmResult}, as the HorizontalPortrait controller reads
 * the result ConfigMap. A refusal keeps the previous portrait data, as the controller keeps the status. The job is
 * switched on one interval before scoring begins: a warm-up is history the workload already has, and running the job
 * through it would only cost time (its forecasts there are not scored).
 */
final class PredictiveJob {

    static final String SERIES = "demand";

    private final PredictiveSettings settings;
    private final SharedForecasts forecasts;
    private final Predictor predictor = new Predictor();
    private long nextRun = Long.MIN_VALUE;
    private HorizontalPortraitStatus.PortraitData data;
    private int runs;
    private int refusals;
    private String lastRefusal;

    private final long switchedOn;

    /**
     * @param forecasts  the traffic forecasts of the job's runs, shared with the other policies' jobs (built on the
     *                   same trace and settings)
     * @param switchedOn the job's first run is the first run instant at or after this (epoch seconds)
     */
    PredictiveJob(PredictiveSettings settings, SharedForecasts forecasts, long switchedOn) {
        this.settings = settings;
        this.forecasts = forecasts;
        this.switchedOn = switchedOn;
    }

    private long nextRunFrom(long t) {
        return settings.nextRunFrom(t);
    }

    long nextRun(long now) {
        if (nextRun == Long.MIN_VALUE) {
            nextRun = nextRunFrom(Math.max(now, switchedOn));
        }
        return nextRun;
    }

    /** Runs the job if one is due at the view's instant; returns the portrait data in force (null: none yet). */
    HorizontalPortraitStatus.PortraitData portrait(PolicyView view) {
        long now = view.now();
        if (now >= nextRun(now)) {
            run(view);
            nextRun = nextRunFrom(now + 1);
        }
        return data;
    }

    private void run(PolicyView view) {
        runs++;
        long now = view.now();
        int from = view.firstSeenFrom(forecasts.historyStart(now));
        Map<String, Predictor.History> traffic = new LinkedHashMap<>();
        traffic.put(SERIES, view.demand(from));
        Predictor.Outcome o = predictor.predict(forecasts.at(now), traffic, view.resource(from), view.readyPods(from),
                view.workload().targetUtilization(), Instant.ofEpochSecond(now), settings.predictor());
        if (o.refused()) {
            refusals++;
            lastRefusal = o.summary();
            return;
        }
        try {
            data = AlgorithmResult.parse(o.data()).data();
        } catch (AlgorithmResult.InvalidResultException e) {
            refusals++;
            lastRefusal = e.getMessage();
        }
    }

    int runs() {
        return runs;
    }

    int refusals() {
        return refusals;
    }

    String lastRefusal() {
        return lastRefusal;
    }
}
