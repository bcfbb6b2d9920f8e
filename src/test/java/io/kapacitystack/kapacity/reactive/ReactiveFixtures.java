package io.kapacitystack.kapacity.reactive;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pods and samples for the reactive tests: plain data, built the way the API server would report them. */
final class ReactiveFixtures {

    static final Instant NOW = Instant.parse("2026-11-23T08:00:00Z");
    /** Started long ago: past every initialization period. */
    static final Instant COOL_START = NOW.minus(Duration.ofMinutes(30));

    private ReactiveFixtures() {
    }

    /** A builder of one pod; by default Running, Ready=True since start, started 30 min ago, cpu request 1000m. */
    static final class P {
        String name;
        String namespace = "default";
        Map<String, String> labels = new LinkedHashMap<>(Map.of("app", "web"));
        String phase = "Running";
        String ready = "True";
        Instant start = COOL_START;
        Instant transition = null;
        boolean deleted;
        List<String[]> containers = new ArrayList<>(); // {name, resource, quantity}

        P(String name) {
            this.name = name;
        }

        P ns(String ns) {
            this.namespace = ns;
            return this;
        }

        P label(String k, String v) {
            labels.put(k, v);
            return this;
        }

        P labels(Map<String, String> l) {
            labels = new LinkedHashMap<>(l);
            return this;
        }

        P phase(String p) {
            phase = p;
            return this;
        }

        P ready(String r) {
            ready = r;
            return this;
        }

        P started(Instant s) {
            start = s;
            return this;
        }

        P transition(Instant t) {
            transition = t;
            return this;
        }

        P deleted() {
            deleted = true;
            return this;
        }

        P container(String name, String resource, String quantity) {
            containers.add(new String[]{name, resource, quantity});
            return this;
        }

        Pod build() {
            List<String[]> cs = containers.isEmpty()
                    ? List.<String[]>of(new String[]{"app", "cpu", "1"}, new String[]{"app", "memory", "1Gi"})
                    : containers;
            Map<String, Map<String, Quantity>> byContainer = new LinkedHashMap<>();
            for (String[] c : cs) {
                Map<String, Quantity> req = byContainer.computeIfAbsent(c[0], k -> new LinkedHashMap<>());
                if (c[1] != null) {
                    req.put(c[1], new Quantity(c[2]));
                }
            }
            PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withLabels(labels).endMetadata().withNewSpec().endSpec();
            if (deleted) {
                b.editMetadata().withDeletionTimestamp(NOW.minusSeconds(5).toString()).endMetadata();
            }
            for (Map.Entry<String, Map<String, Quantity>> c : byContainer.entrySet()) {
                b.editSpec().addToContainers(new ContainerBuilder().withName(c.getKey()).withImage("app")
                        .withNewResources().withRequests(c.getValue()).endResources().build()).endSpec();
            }
            b.withNewStatus().withPhase(phase).withStartTime(start == null ? null : start.toString()).endStatus();
            if (ready != null) {
                Instant t = transition != null ? transition : start != null ? start : COOL_START;
                b.editStatus().addToConditions(new PodConditionBuilder().withType("Ready").withStatus(ready)
                        .withLastTransitionTime(t.toString()).build()).endStatus();
            }
            return b.build();
        }
    }

    static P pod(String name) {
        return new P(name);
    }

    static List<Pod> pods(P... ps) {
        List<Pod> out = new ArrayList<>();
        for (P p : ps) {
            out.add(p.build());
        }
        return out;
    }

    /** Ready pods p0..p(n-1) with the default 1000m cpu request. */
    static List<Pod> readyPods(int n) {
        List<Pod> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pod("p" + i).build());
        }
        return out;
    }

    /** Samples p0=levels[0], p1=levels[1], ... taken just now over a 1-minute window. */
    static Map<String, PodMetric> levels(long... levels) {
        Map<String, PodMetric> m = new LinkedHashMap<>();
        for (int i = 0; i < levels.length; i++) {
            m.put("p" + i, new PodMetric(levels[i], NOW, Duration.ofMinutes(1)));
        }
        return m;
    }
}
