package io.kapacitystack.kapacity.autoscaler;

import io.fabric8.kubernetes.api.model.Condition;
import io.kapacitystack.kapacity.api.v1alpha1.Conditions;
import io.kapacitystack.kapacity.api.v1alpha1.GrayStrategy;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler.Reasons;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PodState;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileBehavior;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileSpec;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.portrait.PortraitSelector;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.GRAY_PROGRESSING;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.SCALING_ACTIVE;
import static io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerStatus.SCALING_LIMITED;

/**
 * Decides, for one IHPA at one instant, its status, what its ReplicaProfile should say and which events to record
 * (docs/architecture.md; upstream controllers/autoscaling/intelligenthorizontalpodautoscaler_controller.go).
 * Pure: it reads the objects it is given and the selector's evaluation, and writes nothing.
 *
 * <p>Deliberate differences from upstream (docs/compatibility.md): the stored portrait value is the provider's,
 * not the clamped one; min &gt; max and malformed providers are reported as {@code InvalidSpec} instead of being
 * silently clamped or crashing; a gray step is always followed by a wake-up at its due time.
 */
public final class IhpaPlanner {

    private final PortraitSelector selector;

    public IhpaPlanner(PortraitSelector selector) {
        this.selector = selector;
    }

    /** The plan of an IHPA that no other autoscaler competes with (the console's preview, most tests). */
    public IhpaPlan plan(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfile rp, String targetError, Instant now) {
        return plan(ihpa, rp, targetError, List.of(), now);
    }

    /**
     * The decision in the order upstream makes it: paused, an invalid spec, the portrait value, another autoscaler on
     * the target, Preview, a target that cannot be scaled, then the scaling itself.
     *
     * @param rp          the current ReplicaProfile of the IHPA, or null if it has none
     * @param targetError why the scale target cannot be scaled (null if it can or was not checked)
     * @param others      the other autoscalers scaling the same target (HPAs, IHPAs with a ReplicaProfile on it)
     */
    public IhpaPlan plan(IntelligentHorizontalPodAutoscaler ihpa, ReplicaProfile rp, String targetError,
                         List<ScaleTargetClaims.Claim> others, Instant now) {
        Builder b = new Builder(ihpa, now);
        IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec();
        if (spec.isPaused()) {
            return paused(b, rp);
        }
        List<String> problems = validate(spec);
        if (!problems.isEmpty()) {
            return b.errorOut(Reasons.INVALID_SPEC, "invalid spec: " + String.join("; ", problems)).build(null, null);
        }
        PortraitSelector.Selection selection = selector.select(ihpa, now);
        b.selection = selection;
        if (selection.error() != null) {
            // Provider errors come from the spec (bad cron, bad zone): retrying cannot help, a spec change will.
            return b.errorOut(Reasons.FAILED_UPDATE_AND_FETCH_PORTRAIT_VALUE,
                    "failed to update and fetch portrait value: " + selection.error()).build(null, null);
        }
        Instant wake = selection.changesAt();
        if (selection.value() == null) {
            return b.errorOut(Reasons.NO_VALID_PORTRAIT_VALUE, "no valid portrait value for now").build(wake, null);
        }
        boolean preview = spec.effectiveScaleMode() == IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
        // After the spec's own problems (they are the user's to fix first), before anything that would scale.
        ScaleTargetClaims.Claim first = preview ? null
                : ScaleTargetClaims.yieldTo(ihpa.getMetadata().getName(), claimedSince(spec, rp), others);
        if (first != null) {
            return yieldTarget(b, spec, rp, first);
        }
        storePortraitValue(b, spec, selection.value(), preview);
        if (preview) {
            return previewOnly(b, rp, wake);
        }
        if (targetError != null) {
            b.errorOut(Reasons.FAILED_GET_SCALE, "failed to get the target's current scale: " + targetError);
            return b.build(wake, targetError);
        }
        return scale(b, spec, rp, wake);
    }

    /** A paused IHPA pauses its profile too (which keeps its numbers) and says so. */
    private static IhpaPlan paused(Builder b, ReplicaProfile rp) {
        if (rp != null && !rp.getSpec().isPaused()) {
            ReplicaProfileSpec paused = copyNumbers(rp.getSpec());
            paused.paused = true;
            b.rp(IhpaPlan.RpAction.UPDATE, paused);
        }
        b.condition(SCALING_ACTIVE, false, Reasons.SCALING_PAUSED, "scaling is paused");
        return b.build(null, null);
    }

