package io.kapacitystack.kapacity.portrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.portrait.cron.CronPortraitEvaluator;
import io.kapacitystack.kapacity.portrait.cron.ReplicaCronRule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Cron provider: the replicas of the one rule whose [start, end) window contains now, valid until its end.
 * Instead of upstream's per-IHPA cron trigger goroutines, it reports the next start or end of any rule, and the
 * controller arms a single timer for that instant.
 */
public final class CronPortraitProviderEvaluator implements PortraitProviderEvaluator {

    public static final String PROVIDER = "Cron";

    private final CronPortraitEvaluator evaluator;

    public CronPortraitProviderEvaluator() {
        this(new CronPortraitEvaluator());
    }

    public CronPortraitProviderEvaluator(CronPortraitEvaluator evaluator) {
        this.evaluator = evaluator;
    }

    @Override
    public ProviderOutcome evaluate(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider provider, Instant now) {
        if (provider.cron == null || provider.cron.crons == null || provider.cron.crons.isEmpty()) {
            return ProviderOutcome.error("a Cron provider needs at least one rule in cron.crons");
        }
        return evaluate(PROVIDER, provider.cron.crons, now);
    }

    /** Shared with Cron portrait data of HorizontalPortraits. */
    public ProviderOutcome evaluate(String provider, List<ReplicaCron> crons, Instant now) {
        CronPortraitEvaluator.Evaluation e = evaluator.evaluate(rules(crons), now);
        if (e instanceof CronPortraitEvaluator.Failed) {
            return ProviderOutcome.error(((CronPortraitEvaluator.Failed) e).message());
        }
        if (e instanceof CronPortraitEvaluator.Active) {
            CronPortraitEvaluator.Active a = (CronPortraitEvaluator.Active) e;
            return ProviderOutcome.value(new HorizontalPortraitValue(provider, a.replicas(), KubeTime.format(a.expireTime())),
                    a.nextBoundary());
        }
        return ProviderOutcome.none(((CronPortraitEvaluator.Inactive) e).nextBoundary());
    }

    public CronPortraitEvaluator.Evaluation evaluateRules(List<ReplicaCron> crons, Instant now) {
        return evaluator.evaluate(rules(crons), now);
    }

    static List<ReplicaCronRule> rules(List<ReplicaCron> crons) {
        List<ReplicaCronRule> rules = new ArrayList<>(crons.size());
        for (ReplicaCron c : crons) {
            rules.add(new ReplicaCronRule(c.name, c.timeZone, c.start, c.end, c.replicas == null ? 0 : c.replicas));
        }
        return rules;
    }
}
