package io.kapacitystack.kapacity.backtest;

import io.fabric8.kubernetes.api.model.Pod;
import io.kapacitystack.kapacity.predictive.Predictor;

import java.util.List;

/**
 * What a policy may see when it decides at {@link #now()}: the workload's current replicas and pods, and the samples
 * of the trace taken strictly before now (with the ready pods the workload had at each). Nothing else of the trace
 * is reachable from here: this is what makes every policy causal.
 */
final class PolicyView {

    private final Trace trace;
    private final Workload workload;
    private final SimulatedPods pods;
    private final int[] readyAtSample;
    private long now;
    private int desired;
    private int seen;

    PolicyView(Trace trace, Workload workload, SimulatedPods pods, int[] readyAtSample) {
        this.trace = trace;
        this.workload = workload;
        this.pods = pods;
        this.readyAtSample = readyAtSample;
    }

    void moveTo(long now, int desired, int seen) {
        this.now = now;
        this.desired = desired;
        this.seen = seen;
    }

    long now() {
        return now;
    }

    Workload workload() {
        return workload;
    }

    /** The replica count the workload is scaled to (its {@code spec.replicas}). */
    int desired() {
        return desired;
    }

    int readyPods() {
        return pods.readyAt(now);
    }

    List<Pod> kubernetesPods() {
        return pods.kubernetesPods(now);
    }

    /** The time-weighted mean demand over [{@code from}, now) where it is known; NaN when none of it is. */
    double meanDemandSince(long from) {
        double sum = 0;
        long known = 0;
        for (int i = Math.max(0, trace.countBefore(from) - 1); i < seen; i++) {
            long a = Math.max(from, trace.time(i));
            long b = Math.min(now, trace.holdEnd(i));
            if (b > a) {
                sum += trace.value(i) * (b - a);
                known += b - a;
            }
        }
        return known == 0 ? Double.NaN : sum / known;
    }

    /** Index of the first sample at or after {@code from}, among those seen. */
    int firstSeenFrom(long from) {
        return Math.min(seen, trace.countBefore(from));
    }

    int seen() {
        return seen;
    }

    /** The demand samples [{@code from}, seen). */
    Predictor.History demand(int from) {
        return new Predictor.History(trace.timesUntil(from, seen), trace.valuesUntil(from, seen));
    }

    /** The resource the ready pods used, in replicas' capacity (demand / capacity per replica), samples [from, seen). */
    Predictor.History resource(int from) {
        double[] v = trace.valuesUntil(from, seen);
        for (int i = 0; i < v.length; i++) {
            v[i] /= workload.capacityPerReplica();
        }
        return new Predictor.History(trace.timesUntil(from, seen), v);
    }

    /** Ready pods at each sample [from, seen). */
    Predictor.History readyPods(int from) {
        double[] v = new double[seen - from];
        for (int i = from; i < seen; i++) {
            v[i - from] = readyAtSample[i];
        }
        return new Predictor.History(trace.timesUntil(from, seen), v);
    }

    long traceStart() {
        return trace.start();
    }
}
