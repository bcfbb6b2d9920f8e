package io.kapacitystack.kapacity.backtest;

/**
 * A scaling policy under test. The engine asks it to decide every {@link #tickSeconds()} and at the instants it asks
 * for ({@link #wakeAt()}); at each decision it sees only what {@link PolicyView} shows: the past, never the demand at
 * or after the instant it decides at. A policy object is used for one run.
 */
interface Policy {

    String name();

    /** Seconds between regular decisions (the HPA's sync period). */
    long tickSeconds();

    /** An extra decision instant (epoch seconds) the policy wants, such as a cron boundary; Long.MAX_VALUE for none. */
    default long wakeAt() {
        return Long.MAX_VALUE;
    }

    /** The replica count the workload should have from {@code now} on. */
    int decide(long now, PolicyView view);
}
