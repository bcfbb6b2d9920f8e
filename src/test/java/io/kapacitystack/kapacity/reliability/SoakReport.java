package io.kapacitystack.kapacity.reliability;

import java.util.Locale;

/** The soak's figures as the Markdown docs/reliability.md shows. */
final class SoakReport {

    private SoakReport() {
    }

    static String markdown(Soak.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("| hour | heap after GC (MiB) | reconciles | p50 (ms) | p90 (ms) | p99 (ms) | events | API requests | requests/s (real) | real s | faults | pods | world list (ms) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Soak.Hour h : r.hours()) {
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.1f | %d | %d | %.0f | %.0f | %d | %d | %d |%n",
                    h.hour(), h.heapMiB(), h.reconciles(), h.p50(), h.p90(), h.p99(), h.events(), h.requests(),
                    h.requestsPerSecond(), h.realSeconds(), h.faults(), h.pods(), h.worldListMs()));
        }
        sb.append("\nfaults injected: ").append(r.injected()).append('\n');
        sb.append("events by reason: ").append(r.eventsByReason()).append('\n');
        sb.append("scalings by kind: ").append(r.scalings()).append(", gray steps: ").append(r.graySteps()).append('\n');
        sb.append("not converged after the faults: ").append(r.unconverged().isEmpty() ? "none" : r.unconverged())
                .append(" (").append(r.convergedMs()).append(" ms real)\n");
        sb.append("violations: ").append(r.violations().isEmpty() ? "none" : r.violations()).append('\n');
        return sb.toString();
    }
}