    /** A new portrait value becomes current (the old one previous) and restarts an applicable gray change. */
    private static void storePortraitValue(Builder b, IntelligentHorizontalPodAutoscalerSpec spec,
                                           HorizontalPortraitValue fetched, boolean preview) {
        IntelligentHorizontalPodAutoscalerStatus status = b.status;
        if (fetched.equals(status.currentPortraitValue)) {
            return;
        }
        if (status.currentPortraitValue != null) {
            status.previousPortraitValue = status.currentPortraitValue;
        }
        status.currentPortraitValue = HorizontalPortraitValue.copyOf(fetched);
        if (!preview && activeGray(spec, status) != null) {
            status.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(0, KubeTime.format(b.now));
        }
    }

    /** Preview computes and shows the portrait value but keeps no profile: nothing is scaled. */
    private static IhpaPlan previewOnly(Builder b, ReplicaProfile rp, Instant wake) {
        if (rp != null) {
            b.rp(IhpaPlan.RpAction.DELETE, null);
        }
        b.condition(SCALING_ACTIVE, true, Reasons.SUCCEEDED_AUTOSCALING, "the autoscaling process is functional");
        return b.build(wake, null);
    }

    /** The portrait value within the replica range, through the gray steps, as the profile to write. */
    private static IhpaPlan scale(Builder b, IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp, Instant wake) {
        int clamped = limitToRange(b, spec);
        IntelligentHorizontalPodAutoscalerStatus.Gray grayBefore = b.status.gray;
        GrayProgress progress = parkBeforeDeleting(b, spec, rp, grayProgress(b, spec, rp, clamped, wake));
        if (progress.heldBack()) {
            // the step is not taken yet: it is, from its start, once the profile's pods are where it says
            b.status.gray = grayBefore;
        }
        ReplicaCounts data = progress.counts();
        ReplicaProfileSpec desiredRp = desiredProfile(spec, rp, data);
        planProfileWrite(b, spec, rp, desiredRp);
        if (progress.waitingForPods()) {
            b.condition(GRAY_PROGRESSING, true, Reasons.WAITING_FOR_GRAY_PODS,
                    "waiting for the pods of the current gray step to reach their state before the next step" + profileTrouble(rp));
        } else if (clamped == data.online()) {
            b.condition(GRAY_PROGRESSING, false, Reasons.REPLICAS_MATCH_PORTRAIT,
                    "online replica count matches replica count of current portrait value");
        } else {
            b.condition(GRAY_PROGRESSING, true, Reasons.REPLICAS_NOT_MATCH_PORTRAIT,
                    "online replica count does not match replica count of current portrait value");
        }
        String selectorTrouble = selectorTrouble(rp);
        if (selectorTrouble != null) {
            // the profile is written, but it cannot move or count a pod: the IHPA does not scale, and says why
            b.condition(SCALING_ACTIVE, false, Reasons.INVALID_SELECTOR, "the ReplicaProfile cannot select the target's pods: " + selectorTrouble);
        } else {
            b.condition(SCALING_ACTIVE, true, Reasons.SUCCEEDED_AUTOSCALING, "the autoscaling process is functional");
        }
        return b.build(progress.wakeAt(), null);
    }

    /** The current portrait value clamped to [min, max], with ScalingLimited saying whether it had to be. */
    private static int limitToRange(Builder b, IntelligentHorizontalPodAutoscalerSpec spec) {
        int desired = b.status.currentPortraitValue.replicas;
        if (desired < spec.minReplicas) {
            b.condition(SCALING_LIMITED, true, Reasons.TOO_FEW_REPLICAS,
                    "the desired replica count of current portrait value is less than the minimum replica count");
        } else if (desired > spec.maxReplicas) {
            b.condition(SCALING_LIMITED, true, Reasons.TOO_MANY_REPLICAS,
                    "the desired replica count of current portrait value is more than the maximum replica count");
        } else {
            b.condition(SCALING_LIMITED, false, Reasons.DESIRED_WITHIN_RANGE,
                    "the desired replica count of current portrait value is within the acceptable range");
        }
        return clamp(desired, spec.minReplicas, spec.maxReplicas);
    }

