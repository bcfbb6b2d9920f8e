package io.kapacitystack.kapacity.app;

import io.kapacitystack.kapacity.sandbox.api.FaultPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sandbox --controllers=false}: the sandbox as a persistent cluster for managers that run as their own
 * processes ({@code kapacity.jar manager --kubeconfig}), which can be killed and restarted, or run two at a time
 * with leader election through a Lease in the sandbox's API (docs/reliability.md).
 */
public final class ExternalManager {

    /** The namespace of the leader election Lease the banner suggests (the sandbox creates it). */
    public static final String LEASE_NAMESPACE = SandboxApp.ALGORITHM_JOB_NAMESPACE;

    /** A fault file is user input: at most this big. */
    static final long MAX_FAULT_FILE_BYTES = 1024 * 1024;

    private ExternalManager() {
    }

    /** The flags that run a manager against the sandbox's kubeconfig, on ports that do not clash with the sandbox's. */
    public static List<String> managerArgs(Path kubeconfig, int metricsPort, int probePort) {
        List<String> args = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(),
                "--metric-provider", "metrics-api",
                "--leader-elect", "--leader-election-namespace", LEASE_NAMESPACE,
                "--metrics-bind-address", "127.0.0.1:" + metricsPort,
                "--health-probe-bind-address", "127.0.0.1:" + probePort,
                "--grpc-server-bind-address", "0", "--console-bind-address", "0",
                "--serve-admission-webhooks=false"));
        return args;
    }

    static String banner(int port, String apiUrl, Path kubeconfig, List<String> samples) {
        StringBuilder sb = new StringBuilder();
        sb.append("\nKapacity sandbox is running without controllers (--controllers=false)");
        sb.append("\n  API:        ").append(apiUrl);
        sb.append("\n  kubeconfig: ").append(kubeconfig);
        sb.append("\n  metrics:    http://127.0.0.1:").append(port).append("/sandbox/metrics");
        sb.append("\n  samples:    ").append(samples.isEmpty() ? "none" : String.join(", ", samples.stream().map(s -> s + "-sample").toList()));
        sb.append("\n\nRun a manager against it (each one on its own ports; with --leader-elect only one leads):");
        sb.append("\n  java -jar kapacity.jar manager ").append(String.join(" ", managerArgs(kubeconfig, 18080, 18081)));
        sb.append("\n  java -jar kapacity.jar manager ").append(String.join(" ", managerArgs(kubeconfig, 18180, 18181)));
        sb.append("\n  kubectl --kubeconfig ").append(kubeconfig).append(" get lease -n ").append(LEASE_NAMESPACE)
                .append("   # who leads");
        sb.append("\n\nPress Ctrl-C to stop.\n");
        return sb.toString();
    }

    /** The plan of {@code --faults FILE}, or null without one. */
    static FaultPlan readFaults(String file) {
        if (file.isEmpty()) {
            return null;
        }
        Path path = Path.of(file);
        try {
            if (Files.size(path) > MAX_FAULT_FILE_BYTES) {
                throw new IllegalArgumentException("--faults " + file + ": larger than " + MAX_FAULT_FILE_BYTES + " bytes");
            }
            return FaultPlan.parse(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("--faults: cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--faults " + file + ": " + e.getMessage());
        }
    }
}
