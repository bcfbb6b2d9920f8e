package io.kapacitystack.kapacity.autoscaler;

import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Which autoscaler may scale a workload that several name. Two autoscalers on one target fight: each writes its own
 * replica count and the workload flips between them. Kubernetes' HPA controller refuses this
 * ({@code pkg/controller/podautoscaler/horizontal.go}: {@code AmbiguousSelector} when several HPAs select the same
 * pods); Kapacity (upstream) does not check at all. Here exactly one keeps scaling:
 * <ul>
 * <li>an {@code autoscaling/v2} HorizontalPodAutoscaler on the same target always wins: the HPA controller knows
 * nothing of IHPAs and would not yield, so an IHPA yielding is the only way to stop the fight;</li>
 * <li>among IHPAs, the one whose ReplicaProfile (the object that actually scales) was created first, then by name.
 * An IHPA with no profile yet claims nothing and yields to any that has one. This survives restarts: it is read
 * from the objects, not from memory.</li>
 * </ul>
 * Pure.
 */
public final class ScaleTargetClaims {

    public static final String HPA_KIND = "HorizontalPodAutoscaler";
    public static final String IHPA_KIND = "IntelligentHorizontalPodAutoscaler";

    /**
     * Another autoscaler scaling the same target.
     *
     * @param since when its claim began: the HPA's creation, or the creation of the IHPA's ReplicaProfile
     */
    public record Claim(String kind, String name, Instant since) {
        boolean isHpa() {
            return HPA_KIND.equals(kind);
        }
    }

    private static final Comparator<Claim> PRECEDENCE = Comparator
            .comparing((Claim c) -> c.isHpa() ? 0 : 1)
            .thenComparing(Claim::since, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Claim::name);

    private ScaleTargetClaims() {
    }

    /**
     * The claim this IHPA must yield to, or null if it may scale its target.
     *
     * @param selfName   the IHPA's name
     * @param selfSince  when its own ReplicaProfile on this target was created; null if it has none (a newcomer)
     * @param others     the other autoscalers on the same target (not this IHPA)
     */
    public static Claim yieldTo(String selfName, Instant selfSince, List<Claim> others) {
        Claim self = new Claim(IHPA_KIND, selfName, selfSince);
        Claim first = null;
        for (Claim other : others) {
            boolean precedes = other.isHpa() || selfSince == null || PRECEDENCE.compare(other, self) < 0;
            if (precedes && (first == null || PRECEDENCE.compare(other, first) < 0)) {
                first = other;
            }
        }
        return first;
    }

    /**
     * Whether two references name the same workload: same kind, same name and same API group (the version may
     * differ, as it may between an HPA's {@code apps/v1} and an older manifest's).
     */
    public static boolean sameTarget(CrossVersionObjectReference a, String apiVersion, String kind, String name) {
        return a != null && Objects.equals(a.kind, kind) && Objects.equals(a.name, name)
                && a.group().equals(new CrossVersionObjectReference(apiVersion, kind, name).group());
    }

    public static boolean sameTarget(CrossVersionObjectReference a, CrossVersionObjectReference b) {
        return b != null && sameTarget(a, b.apiVersion, b.kind, b.name);
    }

    /** The condition message of a yielding IHPA: which autoscaler it yields to, and what it does meanwhile. */
    static String message(CrossVersionObjectReference target, Claim first) {
        String why = first.isHpa() ? "which always takes precedence over an IntelligentHorizontalPodAutoscaler"
                : "which scaled it first";
        return String.format("the scale target %s %s is also scaled by %s \"%s\", %s; this autoscaler does not "
                        + "scale it while that one does (only one autoscaler may scale a workload)",
                target.kind, quote(target.name), first.kind(), first.name(), why);
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
