package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/** Conversions and small facts about API objects shared by the controllers. */
public final class KubeObjects {

    private KubeObjects() {
    }

    /** Thrown when a stored object does not fit the model (possible only where no API server validated it). */
    public static final class InvalidObjectException extends RuntimeException {
        public InvalidObjectException(String message) {
            super(message);
        }
    }

    public static <T> T convert(KubernetesSerialization serialization, GenericKubernetesResource raw, Class<T> type) {
        try {
            return serialization.convertValue(raw, type);
        } catch (RuntimeException e) {
            throw new InvalidObjectException(describe(e));
        }
    }

    /** A user-readable message for a model mismatch: the field path and what was wrong with its value. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JacksonException) {
                JacksonException je = (JacksonException) t;
                String path = je.getPath().stream().map(r -> r.getPropertyName() != null ? "." + r.getPropertyName()
                        : "[" + r.getIndex() + "]").collect(Collectors.joining());
                if (path.startsWith(".")) {
                    path = path.substring(1);
                }
                if (t instanceof InvalidFormatException) {
                    InvalidFormatException ife = (InvalidFormatException) t;
                    Class<?> target = ife.getTargetType();
                    if (target != null && target.isEnum()) {
                        String supported = Arrays.stream(target.getEnumConstants()).map(c -> "\"" + c + "\"")
                                .collect(Collectors.joining(", "));
                        return path + ": Unsupported value: \"" + ife.getValue() + "\": supported values: " + supported;
                    }
                    return path + ": Invalid value: \"" + ife.getValue() + "\"";
                }
                return path + ": " + je.getOriginalMessage();
            }
        }
        return String.valueOf(e.getMessage());
    }

    public static boolean isDeleting(HasMetadata o) {
        return o.getMetadata().getDeletionTimestamp() != null && !o.getMetadata().getDeletionTimestamp().isEmpty();
    }

    public static boolean hasFinalizer(HasMetadata o, String finalizer) {
        return o.getMetadata().getFinalizers() != null && o.getMetadata().getFinalizers().contains(finalizer);
    }

    public static OwnerReference controllerRef(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    /** The owner of {@code o} that is its controller and of kind {@code kind}, or null. */
    public static OwnerReference controllerOf(HasMetadata o, String kind) {
        if (o.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return o.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()) && kind.equals(r.getKind()))
                .findFirst().orElse(null);
    }

    /** Whether an update of a watched object matters to a controller: spec, generation or deletion changed. */
    public static boolean specOrDeletionChanged(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
        return !Objects.equals(oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())
                || !Objects.equals(oldObj.getMetadata().getDeletionTimestamp(), newObj.getMetadata().getDeletionTimestamp())
                || !Objects.equals(oldObj.getAdditionalProperties().get("spec"), newObj.getAdditionalProperties().get("spec"));
    }

    public static boolean isNotFound(Throwable e) {
        return e instanceof KubernetesClientException && ((KubernetesClientException) e).getCode() == 404;
    }

    public static boolean isConflict(Throwable e) {
        return e instanceof KubernetesClientException && ((KubernetesClientException) e).getCode() == 409;
    }

    /** A short message of an API error (fabric8's include the whole request). */
    public static String shortMessage(Throwable e) {
        if (e instanceof KubernetesClientException) {
            KubernetesClientException k = (KubernetesClientException) e;
            if (k.getStatus() != null && k.getStatus().getMessage() != null) {
                return k.getStatus().getMessage();
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
