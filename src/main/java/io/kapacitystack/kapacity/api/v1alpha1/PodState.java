package io.kapacitystack.kapacity.api.v1alpha1;

/**
 * The states a pod of a scaled workload can be in. Online pods serve traffic; Cutoff pods run without traffic
 * (readiness gate False); Standby pods run without traffic and with their resources reclaimed; Deleted is virtual:
 * pods on their way out of the workload.
 */
public enum PodState {
    Online, Cutoff, Standby, Deleted
}
