package io.kapacitystack.kapacity.reliability;

import java.time.Duration;

/**
 * How much of each fault the suite injects: {@code short} (default, CI: the whole suite in a few minutes) or
 * {@code long} ({@code -Dreliability.profile=long}, the figures in docs/reliability.md). The random choices (kill
 * instants, fault draws) come from {@code -Dreliability.seed} (default: a fresh one); every scenario prints its
 * seed, so a failure can be replayed with it.
 *
 * @param name  short or long
 * @param kills {@code kill -9} of the manager during gray scale-downs (issue 23: 50)
 * @param stall how long the API stalls (issue 23: 60 s)
 * @param seed  the seed of this run
 */
record ReliabilityProfile(String name, int kills, Duration stall, long seed) {

    static ReliabilityProfile current() {
        String name = System.getProperty("reliability.profile", "short");
        long seed = Long.getLong("reliability.seed", System.nanoTime());
        return switch (name) {
            case "short" -> new ReliabilityProfile(name, 3, Duration.ofSeconds(20), seed);
            case "long" -> new ReliabilityProfile(name, 50, Duration.ofSeconds(60), seed);
            default -> throw new IllegalArgumentException("-Dreliability.profile=" + name + ": short or long");
        };
    }

    @Override
    public String toString() {
        return "profile " + name + " (-Dreliability.profile=" + name + " -Dreliability.seed=" + seed + ")";
    }
}