    /** Where the gray change (if one applies) stands: the profile's numbers now, and when to look again. */
    private record GrayProgress(ReplicaCounts counts, boolean waitingForPods, Instant wakeAt, boolean heldBack) {
        GrayProgress(ReplicaCounts counts, boolean waitingForPods, Instant wakeAt) {
            this(counts, waitingForPods, wakeAt, false);
        }
    }

    /**
     * With a scale-down strategy that parks pods (Cutoff/Standby), the profile never loses a pod it has not parked:
     * a new value that supersedes a gray in flight is planned from the previous value, not from the pods, and could
     * otherwise delete Online pods at once (say 8 Online + 2 Cutoff, then a value whose first step asks 5 + 1: four
     * pods go, two of them serving). Pods beyond the parked ones are parked first (in the strategy's state); and
     * while the profile's pods are not yet where its spec says (its {@code Ensured} condition for its generation),
     * nothing is removed: the numbers stay, and the step is taken once they are.
     */
    private static GrayProgress parkBeforeDeleting(Builder b, IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp,
                                                   GrayProgress progress) {
        GrayStrategy down = spec.behavior == null || spec.behavior.scaleDown == null ? null : spec.behavior.scaleDown.grayStrategy;
        if (rp == null || down == null || (down.grayState != PodState.Cutoff && down.grayState != PodState.Standby)
                || progress.waitingForPods()) {
            return progress;
        }
        ReplicaProfileSpec current = rp.getSpec();
        ReplicaCounts desired = progress.counts();
        int removed = current.online() + current.cutoff() + current.standby()
                - (desired.online() + desired.cutoff() + desired.standby());
        if (removed <= 0) {
            return progress;
        }
        int interval = Math.max(1, down.changeIntervalSeconds == null ? 1 : down.changeIntervalSeconds);
        if (parkedSince(rp) == null) {
            return new GrayProgress(new ReplicaCounts(current.online(), current.cutoff(), current.standby()), true,
                    earliest(progress.wakeAt(), b.now.plusSeconds(interval)), true);
        }
        int unparked = removed - (current.cutoff() + current.standby());
        if (unparked <= 0) {
            return progress;
        }
        ReplicaCounts parked = down.grayState == PodState.Cutoff
                ? new ReplicaCounts(desired.online(), desired.cutoff() + unparked, desired.standby())
                : new ReplicaCounts(desired.online(), desired.cutoff(), desired.standby() + unparked);
        return new GrayProgress(parked, false, earliest(progress.wakeAt(), b.now.plusSeconds(interval)));
    }

    private static GrayProgress grayProgress(Builder b, IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp,
                                             int clamped, Instant wake) {
        IntelligentHorizontalPodAutoscalerStatus status = b.status;
        GrayStrategy strategy = activeGray(spec, status);
        if (strategy == null) {
            return new GrayProgress(new ReplicaCounts(clamped, 0, 0), false, wake);
        }
        int previous = clamp(status.previousPortraitValue.replicas, spec.minReplicas, spec.maxReplicas);
        // The pods a scale-down step parks (Cutoff/Standby) are waited for; the last step, which deletes them
        // (the profile then parks none), and scale-up steps are not.
        boolean parking = clamped < previous && rp != null && parksPods(rp.getSpec());
        boolean settled = !parking || grayPodsSettled(rp);
        if (parking && settled && status.gray != null) {
            // The step's interval, or the observation, counts from when its pods were parked, if that was later
            // than the step (the profile's controller lagged).
            Instant parked = parkedSince(rp);
            Instant planned = KubeTime.parse(status.gray.lastUpdateTime);
            if (parked != null && planned != null && parked.isAfter(planned)) {
                status.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(status.gray.grayPercent, KubeTime.format(parked));
            }
        }
        GrayPlanner.Step step = GrayPlanner.step(strategy, status.gray, previous, clamped, b.now);
        boolean advances = step.gray != null || step.finished;
        if (parking && advances && !settled) {
            // Never move on while the pods of the current step are not yet Cutoff/Standby: the next step (above
            // all the last one, which deletes them) would take pods out that still serve traffic.
            ReplicaProfileSpec current = rp.getSpec();
            int interval = Math.max(1, strategy.changeIntervalSeconds == null ? 1 : strategy.changeIntervalSeconds);
            return new GrayProgress(new ReplicaCounts(current.online(), current.cutoff(), current.standby()), true,
                    earliest(wake, b.now.plusSeconds(interval)));
        }
        if (step.gray != null) {
            status.gray = step.gray;
        } else if (status.gray == null) {
            status.gray = new IntelligentHorizontalPodAutoscalerStatus.Gray(0, KubeTime.format(b.now));
        }
        return new GrayProgress(step.data, false, earliest(wake, step.dueAt));
    }

