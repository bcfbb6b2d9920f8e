package io.kapacitystack.kapacity.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;

import java.time.Instant;
import java.util.List;
import java.util.ArrayList;

/** metav1.Condition bookkeeping as Kapacity does it: the transition time moves only when the status changes. */
public final class Conditions {

    /** The reason every kind gives for an object its model cannot read, or whose spec cannot be acted on. */
    public static final String INVALID_SPEC = "InvalidSpec";

    private Conditions() {
    }

    public static void set(List<Condition> conditions, String type, boolean status, Long generation, String reason,
                           String message, Instant now) {
        String statusText = status ? "True" : "False";
        Condition c = find(conditions, type);
        if (c == null) {
            c = new Condition();
            c.setType(type);
            conditions.add(c);
        }
        if (!statusText.equals(c.getStatus())) {
            c.setLastTransitionTime(KubeTime.format(now));
        }
        c.setStatus(statusText);
        c.setObservedGeneration(generation);
        c.setReason(reason);
        c.setMessage(message);
    }

    /** A deep copy, so a planner can change conditions without touching the object it read. */
    public static List<Condition> copy(List<Condition> conditions) {
        List<Condition> out = new ArrayList<>();
        if (conditions != null) {
            for (Condition c : conditions) {
                Condition x = new Condition();
                x.setType(c.getType());
                x.setStatus(c.getStatus());
                x.setReason(c.getReason());
                x.setMessage(c.getMessage());
                x.setLastTransitionTime(c.getLastTransitionTime());
                x.setObservedGeneration(c.getObservedGeneration());
                out.add(x);
            }
        }
        return out;
    }

    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        for (Condition c : conditions) {
            if (type.equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        Condition c = find(conditions, type);
        return c != null && "True".equals(c.getStatus());
    }
}
