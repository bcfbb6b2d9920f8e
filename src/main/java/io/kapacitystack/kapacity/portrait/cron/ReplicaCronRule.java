package io.kapacitystack.kapacity.portrait.cron;

/**
 * The CRD's {@code ReplicaCron}: while the window {@code [start, end)} is open, the Cron provider proposes
 * {@code replicas}. {@code description} is left out because nothing evaluates it.
 *
 * @param name     identifies the rule in errors; the CRD says unique but does not enforce it
 * @param timeZone IANA zone the expressions are read in; {@code null} or {@code ""} means UTC
 * @param start    cron expression opening the window
 * @param end      cron expression closing the window
 * @param replicas proposed replica count (the CRD enforces {@code >= 0}; {@link CronPortraitEvaluator#validate}
 *                 reports violations, evaluation passes the value through as upstream does)
 */
public record ReplicaCronRule(String name, String timeZone, String start, String end, int replicas) {
}
