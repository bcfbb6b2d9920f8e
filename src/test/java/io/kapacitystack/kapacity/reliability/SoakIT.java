package io.kapacitystack.kapacity.reliability;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak (docs/reliability.md, "Soak"). Short by default for CI: 2 simulated hours, 20 IHPAs, clock speed 60 (at 100 a machine as loaded as ours, load
 * average 45 on 2 cores, left the manager too far behind to converge in the bound).
 * The long run: {@code -Dkapacity.soak.hours=24 -Dkapacity.soak.ihpas=200}. Asserts the invariants, convergence after
 * the faults, that the run did what a soak should (faults injected, every kind scaled, gray steps taken), and a
 * bounded heap trend; the figures are printed, never asserted as timings.
 */
class SoakIT {

    private static final int HOURS = Integer.getInteger("kapacity.soak.hours", 2);
    private static final int IHPAS = Integer.getInteger("kapacity.soak.ihpas", 20);
    private static final double SPEED = Double.parseDouble(System.getProperty("kapacity.soak.speed", "60"));
    private static final int CONCURRENCY = Integer.getInteger("kapacity.soak.concurrency", 1);

    @Test
    void aFleetOfEveryKindRunsForHoursUnderLowRateFaultsWithoutBreakingAnInvariant() throws Exception {
        Soak.Result result;
        try (Soak soak = new Soak(new Soak.Settings(HOURS, IHPAS, SPEED, true, CONCURRENCY))) {
            result = soak.run();
        }
        System.out.println(SoakReport.markdown(result));

        assertEquals(Map.of(), result.violations());
        assertEquals(List.of(), result.unconverged(), "IHPAs that did not reach their portrait after the faults");
        assertTrue(result.injected().values().stream().mapToLong(Long::longValue).sum() > 0, "faults were injected: " + result.injected());
        for (SoakFleet.Kind kind : SoakFleet.Kind.values()) {
            if (kind != SoakFleet.Kind.PREDICTIVE) { // the first prediction comes after the algorithm job's first run
                assertTrue(result.scalings().getOrDefault(kind, 0L) > 0, kind + " workloads were scaled: " + result.scalings());
            }
        }
        assertTrue(result.graySteps() > 0, "gray steps were taken");
        // the heap after a GC: the last hour's at most 1.5 times the first's and 64 MiB more (warm-up is the first hour)
        List<Soak.Hour> hours = result.hours();
        long first = hours.get(0).heapMiB();
        long last = hours.get(hours.size() - 1).heapMiB();
        assertTrue(last <= first * 3 / 2 + 64, "heap after GC: " + hours.stream().map(Soak.Hour::heapMiB).toList());
    }
}