    /** The profile spec that carries {@code data}; it follows the IHPA's target. */
    private static ReplicaProfileSpec desiredProfile(IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp,
                                                     ReplicaCounts data) {
        ReplicaProfileSpec desiredRp = new ReplicaProfileSpec();
        desiredRp.scaleTargetRef = rp == null ? spec.scaleTargetRef : rp.getSpec().scaleTargetRef;
        desiredRp.onlineReplicas = data.online();
        desiredRp.cutoffReplicas = data.cutoff();
        desiredRp.standbyReplicas = data.standby();
        desiredRp.paused = false;
        desiredRp.allowedScalingDirection = direction(spec);
        desiredRp.behavior = spec.behavior != null && spec.behavior.replicaProfile != null
                ? spec.behavior.replicaProfile : ReplicaProfileBehavior.defaults();
        if (rp != null && !sameTarget(rp.getSpec(), spec)) {
            // Upstream never retargets an existing profile; following the IHPA's target is what a user expects.
            desiredRp.scaleTargetRef = spec.scaleTargetRef;
        }
        return desiredRp;
    }

    /** Create or update the profile, with upstream's Normal event when its numbers change. */
    private static void planProfileWrite(Builder b, IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp,
                                         ReplicaProfileSpec desiredRp) {
        if (rp == null) {
            b.events.add(PlannedEvent.normal(Reasons.CREATE_REPLICA_PROFILE, String.format(
                    "create ReplicaProfile with onlineReplcas: %d, cutoffReplicas: %d, standbyReplicas: %d",
                    desiredRp.online(), desiredRp.cutoff(), desiredRp.standby())));
            b.rp(IhpaPlan.RpAction.CREATE, desiredRp);
        } else {
            ReplicaProfileSpec current = rp.getSpec();
            if (!current.sameNumbers(desiredRp)) {
                b.events.add(PlannedEvent.normal(Reasons.UPDATE_REPLICA_PROFILE, String.format(
                        "update ReplicaProfile with onlineReplcas: %d -> %d, cutoffReplicas: %d -> %d, standbyReplicas: %d -> %d",
                        current.online(), desiredRp.online(), current.cutoff(), desiredRp.cutoff(),
                        current.standby(), desiredRp.standby())));
            }
            if (!rpSpecEquals(current, desiredRp)) {
                b.rp(IhpaPlan.RpAction.UPDATE, desiredRp);
            }
        }
        if (rp == null || !rp.getSpec().sameNumbers(desiredRp)) {
            warnIfStabilityCheckersIgnored(spec, b.events);
        }
    }

    /** When this IHPA's claim on its target began: its profile's creation, if the profile scales that target. */
    private static Instant claimedSince(IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp) {
        if (rp == null || rp.getMetadata() == null || !ScaleTargetClaims.sameTarget(spec.scaleTargetRef, rp.getSpec().scaleTargetRef)) {
            return null;
        }
        Instant created = KubeTime.parse(rp.getMetadata().getCreationTimestamp());
        // A profile without a timestamp (no API server set one) still claims the target: before any newcomer.
        return created == null ? Instant.EPOCH : created;
    }

