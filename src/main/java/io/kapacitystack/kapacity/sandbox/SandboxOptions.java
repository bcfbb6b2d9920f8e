package io.kapacitystack.kapacity.sandbox;

import java.time.Duration;

/**
 * How the sandbox world behaves. All durations are simulated time (measured on the injected clock), so
 * {@code --clock-speed} compresses them.
 *
 * @param apiHost              interface the embedded API listens on
 * @param apiPort              port of the embedded API, 0 for a random free port
 * @param podStartupDelay      from pod creation to Running and containers ready
 * @param podTerminationGrace  from a pod delete to its disappearance (it shows Terminating meanwhile)
 * @param metricsHorizon       how far back synthesized metric history reaches
 * @param nodeCount            number of fake nodes ({@code sandbox-node-1..n}) pods are spread over
 * @param emulatePodWebhook    install the readiness-gate emulation of Kapacity's pod webhook
 */
public record SandboxOptions(String apiHost, int apiPort, Duration podStartupDelay, Duration podTerminationGrace,
                             Duration metricsHorizon, int nodeCount, boolean emulatePodWebhook) {

    public static SandboxOptions defaults() {
        return new SandboxOptions("127.0.0.1", 0, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofDays(7),
                3, true);
    }

    public SandboxOptions withApiPort(int port) {
        return new SandboxOptions(apiHost, port, podStartupDelay, podTerminationGrace, metricsHorizon, nodeCount,
                emulatePodWebhook);
    }

    public SandboxOptions withPodStartupDelay(Duration delay) {
        return new SandboxOptions(apiHost, apiPort, delay, podTerminationGrace, metricsHorizon, nodeCount,
                emulatePodWebhook);
    }

    public SandboxOptions withPodTerminationGrace(Duration grace) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, grace, metricsHorizon, nodeCount,
                emulatePodWebhook);
    }

    public SandboxOptions withMetricsHorizon(Duration horizon) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, podTerminationGrace, horizon, nodeCount,
                emulatePodWebhook);
    }

    public SandboxOptions withEmulatePodWebhook(boolean emulate) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, podTerminationGrace, metricsHorizon, nodeCount,
                emulate);
    }
}
