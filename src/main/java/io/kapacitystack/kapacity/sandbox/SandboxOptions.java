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
 * @param jobRunTimeLimit      how long one job pod's run may take, in REAL time (its runner is then interrupted
 *                             and the pod fails): a local process does not run faster with the clock
 */
public record SandboxOptions(String apiHost, int apiPort, Duration podStartupDelay, Duration podTerminationGrace,
                             Duration metricsHorizon, int nodeCount, boolean emulatePodWebhook,
                             Duration jobRunTimeLimit) {

    public static SandboxOptions defaults() {
        return new SandboxOptions("127.0.0.1", 0, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofDays(14),
                3, true, Duration.ofMinutes(10));
    }

    public SandboxOptions withApiPort(int port) {
        return new SandboxOptions(apiHost, port, podStartupDelay, podTerminationGrace, metricsHorizon, nodeCount,
                emulatePodWebhook, jobRunTimeLimit);
    }

    public SandboxOptions withPodStartupDelay(Duration delay) {
        return new SandboxOptions(apiHost, apiPort, delay, podTerminationGrace, metricsHorizon, nodeCount,
                emulatePodWebhook, jobRunTimeLimit);
    }

    public SandboxOptions withPodTerminationGrace(Duration grace) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, grace, metricsHorizon, nodeCount,
                emulatePodWebhook, jobRunTimeLimit);
    }

    public SandboxOptions withMetricsHorizon(Duration horizon) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, podTerminationGrace, horizon, nodeCount,
                emulatePodWebhook, jobRunTimeLimit);
    }

    public SandboxOptions withEmulatePodWebhook(boolean emulate) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, podTerminationGrace, metricsHorizon, nodeCount,
                emulate, jobRunTimeLimit);
    }

    public SandboxOptions withJobRunTimeLimit(Duration limit) {
        return new SandboxOptions(apiHost, apiPort, podStartupDelay, podTerminationGrace, metricsHorizon, nodeCount,
                emulatePodWebhook, limit);
    }
}