    /**
     * Another autoscaler scales the target: this one keeps no profile on it (deleting it puts its parked pods back
     * Online), says why on ScalingActive, and warns once when that starts or the other autoscaler changes, not on
     * every reconcile. It needs no wake-up: the other autoscaler's changes enqueue it.
     */
    private static IhpaPlan yieldTarget(Builder b, IntelligentHorizontalPodAutoscalerSpec spec, ReplicaProfile rp,
                                        ScaleTargetClaims.Claim first) {
        if (rp != null) {
            b.rp(IhpaPlan.RpAction.DELETE, null);
        }
        String message = ScaleTargetClaims.message(spec.scaleTargetRef, first);
        Condition active = Conditions.find(b.status.conditions, SCALING_ACTIVE);
        boolean alreadySaid = active != null && "False".equals(active.getStatus())
                && Reasons.AMBIGUOUS_SCALE_TARGET.equals(active.getReason()) && message.equals(active.getMessage());
        if (!alreadySaid) {
            b.events.add(PlannedEvent.warning(Reasons.AMBIGUOUS_SCALE_TARGET, message));
        }
        b.condition(SCALING_ACTIVE, false, Reasons.AMBIGUOUS_SCALE_TARGET, message);
        return b.build(null, null);
    }

    /**
     * Upstream stores {@code stabilityCheckers} and never reads them, and so does this version for now. A user who set
     * them expects a scaling step to be watched; saying so at each step beats letting them believe it is.
     */
    static void warnIfStabilityCheckersIgnored(IntelligentHorizontalPodAutoscalerSpec spec, List<PlannedEvent> events) {
        if (spec.stabilityCheckers != null && !spec.stabilityCheckers.isEmpty()) {
            events.add(PlannedEvent.warning(Reasons.STABILITY_CHECKERS_NOT_EVALUATED,
                    "stabilityCheckers are not evaluated by this version: the replica change is made without them"));
        }
    }

    private static boolean parksPods(ReplicaProfileSpec spec) {
        return spec.cutoff() > 0 || spec.standby() > 0;
    }

    /** Whether the ReplicaProfile's pods are in the Cutoff and Standby numbers its spec asks for. */
    static boolean grayPodsSettled(ReplicaProfile rp) {
        ReplicaProfileStatus observed = rp.getStatus();
        int cutoff = observed == null || observed.cutoffReplicas == null ? 0 : observed.cutoffReplicas;
        int standby = observed == null || observed.standbyReplicas == null ? 0 : observed.standbyReplicas;
        return cutoff == rp.getSpec().cutoff() && standby == rp.getSpec().standby();
    }

    /** Why the profile is not getting there, when it says so (a profile that cannot move pods would wait forever). */
    private static String profileTrouble(ReplicaProfile rp) {
        if (rp == null || rp.getStatus() == null) {
            return "";
        }
        for (String type : List.of(ReplicaProfileStatus.APPLIED, ReplicaProfileStatus.ENSURED)) {
            Condition c = Conditions.find(rp.getStatus().conditions, type);
            if (c != null && "False".equals(c.getStatus()) && !ReplicaProfileStatus.REPLICA_NUMBER_NOT_SATISFIED.equals(c.getReason())) {
                return "; the ReplicaProfile reports " + type + "=False " + c.getReason() + ": " + c.getMessage();
            }
        }
        return "";
    }

    /** The message of the profile's {@code InvalidSelector} condition, when it reports one, else null. */
    private static String selectorTrouble(ReplicaProfile rp) {
        if (rp == null || rp.getStatus() == null) {
            return null;
        }
        return rp.getStatus().conditions.stream()
                .filter(c -> "False".equals(c.getStatus()) && ReplicaProfile.Reasons.INVALID_SELECTOR.equals(c.getReason()))
                .map(Condition::getMessage).findFirst().orElse(null);
    }

    /** When the profile's pods came to match its current spec ({@code Ensured} turned True for this generation), or null. */
    static Instant parkedSince(ReplicaProfile rp) {
        Condition ensured = rp.getStatus() == null ? null : Conditions.find(rp.getStatus().conditions, ReplicaProfileStatus.ENSURED);
        if (ensured == null || !"True".equals(ensured.getStatus())
                || !Objects.equals(ensured.getObservedGeneration(), rp.getMetadata().getGeneration())) {
            return null;
        }
        return KubeTime.parse(ensured.getLastTransitionTime());
    }

