package io.kapacitystack.kapacity.reliability;

import io.kapacitystack.kapacity.sandbox.traffic.TrafficAnnotations;
import io.kapacitystack.kapacity.sandbox.traffic.WorkloadCost;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The soak's IHPAs, each with its own nginx StatefulSet in its own namespace {@code soak-<n>}, built from the
 * quick starts under k8s-examples/ so that the soak runs what users run. Out of every ten: two cron, three reactive
 * under a V-shaped hourly load, two gray Cutoff, one gray Standby, one gray Deleted (the gray sample: 5 pods for ten
 * minutes an hour, then back to 1 in 50 % steps) and one predictive with the built-in algorithm job.
 */
final class SoakFleet {

    enum Kind { CRON, REACTIVE, GRAY_CUTOFF, GRAY_STANDBY, GRAY_DELETED, PREDICTIVE }

    private static final Kind[] MIX = {Kind.CRON, Kind.REACTIVE, Kind.GRAY_CUTOFF, Kind.REACTIVE, Kind.GRAY_STANDBY,
            Kind.CRON, Kind.REACTIVE, Kind.GRAY_CUTOFF, Kind.PREDICTIVE, Kind.GRAY_DELETED};

    static final int MIN = 1;
    static final int MAX = 10;
    /** Simulated: long enough that watch delivery, at a clock speed of 100, shifts a step by a fraction of it. */
    static final Duration GRAY_INTERVAL = Duration.ofSeconds(300);
    /** 50 % of the gray sample's 5 → 1. */
    static final int GRAY_STEP = 2;

    record Member(String namespace, Kind kind, String yaml) {
        boolean gray() {
            return kind == Kind.GRAY_CUTOFF || kind == Kind.GRAY_STANDBY || kind == Kind.GRAY_DELETED;
        }
    }

    private SoakFleet() {
    }

    static List<Member> of(int size) {
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Kind kind = MIX[i % MIX.length];
            out.add(new Member("soak-" + i, kind, yaml(i, kind)));
        }
        return out;
    }

    private static String yaml(int i, Kind kind) {
        Map<String, String> annotations = new LinkedHashMap<>();
        String ihpa = switch (kind) {
            case CRON -> example("cron-portrait-sample.yaml");
            case REACTIVE -> {
                // 10m CPU per request against a 30 % target of 100m: the hour's wave needs 1 to 5 or more pods
                annotations.put(TrafficAnnotations.TRAFFIC, "vshape " + (20 + i % 3 * 10));
                yield example("dynamic-reactive-portrait-sample.yaml");
            }
            case GRAY_CUTOFF, GRAY_STANDBY, GRAY_DELETED -> {
                String state = kind == Kind.GRAY_CUTOFF ? "Cutoff" : kind == Kind.GRAY_STANDBY ? "Standby" : "Deleted";
                // staggered over the hour, so that not every gray of the fleet starts at once
                int start = i * 7 % 50;
                yield example("gray-strategy-sample.yaml")
                        .replace("start: 0 * * * *", "start: " + start + " * * * *")
                        .replace("end: 10 * * * *", "end: " + (start + 10) + " * * * *")
                        .replace("grayState: Cutoff", "grayState: " + state)
                        .replace("changeIntervalSeconds: 30", "changeIntervalSeconds: " + GRAY_INTERVAL.toSeconds())
                        .replace("observationSeconds: 60", "observationSeconds: " + GRAY_INTERVAL.toSeconds());
            }
            case PREDICTIVE -> {
                // the sandbox's predictive quick start (app/SandboxApp.PREDICTIVE_TRAFFIC)
                annotations.put(TrafficAnnotations.TRAFFIC, "vshape 100");
                annotations.put(WorkloadCost.CPU_PER_REQUEST, "50u");
                annotations.put(WorkloadCost.CPU_BASE, "300u");
                yield example("nginx-ingress.yaml") + "\n---\n" + example("dynamic-predictive-portrait-sample.yaml");
            }
        };
        StringBuilder meta = new StringBuilder("kind: StatefulSet\nmetadata:\n  name: nginx\n");
        if (!annotations.isEmpty()) {
            meta.append("  annotations:\n");
            annotations.forEach((k, v) -> meta.append("    ").append(k).append(": '").append(v).append("'\n"));
        }
        String workload = example("nginx-statefulset.yaml").replace("kind: StatefulSet\nmetadata:\n  name: nginx\n", meta.toString());
        return workload + "\n---\n" + ihpa;
    }

    private static String example(String file) {
        try (InputStream in = SoakFleet.class.getClassLoader().getResourceAsStream("k8s-examples/" + file)) {
            return new String(Objects.requireNonNull(in, file).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
