package io.kapacitystack.kapacity.backtest;

/**
 * What one policy cost and missed over the scored part of a trace (gaps excluded).
 *
 * @param replicaHours          Σ replicas × Δt: pods that exist, serving or starting (what is paid for)
 * @param underProvisionedMinutes minutes when demand > ready replicas × capacity per replica
 * @param underProvisionedShare those minutes over the scored minutes
 * @param unservedShare         Σ max(0, demand − ready × capacity)·Δt over Σ demand·Δt
 * @param meanUtilization       served demand over the ready pods' capacity, time-weighted
 * @param scaleChanges          changes of the replica count
 * @param scoredMinutes         minutes of known demand scored
 */
public record Scores(double replicaHours, double underProvisionedMinutes, double underProvisionedShare,
                     double unservedShare, double meanUtilization, int scaleChanges, double scoredMinutes) {
}
