package io.kapacitystack.kapacity.runtime.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * What {@link CustomResourceReconciler} needs to know of one of Kapacity's custom resource kinds.
 *
 * @param type                 the model class
 * @param context              the resource, for the generic client (the caches hold the objects unconverted)
 * @param create               a new, empty object of the kind
 * @param copyStatus           the status copy rule: a deep copy of a stored status, an empty status for null (the
 *                             status types' own {@code copyOf})
 * @param conditions           the conditions list of a status
 * @param invalidSpecCondition the condition set to False with reason {@code InvalidSpec} on an object the model
 *                             cannot read, or null to report it by a Warning event only
 */
public record CustomResourceKind<T extends CustomResource<?, S>, S>(
        Class<T> type, ResourceDefinitionContext context, Supplier<T> create, UnaryOperator<S> copyStatus,
        Function<S, List<Condition>> conditions, String invalidSpecCondition) {

    /** The kind name, as in {@code kind:}. */
    public String kind() {
        return context.getKind();
    }
}
