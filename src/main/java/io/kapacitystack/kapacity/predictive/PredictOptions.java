package io.kapacitystack.kapacity.predictive;

import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.portrait.cron.TimeZones;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flags and environment of {@code predict}, those of Kapacity's algorithm container
 * (algorithm/kapacity/portrait/horizontal/predictive/main.py) plus {@code --time-zone} and {@code --token-file}.
 * {@code --tsf-model-path} and {@code --tsf-dataloader-num-workers} are accepted and unused: no model is trained.
 */
public record PredictOptions(String kubeconfig, String tsfModelPath, Duration historyLength, ZoneId zone,
                             Duration testWindow, double minCorrelation, double maxMse, Duration scalingFreq,
                             long scaleUpAheadSeconds, double targetTolerance, String tokenFile, Duration grpcTimeout, String metricsServer,
                             String namespace, String name) {

    public static final String DEFAULT_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    static final Duration MAX_HISTORY = Duration.ofDays(60);
    static final Duration MAX_SCALING_FREQ = Duration.ofDays(1);

    public static Flags flags() {
        return new Flags()
                .define("kubeconfig", "", "kubeconfig path; in-cluster configuration when empty")
                .define("tsf-model-path", "", "accepted for Kapacity compatibility; not needed (no trained model)")
                .define("tsf-dataloader-num-workers", "0", "accepted for Kapacity compatibility; unused")
                .define("re-history-len", "7D", "history read, as Kapacity: <n>D days, <n>H hours or <n>min minutes")
                .define("re-time-delta-hours", "0", "UTC offset in hours of the traffic's clock (used without --time-zone)")
                .define("time-zone", "", "IANA time zone of the traffic's clock (e.g. Europe/Berlin); overrides --re-time-delta-hours")
                .define("re-test-dataset-size-in-seconds", "86400", "held-out window (seconds) for the backtest and the replica model's validation")
                .define("re-min-correlation-allowed", "0.9", "minimum held-out correlation of the replica model")
                .define("re-max-mse-allowed", "10.0", "maximum held-out MSE of the replica model (resource scaled to 100)")
                .define("scaling-freq", "10min", "bucket of the result, a pandas alias: 10min, 30min, 1H, 1D (minimum 1min)")
                .define("scale-up-ahead-seconds", "0", "label a rising bucket this many seconds earlier (less than the bucket)")
                .define("target-tolerance", "0", "size each bucket for the resource target raised by this fraction (0: at the "
                        + "target, as Kapacity); the reactive portrait tolerates the same band (0.1) before it scales up")
                .define("token-file", "", "service-account token sent to the gRPC service as a bearer token when the file exists "
                        + "(default $KAPACITY_TOKEN_FILE or " + DEFAULT_TOKEN_FILE + ")")
                .define("grpc-timeout", "60s", "deadline of each gRPC Query call");
    }

    /** Parses flags and the environment the HorizontalPortrait controller injects (METRICS_SERVER_ADDR, HP_NAMESPACE, HP_NAME). */
    public static PredictOptions parse(String[] args, Map<String, String> env) {
        Flags f = flags().parse(args);
        if (!f.positional().isEmpty()) {
            throw new IllegalArgumentException("unexpected argument " + f.positional().get(0));
        }
        Duration history = Duration.ofMinutes(periodMinutes(f.get("re-history-len")));
        if (history.isZero() || history.compareTo(MAX_HISTORY) > 0) {
            throw new IllegalArgumentException("--re-history-len \"" + f.get("re-history-len")
                    + "\" must be like 7D, 36H or 90min, at most 60D");
        }
        ZoneId zone;
        if (!f.get("time-zone").isEmpty()) {
            zone = TimeZones.load(f.get("time-zone"));
        } else {
            int hours = f.getInt("re-time-delta-hours");
            if (hours < -18 || hours > 18) {
                throw new IllegalArgumentException("--re-time-delta-hours must be between -18 and 18");
            }
            zone = ZoneOffset.ofHours(hours);
        }
        long test = Long.parseLong(f.get("re-test-dataset-size-in-seconds").trim());
        if (test < 3600 || test > history.getSeconds()) {
            throw new IllegalArgumentException("--re-test-dataset-size-in-seconds must be at least 3600 and within --re-history-len");
        }
        double minCorr = f.getDouble("re-min-correlation-allowed");
        if (!(minCorr >= 0 && minCorr <= 1)) {
            throw new IllegalArgumentException("--re-min-correlation-allowed must be within [0, 1]");
        }
        double maxMse = f.getDouble("re-max-mse-allowed");
        if (!(maxMse > 0)) {
            throw new IllegalArgumentException("--re-max-mse-allowed must be positive");
        }
        Duration freq = scalingFreq(f.get("scaling-freq"));
        long ahead = Long.parseLong(f.get("scale-up-ahead-seconds").trim());
        if (ahead < 0 || ahead >= freq.getSeconds()) {
            throw new IllegalArgumentException("--scale-up-ahead-seconds must be at least 0 and less than --scaling-freq");
        }
        double tolerance = f.getDouble("target-tolerance");
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("--target-tolerance must be at least 0 and less than 1");
        }
        Duration timeout = f.getDuration("grpc-timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--grpc-timeout must be positive and at most 10m");
        }
        String token = !f.get("token-file").isEmpty() ? f.get("token-file")
                : env.getOrDefault("KAPACITY_TOKEN_FILE", DEFAULT_TOKEN_FILE);
        String ns = env.getOrDefault("HP_NAMESPACE", "");
        String name = env.getOrDefault("HP_NAME", "");
        if (ns.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("HP_NAMESPACE and HP_NAME must be set (the HorizontalPortrait controller injects them)");
        }
        return new PredictOptions(f.get("kubeconfig"), f.get("tsf-model-path"), history, zone, Duration.ofSeconds(test),
                minCorr, maxMse, freq, ahead, tolerance, token, timeout, env.getOrDefault("METRICS_SERVER_ADDR", ""), ns, name);
    }

    /**
     * Kapacity's {@code time_period_to_minutes}: checked in order, contains {@code D} → days, {@code H} → hours,
     * {@code min} → minutes (a bare unit means one); anything else 0. Case-sensitive, as Kapacity's.
     */
    static long periodMinutes(String s) {
        String t = s.trim();
        try {
            if (t.contains("D")) {
                String n = t.substring(0, t.indexOf('D'));
                return n.isEmpty() ? 1440 : Long.parseLong(n) * 1440;
            }
            if (t.contains("H")) {
                String n = t.substring(0, t.indexOf('H'));
                return n.isEmpty() ? 60 : Long.parseLong(n) * 60;
            }
            if (t.contains("min")) {
                return Long.parseLong(t.substring(0, t.indexOf("min")));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not a period like 7D, 24H or 90min");
        }
        return 0;
    }

    private static final Pattern FREQ = Pattern.compile("(\\d*)(min|T|H|h|D|S|s)");

    /** A pandas offset alias ({@code 10min}, {@code 1H}, {@code H}, {@code 1D}, {@code 90s}); 1 minute to 1 day. */
    static Duration scalingFreq(String s) {
        Matcher m = FREQ.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--scaling-freq \"" + s + "\" is not like 10min, 1H or 1D");
        }
        long n = m.group(1).isEmpty() ? 1 : Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "min", "T" -> Duration.ofMinutes(n);
            case "H", "h" -> Duration.ofHours(n);
            case "D" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(MAX_SCALING_FREQ) > 0 || d.getSeconds() % 60 != 0) {
            throw new IllegalArgumentException("--scaling-freq must be whole minutes between 1min and 1D, got " + s);
        }
        return d;
    }
}
