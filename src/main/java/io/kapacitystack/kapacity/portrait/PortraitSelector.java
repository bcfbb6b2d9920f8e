package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Picks the winning portrait value among an IHPA's providers, with Kapacity's rules: expired values do not count;
 * the higher priority wins; on equal priority the larger replica number wins; on a full tie the provider listed
 * first wins. Any provider error fails the whole selection, as upstream does, so a broken rule never silently
 * hands control to a lower-priority provider.
 */
public final class PortraitSelector {

    private final Map<PortraitProvider.Type, PortraitProviderEvaluator> evaluators;

    public PortraitSelector(Map<PortraitProvider.Type, PortraitProviderEvaluator> evaluators) {
        this.evaluators = evaluators;
    }

    public Selection select(IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
        List<PortraitProvider> providers = ihpa.getSpec().portraitProviders == null
                ? Collections.emptyList() : ihpa.getSpec().portraitProviders;
        List<Candidate> considered = new ArrayList<>();
        Candidate best = null;
        Instant changesAt = null;
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            PortraitProviderEvaluator evaluator = p.type == null ? null : evaluators.get(p.type);
            if (evaluator == null) {
                return Selection.error("unknown portrait provider type \"" + p.type + "\"", considered);
            }
            ProviderOutcome outcome = evaluator.evaluate(ihpa, p, now);
            if (outcome.error() != null) {
                return Selection.error("failed to fetch portrait value: " + outcome.error(), considered);
            }
            changesAt = earliest(changesAt, outcome.changesAt());
            HorizontalPortraitValue v = outcome.value();
            int priority = p.priority == null ? 0 : p.priority;
            boolean expired = v != null && isExpired(v, now);
            Candidate c = new Candidate(i, p.type, priority, v, expired);
            considered.add(c);
            if (v == null || expired) {
                continue;
            }
            changesAt = earliest(changesAt, KubeTime.parse(v.expireTime));
            if (best == null || priority > best.priority
                    || (priority == best.priority && v.replicas > best.value.replicas)) {
                best = c;
            }
        }
        return new Selection(best == null ? null : best.value, best == null ? -1 : best.index, null, changesAt, considered);
    }

    static boolean isExpired(HorizontalPortraitValue v, Instant now) {
        Instant expire = KubeTime.parse(v.expireTime);
        return expire != null && !now.isBefore(expire);
    }

    static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }

    /** One provider's contribution, kept so the console can show why the winner won. */
    public static final class Candidate {
        public final int index;
        public final PortraitProvider.Type type;
        public final int priority;
        public final HorizontalPortraitValue value;
        public final boolean expired;

        Candidate(int index, PortraitProvider.Type type, int priority, HorizontalPortraitValue value, boolean expired) {
            this.index = index;
            this.type = type;
            this.priority = priority;
            this.value = value;
            this.expired = expired;
        }
    }

    /**
     * @param value       the winning value, or null when no provider has a valid value now
     * @param winnerIndex the winning provider's index, -1 when none won
     * @param changesAt   the earliest instant at which any provider's answer may change (null: only on an object change)
     */
    public record Selection(HorizontalPortraitValue value, int winnerIndex, String error, Instant changesAt,
                            List<Candidate> candidates) {

        static Selection error(String error, List<Candidate> considered) {
            return new Selection(null, -1, error, null, considered);
        }
    }
}
