package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaProfileStatus {
    /** Condition types (the reasons are {@link ReplicaProfile.Reasons}). */
    public static final String APPLIED = "Applied";
    public static final String ENSURED = "Ensured";
    /** The reason the profile gives while pods are on their way. */
    public static final String REPLICA_NUMBER_NOT_SATISFIED = ReplicaProfile.Reasons.REPLICA_NUMBER_NOT_SATISFIED;

    @Min(0)
    public Integer onlineReplicas;
    @Min(0)
    public Integer cutoffReplicas;
    @Min(0)
    public Integer standbyReplicas;
    public List<Condition> conditions = new ArrayList<>();

    /** A deep copy (an empty status for null), so a planner can change it without touching the object it read. */
    public static ReplicaProfileStatus copyOf(ReplicaProfileStatus s) {
        ReplicaProfileStatus c = new ReplicaProfileStatus();
        if (s == null) {
            return c;
        }
        c.onlineReplicas = s.onlineReplicas;
        c.cutoffReplicas = s.cutoffReplicas;
        c.standbyReplicas = s.standbyReplicas;
        c.conditions = Conditions.copy(s.conditions);
        return c;
    }
}
