package io.kapacitystack.kapacity.gocompat;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected outputs are what Go's text/tabwriter prints for the same input (NewWriter(out, 0, 8, 2, ' ', 0)). */
class GoTabWriterTest {

    @Test
    void alignsConsecutiveTabTerminatedCellsAndLeavesTheLastCellAlone() {
        assertEquals("Name:          web\nMin replicas:  1\n",
                GoTabWriter.format("Name:\tweb\nMin replicas:\t1\n"));
    }

    @Test
    void aLineWithoutATabEndsTheColumnBlock() {
        // the lines after "Conditions:" form a new block: "x:" is aligned with "  Type", not with "longer:"
        assertEquals("a:       1\nlonger:  2\nConditions:\n  Type  Status\n  --    ------\nx:      y\n",
                GoTabWriter.format("a:\t1\nlonger:\t2\nConditions:\n  Type\tStatus\n  --\t------\nx:\ty\n"));
    }

    @Test
    void nestedColumnsAreAlignedWithinTheirOwnBlock() {
        String in = "  Type\tStatus\tReason\n  ----\t------\t------\n  AbleToScale\tTrue\tReadyForNewScale\n";
        assertEquals("  Type         Status  Reason\n  ----         ------  ------\n  AbleToScale  True    ReadyForNewScale\n",
                GoTabWriter.format(in));
    }

    @Test
    void keepsTheFinalNewlineAndItsAbsence() {
        assertEquals("a  b\n", GoTabWriter.format("a\tb\n"));
        assertEquals("a  b", GoTabWriter.format("a\tb"));
        assertEquals("x\n", GoTabWriter.format("x\n"));
    }

    @Test
    void tableSettingsAsKubectlGet() {
        assertEquals("NAME   REFERENCE\nweb    Deployment/web\n",
                GoTabWriter.format("NAME\tREFERENCE\nweb\tDeployment/web\n", 6, 3));
    }

    @Test
    void humanDurationAsKubernetes() {
        assertEquals("0s", GoTabWriter.humanDuration(Duration.ofMillis(-500)));
        assertEquals("<invalid>", GoTabWriter.humanDuration(Duration.ofSeconds(-5)));
        assertEquals("119s", GoTabWriter.humanDuration(Duration.ofSeconds(119)));
        assertEquals("2m", GoTabWriter.humanDuration(Duration.ofSeconds(120)));
        assertEquals("9m59s", GoTabWriter.humanDuration(Duration.ofSeconds(599)));
        assertEquals("10m", GoTabWriter.humanDuration(Duration.ofSeconds(601)));
        assertEquals("3h", GoTabWriter.humanDuration(Duration.ofHours(3)));
        assertEquals("7h59m", GoTabWriter.humanDuration(Duration.ofMinutes(479)));
        assertEquals("47h", GoTabWriter.humanDuration(Duration.ofHours(47)));
        assertEquals("3d1h", GoTabWriter.humanDuration(Duration.ofHours(73)));
        assertEquals("10d", GoTabWriter.humanDuration(Duration.ofDays(10)));
        assertEquals("2y5d", GoTabWriter.humanDuration(Duration.ofDays(735)));
        assertEquals("9y", GoTabWriter.humanDuration(Duration.ofDays(365 * 9 + 3)));
    }
}