    /** The gray strategy in force for the stored previous → current change, or null if none applies. */
    static GrayStrategy activeGray(IntelligentHorizontalPodAutoscalerSpec spec, IntelligentHorizontalPodAutoscalerStatus status) {
        if (status.previousPortraitValue == null || status.currentPortraitValue == null) {
            return null;
        }
        int min = spec.minReplicas;
        int max = spec.maxReplicas;
        int previous = clamp(status.previousPortraitValue.replicas, min, max);
        int current = clamp(status.currentPortraitValue.replicas, min, max);
        return GrayPlanner.activeStrategy(spec.behavior, previous, current);
    }

    /** Problems a schema cannot express; each makes the IHPA inert until fixed. */
    public static List<String> validate(IntelligentHorizontalPodAutoscalerSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec.scaleTargetRef == null || isBlank(spec.scaleTargetRef.kind) || isBlank(spec.scaleTargetRef.name)) {
            problems.add("scaleTargetRef.kind and scaleTargetRef.name are required");
        }
        if (spec.minReplicas == null || spec.maxReplicas == null) {
            problems.add("minReplicas and maxReplicas are required");
        } else {
            if (spec.minReplicas < 0 || spec.maxReplicas < 0) {
                problems.add("minReplicas and maxReplicas must not be negative");
            }
            if (spec.minReplicas > spec.maxReplicas) {
                problems.add("minReplicas (" + spec.minReplicas + ") is greater than maxReplicas (" + spec.maxReplicas + ")");
            }
        }
        if (spec.portraitProviders == null) {
            problems.add("portraitProviders is required");
        } else {
            for (int i = 0; i < spec.portraitProviders.size(); i++) {
                PortraitProvider p = spec.portraitProviders.get(i);
                String at = "portraitProviders[" + i + "]";
                if (p == null || p.type == null) {
                    problems.add(at + ".type is required (Static, Cron or Dynamic)");
                    continue;
                }
                if (p.priority == null) {
                    problems.add(at + ".priority is required");
                }
                switch (p.type) {
                    case Static:
                        if (p._static == null || p._static.replicas == null) {
                            problems.add(at + ": type Static needs static.replicas");
                        } else if (p._static.replicas < 0) {
                            problems.add(at + ".static.replicas must not be negative");
                        }
                        break;
                    case Cron:
                        if (p.cron == null || p.cron.crons == null || p.cron.crons.isEmpty()) {
                            problems.add(at + ": type Cron needs at least one cron.crons rule");
                        }
                        break;
                    case Dynamic:
                        if (p.dynamic == null || isBlank(p.dynamic.portraitType) || p.dynamic.algorithm == null) {
                            problems.add(at + ": type Dynamic needs dynamic.portraitType and dynamic.algorithm");
                        }
                        break;
                    default:
                        break;
                }
            }
        }
        if (spec.behavior != null) {
            checkGray(problems, "behavior.scaleUp", spec.behavior.scaleUp == null ? null : spec.behavior.scaleUp.grayStrategy, true);
            checkGray(problems, "behavior.scaleDown", spec.behavior.scaleDown == null ? null : spec.behavior.scaleDown.grayStrategy, false);
        }
        return problems;
    }

    private static void checkGray(List<String> problems, String at, GrayStrategy g, boolean up) {
        if (g == null) {
            return;
        }
        if (g.changePercent == null || g.changePercent < 1 || g.changePercent > 100) {
            problems.add(at + ".grayStrategy.changePercent must be between 1 and 100");
        }
        if (g.changeIntervalSeconds == null || g.changeIntervalSeconds < 1) {
            problems.add(at + ".grayStrategy.changeIntervalSeconds must be at least 1");
        }
        if (g.observationSeconds != null && g.observationSeconds < 0) {
            problems.add(at + ".grayStrategy.observationSeconds must not be negative");
        }
        // as Kapacity: a scale-up's grayState is not read (new pods are always Online), and a scale-down's Online,
        // which the CRD accepts, removes pods like Deleted (GrayPlanner.step)
        if (g.grayState == null) {
            problems.add(at + ".grayStrategy.grayState is required");
        }
    }

    static ReplicaProfileSpec.ScalingDirection direction(IntelligentHorizontalPodAutoscalerSpec spec) {
        boolean upDisabled = spec.behavior != null && spec.behavior.scaleUp != null && spec.behavior.scaleUp.isDisabled();
        boolean downDisabled = spec.behavior != null && spec.behavior.scaleDown != null && spec.behavior.scaleDown.isDisabled();
        if (upDisabled && downDisabled) {
            return ReplicaProfileSpec.ScalingDirection.Neither;
        }
        if (upDisabled) {
            return ReplicaProfileSpec.ScalingDirection.Down;
        }
        if (downDisabled) {
            return ReplicaProfileSpec.ScalingDirection.Up;
        }
        return ReplicaProfileSpec.ScalingDirection.Both;
    }

    static int clamp(int value, int min, int max) {
        int v = value;
        if (v < min) {
            v = min;
        }
        if (v > max) {
            v = max;
        }
        return v;
    }

    private static boolean sameTarget(ReplicaProfileSpec rp, IntelligentHorizontalPodAutoscalerSpec spec) {
        return rp.scaleTargetRef != null && spec.scaleTargetRef != null
                && Objects.equals(rp.scaleTargetRef.toString(), spec.scaleTargetRef.toString());
    }

    private static boolean rpSpecEquals(ReplicaProfileSpec a, ReplicaProfileSpec b) {
        return a.equals(b) && Objects.equals(String.valueOf(a.scaleTargetRef), String.valueOf(b.scaleTargetRef))
                && behaviorEquals(a.behavior, b.behavior);
    }

    private static boolean behaviorEquals(ReplicaProfileBehavior a, ReplicaProfileBehavior b) {
        ReplicaProfileBehavior x = a == null ? ReplicaProfileBehavior.defaults() : a;
        ReplicaProfileBehavior y = b == null ? ReplicaProfileBehavior.defaults() : b;
        return Objects.equals(describe(x), describe(y));
    }

    private static String describe(ReplicaProfileBehavior b) {
        String sorter = b.podSorter == null ? "WorkloadDefault" : String.valueOf(b.podSorter.type == null ? "WorkloadDefault" : b.podSorter.type)
                + (b.podSorter.external == null ? "" : ":" + b.podSorter.external.name + b.podSorter.external.config);
        String traffic = b.podTrafficController == null ? "ReadinessGate" : String.valueOf(b.podTrafficController.type == null ? "ReadinessGate" : b.podTrafficController.type)
                + (b.podTrafficController.external == null ? "" : ":" + b.podTrafficController.external.name + b.podTrafficController.external.config);
        return sorter + "/" + traffic;
    }

    private static ReplicaProfileSpec copyNumbers(ReplicaProfileSpec s) {
        ReplicaProfileSpec c = new ReplicaProfileSpec();
        c.scaleTargetRef = s.scaleTargetRef;
        c.onlineReplicas = s.onlineReplicas;
        c.cutoffReplicas = s.cutoffReplicas;
        c.standbyReplicas = s.standbyReplicas;
        c.paused = s.paused;
        c.allowedScalingDirection = s.allowedScalingDirection;
        c.behavior = s.behavior;
        return c;
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** Accumulates the plan; starts from a copy of the stored status so the stored object is never mutated. */
    private static final class Builder {
        final IntelligentHorizontalPodAutoscaler ihpa;
        final Instant now;
        final IntelligentHorizontalPodAutoscalerStatus status;
        final List<PlannedEvent> events = new ArrayList<>();
        IhpaPlan.RpAction rpAction = IhpaPlan.RpAction.NONE;
        ReplicaProfileSpec rpSpec;
        PortraitSelector.Selection selection;

        Builder(IntelligentHorizontalPodAutoscaler ihpa, Instant now) {
            this.ihpa = ihpa;
            this.now = now;
            this.status = IntelligentHorizontalPodAutoscalerStatus.copyOf(ihpa.getStatus());
        }

        void rp(IhpaPlan.RpAction action, ReplicaProfileSpec spec) {
            this.rpAction = action;
            this.rpSpec = spec;
        }

        void condition(String type, boolean value, String reason, String message) {
            Conditions.set(status.conditions, type, value, ihpa.getMetadata().getGeneration(), reason, message, now);
        }

        Builder errorOut(String reason, String message) {
            events.add(PlannedEvent.warning(reason, message));
            condition(SCALING_ACTIVE, false, reason, message);
            return this;
        }

        IhpaPlan build(Instant wakeAt, String retryableError) {
            return new IhpaPlan(status, rpAction, rpSpec, events, wakeAt, retryableError, selection);
        }
    }
}
