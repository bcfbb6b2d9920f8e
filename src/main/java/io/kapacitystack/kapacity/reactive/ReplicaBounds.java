package io.kapacitystack.kapacity.reactive;

/** The replica range the recommendation must stay in (the owning IHPA's minReplicas and maxReplicas). */
public record ReplicaBounds(int min, int max) {
}
