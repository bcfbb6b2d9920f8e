package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.sandbox.api.FaultPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sandbox --faults FILE} and the manager command line {@code --controllers=false} prints. */
class ExternalManagerTest {

    @Test
    void readsAFaultFileAndRefusesBadOnesNamingTheFile(@TempDir Path dir) throws Exception {
        assertNull(ExternalManager.readFaults(""));
        Path good = Files.writeString(dir.resolve("faults.yaml"), "seed: 5\nrules:\n  - fault: unavailable\n    rate: 0.5\n");
        FaultPlan plan = ExternalManager.readFaults(good.toString());
        assertEquals(5, plan.seed());
        assertEquals(FaultPlan.Kind.UNAVAILABLE, plan.rules().get(0).kind());
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "rules: [{fault: conflict, rate: -1}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExternalManager.readFaults(bad.toString()));
        assertTrue(e.getMessage().startsWith("--faults " + bad + ": rate must be between 0 and 1"), e.getMessage());
        Path big = Files.write(dir.resolve("big.yaml"), new byte[(int) ExternalManager.MAX_FAULT_FILE_BYTES + 1]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExternalManager.readFaults(big.toString()))
                .getMessage().contains("larger than"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExternalManager.readFaults(dir.resolve("none").toString()))
                .getMessage().contains("cannot read"));
    }

    @Test
    void theManagerCommandLineParsesAsManagerFlags() {
        List<String> args = ExternalManager.managerArgs(Path.of("/tmp/k"), 18080, 18081);
        var flags = ManagerOptions.flags().parse(args.toArray(String[]::new));
        assertEquals("/tmp/k", flags.get("kubeconfig"));
        assertTrue(flags.getBool("leader-elect"));
        assertEquals("kapacity-system", flags.get("leader-election-namespace"));
        assertEquals("metrics-api", flags.get("metric-provider"));
        assertEquals("127.0.0.1:18081", flags.get("health-probe-bind-address"));
        assertTrue(!flags.getBool("serve-admission-webhooks"));
    }

    @Test
    void theCommandRefusesAnExternalManagerWithAFastClockAndABadFaultFile() throws Exception {
        assertEquals(2, SandboxCommand.run(new String[]{"--controllers=false", "--clock-speed", "60"}));
        assertEquals(2, SandboxCommand.run(new String[]{"--faults", "/nonexistent/faults.yaml"}));
    }
}
