package io.kapacitystack.kapacity.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaProfileStatus {
    /** Condition types, and the reason the profile gives while pods are on their way (Kapacity's {@code controllers/autoscaling/replicaprofile_controller.go}). */
    public static final String APPLIED = "Applied";
    public static final String ENSURED = "Ensured";
    public static final String REPLICA_NUMBER_NOT_SATISFIED = "ReplicaNumberNotSatisfied";

    @Min(0)
    public Integer onlineReplicas;
    @Min(0)
    public Integer cutoffReplicas;
    @Min(0)
    public Integer standbyReplicas;
    public List<Condition> conditions = new ArrayList<>();
}
