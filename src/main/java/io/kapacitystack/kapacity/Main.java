package io.kapacitystack.kapacity;

import io.kapacitystack.kapacity.app.BacktestCommand;
import io.kapacitystack.kapacity.app.KapacityCli;
import io.kapacitystack.kapacity.app.ManagerCommand;
import io.kapacitystack.kapacity.app.PredictCommand;
import io.kapacitystack.kapacity.app.SandboxCommand;
import io.kapacitystack.kapacity.stream.EventsCommand;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code java -jar kapacity.jar <subcommand> [flags]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            System.out.println("Usage: java -jar kapacity.jar <command> [flags]\n\nCommands:\n"
                    + "  manager   run the controllers against a Kubernetes cluster (kubeconfig or in-cluster)\n"
                    + "  sandbox   run everything on this machine: an embedded API, simulated workloads, the console\n"
                    + "  predict   the built-in predictive algorithm job (run by a HorizontalPortrait's CronJob)\n"
                    + "  events    print the scaling-event stream from Kafka (like kubectl get events -w)\n"
                    + "  autoscale, migrate, describe, get   create IHPAs from flags or HPAs, show them as kubectl shows HPAs\n"
                    + "            (also as the kubectl plugin: kubectl kapacity ...; docs/cli.md)\n"
                    + "  backtest  replay a demand trace through the scaling policies and report cost and misses\n\n"
                    + "Run a command with --help for its flags.");
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int code;
        switch (args[0]) {
            case "manager":
                code = ManagerCommand.run(rest);
                break;
            case "sandbox":
                code = SandboxCommand.run(rest);
                break;
            case "predict":
                code = PredictCommand.run(rest);
                break;
            case "backtest":
                code = BacktestCommand.run(rest);
                break;
            case "events":
                code = EventsCommand.run(rest, System.out, System.err,
                        Instant::now, new AtomicBoolean());
                break;
            case "autoscale", "migrate", "describe", "get":
                code = KapacityCli.run(args[0], rest);
                break;
            default:
                System.err.println("unknown command \"" + args[0] + "\"; try --help");
                code = 2;
        }
        if (code != 0) {
            System.exit(code);
        }
        // On a normal end (Ctrl-C) the shutdown hooks are already running: calling System.exit here would wait for them
        // forever; returning lets the JVM finish.
    }
}
