package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.runtime.ControllerMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReconcileLatencyTest {

    private static final long MS = 1_000_000;

    @Test
    void quantilesOfTheReconcilesBetweenTwoScrapesSummedOverControllers() {
        ControllerMetrics metrics = new ControllerMetrics();
        metrics.reconciled("ihpa", true, 500 * MS); // before the window: not counted
        ReconcileLatency before = ReconcileLatency.parse(metrics.scrape());
        for (int i = 0; i < 90; i++) {
            metrics.reconciled(i % 2 == 0 ? "ihpa" : "replicaprofile", true, 3 * MS); // bucket (0.001, 0.005]
        }
        for (int i = 0; i < 10; i++) {
            metrics.reconciled("horizontalportrait", false, 40 * MS); // bucket (0.025, 0.05]
        }
        ReconcileLatency hour = ReconcileLatency.parse(metrics.scrape()).since(before);

        assertEquals(100, hour.count());
        // rank 50 of 90 in (0.001, 0.005]: 0.001 + 0.004 * 50/90
        assertEquals(0.001 + 0.004 * 50 / 90, hour.quantile(0.5), 1e-9);
        // rank 99: 9th of the 10 in (0.025, 0.05]
        assertEquals(0.025 + 0.025 * 9 / 10, hour.quantile(0.99), 1e-9);
    }

    @Test
    void anEmptyWindowHasNoQuantileAndTheOpenBucketAnswersItsLowerBound() {
        ControllerMetrics metrics = new ControllerMetrics();
        assertTrue(Double.isNaN(ReconcileLatency.parse(metrics.scrape()).quantile(0.5)));
        metrics.reconciled("ihpa", true, 90_000 * MS);
        assertEquals(60, ReconcileLatency.parse(metrics.scrape()).quantile(0.99), 1e-9);
    }
}
