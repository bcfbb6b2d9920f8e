package io.kapacitystack.kapacity.backtest;

/** One policy's run: its replica count (desired) and ready pods over time, its scores and notes for people. */
public final class PolicyRun {

    private final String policy;
    final StepSeries desired;
    final StepSeries ready;
    private final Scores scores;
    private final String note;

    PolicyRun(String policy, StepSeries desired, StepSeries ready, Scores scores, String note) {
        this.policy = policy;
        this.desired = desired;
        this.ready = ready;
        this.scores = scores;
        this.note = note;
    }

    public String policy() {
        return policy;
    }

    public Scores scores() {
        return scores;
    }

    /** Replicas at {@code t} (epoch seconds). */
    public int desiredAt(long t) {
        return desired.at(t);
    }

    /** Ready pods at {@code t}. */
    public int readyAt(long t) {
        return ready.at(t);
    }

    /** A remark (such as how often the predictive job refused), or null. */
    public String note() {
        return note;
    }
}
